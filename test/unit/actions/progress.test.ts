/** What a person sees of a run besides its output: the log and console lines, the hints, the kept task ids. */
import type { IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';

import { runProgress } from '../../../nodes/KlingCometApi/actions/progress';
import { TaskLedger } from '../../../nodes/KlingCometApi/helpers/ledger';
import { Redactor } from '../../../nodes/KlingCometApi/helpers/redaction';

const KEY = 'sk-progress-0123456789abcdef';

function fake(options: { withUi?: boolean } = {}) {
	const logs: string[] = [];
	const ui: unknown[][] = [];
	const hints: NodeExecutionHint[] = [];
	const customData: Record<string, string> = {};
	const ctx = {
		getNode: () => ({ name: 'Make clips' }),
		logger: { info: (line: string) => logs.push(line) },
		addExecutionHints: (...added: NodeExecutionHint[]) => hints.push(...added),
		getWorkflowDataProxy: () => ({
			$execution: { customData: { set: (k: string, v: string) => (customData[k] = v) } },
		}),
		...(options.withUi === false ? {} : { sendMessageToUI: (...args: unknown[]) => ui.push(args) }),
	} as unknown as IExecuteFunctions;
	const progress = runProgress(ctx, new Redactor([KEY]));
	const ledger = new TaskLedger(progress);
	return { progress, ledger, logs, ui, hints, customData };
}

describe('runProgress', () => {
	it('says each new task and each status change in the log and the console, the same words', () => {
		const { ledger, logs, ui } = fake();
		ledger.task(0, 't-0', 'submitted');
		ledger.status(0, 'submitted');
		ledger.status(0, 'processing');
		ledger.task(1, 't-1');
		expect(logs).toEqual([
			'Kling (CometAPI) node "Make clips": item 0 has task t-0 (submitted)',
			'Kling (CometAPI) node "Make clips": item 0, task t-0 is processing',
			'Kling (CometAPI) node "Make clips": item 1 has task t-1 (status not read yet)',
		]);
		expect(ui).toEqual(logs.map((line) => [line]));
	});

	it('keeps every task id in the custom data as it appears', () => {
		const { ledger, customData } = fake();
		ledger.task(0, 't-0');
		ledger.task(3, 't-3');
		expect(customData).toEqual({ kling_Make_clips: '0:t-0 3:t-3' });
	});

	it('works without a console (the AI-tool context has none)', () => {
		const { ledger, logs } = fake({ withUi: false });
		ledger.task(0, 't-0');
		expect(logs).toHaveLength(1);
	});

	it('a finished run with nothing left to do has no hint', () => {
		const { ledger, progress, hints } = fake();
		ledger.task(0, 't-0', 'succeed');
		ledger.finished(0);
		progress.finished(ledger);
		expect(hints).toEqual([]);
	});

	it('tasks handed on unfinished get one info hint; failed tasks a warning; a failed status is not "running"', () => {
		const { ledger, progress, hints } = fake();
		ledger.task(0, 't-0', 'processing');
		ledger.finished(0);
		ledger.task(1, 't-1', 'failed');
		ledger.finished(1);
		ledger.task(2, 't-2', 'submitted');
		ledger.failed(2, 'Timeout after 10 min');
		progress.finished(ledger);
		expect(hints).toEqual([
			{
				type: 'info',
				location: 'outputPane',
				message:
					"Still running on CometAPI, not waited for: item 0: task t-0 processing, handed on without waiting. Collect each with Get Task (its Task ID is the item's task_id) or receive it with the Kling (CometAPI) Trigger.",
			},
			{
				type: 'warning',
				location: 'outputPane',
				message:
					"1 item(s) failed after their task existed: item 2: task t-2 failed (Timeout after 10 min). Each failed item's output keeps its task_id.",
			},
		]);
	});

	it('a create whose answer was lost gets a warning to look before creating again', () => {
		const { ledger, progress, hints } = fake();
		ledger.unknownCreate(0, 'socket hang up');
		progress.finished(ledger);
		expect(hints).toHaveLength(1);
		expect(hints[0].type).toBe('warning');
		expect(hints[0].message).toMatch(/^item 0: the create request was sent but no answer came back/);
		expect(hints[0].message).toMatch(/Look for these tasks by External Task ID/);
	});

	it('names five tasks and counts the rest', () => {
		const { ledger, progress, hints } = fake();
		for (let i = 0; i < 6; i++) ledger.task(i, `t-${i}`, 'submitted');
		progress.finished(ledger);
		expect(hints[0].message).toContain('item 4: task t-4');
		expect(hints[0].message).not.toContain('t-5');
		expect(hints[0].message).toContain('; and 1 more.');
	});

	it('pausing: one info hint with the running tasks and the Timeout, and a log line', () => {
		const { ledger, progress, hints, logs } = fake();
		ledger.task(0, 't-0', 'submitted');
		ledger.task(1, 't-1', 'succeed');
		ledger.finished(1);
		progress.pausing(ledger, Date.UTC(2026, 11, 4, 1, 0, 0));
		expect(hints).toHaveLength(1);
		expect(hints[0]).toMatchObject({ type: 'info', location: 'outputPane' });
		expect(hints[0].message).toMatch(/^Paused until CometAPI calls back: item 0: task t-0 submitted, still running/);
		expect(hints[0].message).not.toContain('t-1');
		expect(hints[0].message).toContain('at the latest at 2026-12-04T01:00:00.000Z (Timeout)');
		expect(logs.at(-1)).toMatch(
			/^Kling \(CometAPI\) node "Make clips": pausing the execution until CometAPI calls back \(at most until 2026-12-04T01:00:00.000Z\)\. Tasks: item 0/,
		);
	});

	it('stopped: one line with every task; the ids stay kept', () => {
		const { ledger, progress, logs, customData } = fake();
		ledger.task(0, 't-0', 'processing');
		progress.stopped(ledger);
		expect(logs.at(-1)).toBe(
			'Kling (CometAPI) node "Make clips" was stopped. Tasks keep running on CometAPI: item 0: task t-0 processing, still running on CometAPI: collect it with Get Task',
		);
		expect(customData.kling_Make_clips).toBe('0:t-0');
	});

	it('stopped before any task: no line', () => {
		const { ledger, progress, logs } = fake();
		progress.stopped(ledger);
		expect(logs).toEqual([]);
	});

	it('never shows the key, in the log, the console or a hint', () => {
		const { ledger, progress, logs, ui, hints } = fake();
		ledger.task(0, `t-0`, 'submitted');
		ledger.failed(0, `upstream said ${KEY}`);
		progress.finished(ledger);
		progress.stopped(ledger);
		expect(JSON.stringify({ logs, ui, hints })).not.toContain(KEY);
		expect(JSON.stringify(hints)).toContain('upstream said');
	});
});
