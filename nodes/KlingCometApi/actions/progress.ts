/**
 * What a person sees of a run besides its output, since n8n's editor shows only a spinner while a
 * node waits: each task id and status change in n8n's log (info) and, in a manual run, in the
 * browser console (n8n's `sendMessageToUI`); hints above the output for what is left to do; the
 * task ids in the execution's custom data, which survives Stop.
 */
import type { IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';

import type { LedgerEntry, TaskLedger } from '../helpers/ledger';
import { describeEntry } from '../helpers/ledger';
import { isFinalStatus } from '../helpers/polling';
import type { Redactor } from '../helpers/redaction';

/** Execution custom data: n8n keeps 10 keys per execution and logs values over 255 characters. */
const CUSTOM_DATA_KEYS = 3;
const CUSTOM_DATA_VALUE_LENGTH = 255;
/** A hint names this many tasks; the rest are counted (every item's output has its own task_id). */
const TASKS_PER_HINT = 5;

export interface RunProgress {
	taskRecorded(entry: LedgerEntry, ledger: TaskLedger): void;
	statusChanged(entry: LedgerEntry): void;
	/** The execution is about to pause until the callbacks (or `waitUntil`, the Timeout). */
	pausing(ledger: TaskLedger, waitUntil: number): void;
	stopped(ledger: TaskLedger): void;
	/** The run ends with output: hints for tasks still running or items that failed. */
	finished(ledger: TaskLedger): void;
}

export function runProgress(ctx: IExecuteFunctions, redactor: Redactor): RunProgress {
	const node = ctx.getNode().name;
	const prefix = `Kling (CometAPI) node "${node}"`;
	const tell = (text: string) => {
		const line = redactor.text(text);
		ctx.logger.info(line);
		// Manual runs only (n8n drops it otherwise); absent where n8n runs the node as an AI tool.
		if (typeof ctx.sendMessageToUI === 'function') ctx.sendMessageToUI(line);
	};
	const say = (message: string) => tell(`${prefix}: ${message}`);
	const hint = (type: NodeExecutionHint['type'], message: string) => {
		// n8n 1.x and 2.x have it; guarded for contexts that do not (the AI-tool variant on some versions).
		if (typeof ctx.addExecutionHints === 'function')
			ctx.addExecutionHints({ type, location: 'outputPane', message: redactor.text(message) });
	};

	return {
		taskRecorded(entry, ledger) {
			say(`item ${entry.itemIndex} has task ${entry.taskId} (${entry.taskStatus ?? 'status not read yet'})`);
			keepTaskIds(ctx, ledger.withTasks(), redactor);
		},
		statusChanged(entry) {
			say(`item ${entry.itemIndex}, task ${entry.taskId} is ${entry.taskStatus}`);
		},
		pausing(ledger, waitUntil) {
			const until = new Date(waitUntil).toISOString();
			say(`pausing the execution until CometAPI calls back (at most until ${until}). Tasks: ${ledger.summary()}`);
			const running = ledger.withTasks().filter((entry) => entry.state === 'running');
			hint(
				'info',
				`Paused until CometAPI calls back: ${listTasks(running)}. This is not polling: the execution is "Waiting" in the Executions list and resumes when the last task reports, at the latest at ${until} (Timeout). An item whose task has not reported by then goes on marked "NOT DELIVERED" (field kling_pending_task): send those through an IF to Get Task.`,
			);
		},
		stopped(ledger) {
			const summary = ledger.summary();
			// The ids are in the custom data already: taskRecorded kept each one as it came.
			if (summary) tell(`${prefix} was stopped. Tasks keep running on CometAPI: ${summary}`);
		},
		finished(ledger) {
			const entries = ledger.withTasks();
			// Return Immediately and Get Task hand a task on unfinished: it is still the user's to collect.
			const running = entries.filter((entry) => entry.state !== 'failed' && !isFinalStatus(entry.taskStatus));
			const failed = entries.filter((entry) => entry.state === 'failed');
			const unknown = ledger.all().filter((entry) => entry.state === 'unknown');
			if (running.length)
				hint(
					'info',
					`Still running on CometAPI, not waited for: ${listTasks(running)}. Collect each with Get Task (its Task ID is the item's task_id) or receive it with the Kling (CometAPI) Trigger.`,
				);
			if (failed.length)
				hint(
					'warning',
					`${failed.length} item(s) failed after their task existed: ${listTasks(failed)}. Each failed item's output keeps its task_id.`,
				);
			if (unknown.length)
				hint(
					'warning',
					`${listTasks(unknown)}. Look for these tasks by External Task ID in your CometAPI task list before creating them again.`,
				);
		},
	};
}

/** The first few entries in full, the rest counted. */
function listTasks(entries: LedgerEntry[]): string {
	const shown = entries.slice(0, TASKS_PER_HINT).map(describeEntry).join('; ');
	const more = entries.length - TASKS_PER_HINT;
	return more > 0 ? `${shown}; and ${more} more` : shown;
}

/**
 * Every task id of the run goes into the execution's custom data (kept after Stop; the Executions
 * list filters by it) as "item:task_id" pairs, so a stopped or crashed run loses no paid task.
 */
function keepTaskIds(ctx: IExecuteFunctions, entries: LedgerEntry[], redactor: Redactor): void {
	const base = `kling_${ctx.getNode().name.replace(/[^A-Za-z0-9_]/g, '_')}`.slice(0, 44);
	const values: string[] = [];
	let current = '';
	for (const entry of entries) {
		const pair = `${entry.itemIndex}:${entry.taskId}`;
		if (current && current.length + 1 + pair.length > CUSTOM_DATA_VALUE_LENGTH) {
			values.push(current);
			current = '';
		}
		current = current ? `${current} ${pair}` : pair;
	}
	if (current) values.push(current);
	if (values.length > CUSTOM_DATA_KEYS) {
		const hidden = values.length - CUSTOM_DATA_KEYS + 1;
		values.splice(
			CUSTOM_DATA_KEYS - 1,
			values.length,
			`…and ${hidden} more groups: see the n8n log (info level) for every task id`,
		);
	}
	try {
		const customData = ctx.getWorkflowDataProxy(0).$execution?.customData;
		values.forEach((value, k) => customData?.set(k ? `${base}_${k + 1}` : base, redactor.text(value)));
	} catch {
		// Custom data is a convenience; the info log line already holds the ids.
	}
}
