/**
 * The task ledger of one run: every task the node created or read, per item, with its last known
 * state. The router owns it; operations report to it. It is the only source for error
 * descriptions, Continue On Fail items, the log and the execution's custom data, so a paid task
 * is never lost, whatever ends the run (an error, a sibling's failure, Stop, a dead worker).
 */
import { describeValue } from './format';

export type ItemState =
	/** A create was sent and no answer came back: a task may exist. */
	| 'unknown'
	/** The task exists and has not finished (or we stopped watching it). */
	| 'running'
	/** The item is done: task succeeded and its video was handed on. */
	| 'finished'
	/** The item failed after its task existed (task failed, time-out, download, ...). */
	| 'failed';

export interface LedgerEntry {
	itemIndex: number;
	taskId?: string;
	/** The API's task_status as last seen. */
	taskStatus?: string;
	videoUrl?: string;
	state: ItemState;
	/** Why the item failed, for the summary. */
	reason?: string;
}

export interface LedgerListener {
	/** A new task id became known (created, or first read): keep it somewhere that survives the run. */
	taskRecorded(entry: LedgerEntry, ledger: TaskLedger): void;
	/** A known task's status changed (as our own read saw it). */
	statusChanged?(entry: LedgerEntry): void;
}

export class TaskLedger {
	private readonly entries = new Map<number, LedgerEntry>();

	constructor(private readonly listener?: LedgerListener) {}

	private upsert(itemIndex: number, change: Partial<LedgerEntry>): LedgerEntry {
		const entry = this.entries.get(itemIndex) ?? { itemIndex, state: 'running' as ItemState };
		const isNewTask = change.taskId !== undefined && change.taskId !== entry.taskId;
		const isNewStatus =
			!isNewTask &&
			entry.taskId !== undefined &&
			change.taskStatus !== undefined &&
			change.taskStatus !== entry.taskStatus;
		Object.assign(entry, Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)));
		this.entries.set(itemIndex, entry);
		if (isNewTask) this.listener?.taskRecorded(entry, this);
		else if (isNewStatus) this.listener?.statusChanged?.(entry);
		return entry;
	}

	/** A task exists for the item (created, or named by Get Task). */
	task(itemIndex: number, taskId: string, taskStatus?: string): void {
		this.upsert(itemIndex, { taskId, taskStatus, state: 'running' });
	}

	status(itemIndex: number, taskStatus: string, videoUrl?: string): void {
		this.upsert(itemIndex, { taskStatus, videoUrl });
	}

	/** A create was sent but its answer was lost. */
	unknownCreate(itemIndex: number, reason: string): void {
		this.upsert(itemIndex, { state: 'unknown', reason });
	}

	finished(itemIndex: number): void {
		if (this.entries.has(itemIndex)) this.upsert(itemIndex, { state: 'finished' });
	}

	failed(itemIndex: number, reason: string, context: { taskId?: string; taskStatus?: string } = {}): void {
		const entry = this.entries.get(itemIndex);
		// A failure before any task existed (e.g. a refused create) leaves nothing to track.
		if (!entry && !context.taskId) return;
		if (entry?.state === 'unknown' && !context.taskId) return;
		this.upsert(itemIndex, { ...context, state: 'failed', reason });
	}

	get(itemIndex: number): LedgerEntry | undefined {
		return this.entries.get(itemIndex);
	}

	all(): LedgerEntry[] {
		return [...this.entries.values()].sort((a, b) => a.itemIndex - b.itemIndex);
	}

	/** Items with a task id, in item order. */
	withTasks(): LedgerEntry[] {
		return this.all().filter((entry) => entry.taskId);
	}

	/** One line per item, for an error description or the log. */
	summary(exceptItem?: number): string {
		return this.all()
			.filter((entry) => entry.itemIndex !== exceptItem)
			.map(describeEntry)
			.join('; ');
	}
}

export function describeEntry(entry: LedgerEntry): string {
	const head = `item ${entry.itemIndex}: task ${entry.taskId ?? '(id unknown)'}`;
	switch (entry.state) {
		case 'finished':
			if (entry.taskStatus !== 'succeed')
				return `${head} ${entry.taskStatus ?? 'submitted'}, handed on without waiting`;
			return `${head} succeed${entry.videoUrl ? `, video ${entry.videoUrl}` : ''}`;
		case 'failed':
			return `${head} failed (${describeValue(entry.reason, 160)})`;
		case 'unknown':
			return `item ${entry.itemIndex}: the create request was sent but no answer came back, a task may exist (${describeValue(entry.reason, 160)})`;
		default:
			if (entry.taskStatus === 'succeed' && entry.videoUrl)
				return `${head} succeed, video ${entry.videoUrl} (not downloaded)`;
			return `${head} ${entry.taskStatus ?? 'submitted'}, still running on CometAPI: collect it with Get Task`;
	}
}
