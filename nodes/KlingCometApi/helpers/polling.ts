import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { ApiFailure, KlingTask } from '../transport';
import { klingRequest, TEXT2VIDEO_PATH } from '../transport';
import { isTransient, tagTask, toNodeApiError } from '../transport/errors';
import { pause, throwIfAborted } from './cancellation';

export const TERMINAL_STATUSES = new Set(['succeed', 'failed']);
const MAX_READ_ATTEMPTS = 6;
const READ_BACKOFF = { baseMs: 1000, maxMs: 30_000 };
/** A server's Retry-After is honoured, within reason. */
const MAX_RETRY_AFTER_MS = 120_000;

export interface Backoff {
	baseMs: number;
	maxMs: number;
}

/**
 * Delay before retry number `attempt` (0-based): exponential with jitter in [50 %, 100 %] so many
 * items do not retry in lockstep; a server's Retry-After wins when it asks for longer.
 */
export function backoffDelay(attempt: number, backoff: Backoff, retryAfterMs?: number, random = Math.random): number {
	const exponential = Math.min(backoff.maxMs, backoff.baseMs * 2 ** attempt);
	const jittered = Math.round(exponential * (0.5 + random() / 2));
	if (retryAfterMs === undefined) return jittered;
	return Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS));
}

export interface ReadOptions {
	itemIndex: number;
	signal: AbortSignal;
	/** Retries stop when they would pass this time (ms epoch). */
	deadline?: number;
	apiKey?: string;
	random?: () => number;
}

/** Reads one task. A read costs nothing, so temporary failures are retried with backoff. */
export async function readTask(ctx: IExecuteFunctions, taskId: string, options: ReadOptions): Promise<KlingTask> {
	let failure: ApiFailure | undefined;
	for (let attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
		if (attempt > 0 && failure) {
			const delay = backoffDelay(attempt - 1, READ_BACKOFF, failure.retryAfterMs, options.random);
			if (options.deadline !== undefined && Date.now() + delay > options.deadline) break;
			ctx.logger.debug(`Kling task ${taskId}: status read failed, retrying in ${delay} ms`);
			await pause(delay, options.signal);
		}
		const outcome = await klingRequest<KlingTask>(ctx, 'GET', `${TEXT2VIDEO_PATH}/${encodeURIComponent(taskId)}`);
		if (outcome.ok) return { ...outcome.data, task_id: outcome.data.task_id || taskId };
		failure = outcome.failure;
		await throwIfAborted(options.signal);
		if (!isTransient(failure)) break;
	}
	throw toNodeApiError(ctx.getNode(), failure as ApiFailure, {
		itemIndex: options.itemIndex,
		taskId,
		hint: `Reading task ${taskId} failed; the task itself may still be running. Run Get Task with this id later`,
		apiKey: options.apiKey,
	});
}

export interface WaitOptions extends ReadOptions {
	pollIntervalMs: number;
	timeoutMs: number;
	/** Get Task reads at once; after a create the first read waits one interval. */
	readFirst: boolean;
	/** The task as last seen, for the time-out message if no read succeeds. */
	lastKnown?: KlingTask;
}

/** Follows one task until `succeed` or `failed`, the deadline, or cancellation. */
export async function waitForTask(ctx: IExecuteFunctions, taskId: string, options: WaitOptions): Promise<KlingTask> {
	const startedAt = Date.now();
	const deadline = startedAt + options.timeoutMs;
	let last = options.lastKnown;
	let firstRead = true;
	for (;;) {
		if (!(firstRead && options.readFirst)) {
			const wait = Math.min(options.pollIntervalMs, deadline - Date.now());
			if (wait > 0) await pause(wait, options.signal);
		}
		firstRead = false;
		const task = await readTask(ctx, taskId, { ...options, deadline });
		if (task.task_status !== last?.task_status) {
			ctx.logger.debug(`Kling task ${taskId}: ${task.task_status}`);
		}
		last = task;
		if (TERMINAL_STATUSES.has(task.task_status)) return task;
		if (Date.now() >= deadline) throw timeoutError(ctx, taskId, last, options);
	}
}

function timeoutError(ctx: IExecuteFunctions, taskId: string, task: KlingTask | undefined, options: WaitOptions) {
	const minutes = Math.round((options.timeoutMs / 60_000) * 100) / 100;
	const status = task?.task_status ?? 'unknown';
	const error = new NodeOperationError(
		ctx.getNode(),
		`Kling task ${taskId} was still "${status}" when the ${minutes} min Timeout ran out`,
		{
			itemIndex: options.itemIndex,
			description:
				`The task keeps running on CometAPI and is billed when it finishes. To collect the video, run Get Task ` +
				`with task id ${taskId} and Wait Mode "Wait Until Done", or raise Timeout (up to 240 min).`,
		},
	);
	return tagTask(error, taskId, status);
}
