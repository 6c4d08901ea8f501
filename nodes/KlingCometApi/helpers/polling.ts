/** Reading a task, and following it until it is done, within a deadline and a stop signal. */
import { NodeOperationError } from 'n8n-workflow';

import type { ApiContext, ApiFailure, KlingTask, TaskKind } from '../transport';
import { klingRequest, TASK_KIND_NAMES, TASK_KINDS, taskPath } from '../transport';
import { explainFailure, failureError, tagTask, taskNotFoundMessage } from '../transport/messages';
import { isTransientNotSent, MAX_NOT_SENT_TRIES } from '../transport/network';
import { isTaskNotFound, isTransientRead } from '../transport/verdicts';
import { pause } from './cancellation';
import { formatDuration } from './format';
import type { RetryPolicy } from './retry';
import { withRetries } from './retry';

const TERMINAL_STATUSES = new Set(['succeed', 'failed']);

/** succeed or failed: the task will not change any more. */
export function isFinalStatus(status: unknown): boolean {
	return typeof status === 'string' && TERMINAL_STATUSES.has(status);
}
/** A read costs nothing: temporary failures are retried, within the caller's deadline. */
const READ_POLICY: RetryPolicy = {
	maxAttempts: 8,
	baseDelayMs: 1000,
	maxDelayMs: 20_000,
	maxRetryAfterMs: 60_000,
	budgetMs: 3 * 60_000,
};
/** One status read, from sending to the last byte. */
const READ_REQUEST_MS = 30_000;

export interface ReadOptions {
	itemIndex: number;
	/** Read path without the task id, e.g. /kling/v1/videos/text2video. */
	path: string;
	baseUrl: string;
	signal: AbortSignal;
	/** ms epoch: nothing runs past it. */
	deadline: number;
	random?: () => number;
	log?: (message: string) => void;
	/** The error to raise when the deadline passes during the read (e.g. the wait's time-out). */
	onDeadline: (lastFailure: ApiFailure) => Error;
	/** The error to raise when the API knows no such task under this path (default: the usual read error). */
	onNotFound?: (failure: ApiFailure) => Error;
	/**
	 * Nothing of this item has reached CometAPI yet (Get Task's first read): a refused connection is
	 * then most likely a wrong Base URL, and is tried only as often as a create's.
	 */
	firstContact?: boolean;
}

/** Reads one task. Temporary failures are retried with backoff until the deadline. */
export async function readTask(ctx: ApiContext, taskId: string, options: ReadOptions): Promise<KlingTask> {
	let notSentTries = 0;
	const outcome = await withRetries<KlingTask, ApiFailure>(
		READ_POLICY,
		{
			deadline: options.deadline,
			signal: options.signal,
			random: options.random,
			onRetry: (delay) => options.log?.(`Kling task ${taskId}: status read failed, retrying in ${delay} ms`),
		},
		async () => {
			const answer = await klingRequest(
				ctx,
				{ method: 'GET', path: `${options.path}/${encodeURIComponent(taskId)}`, taskId },
				{ deadline: Math.min(options.deadline, Date.now() + READ_REQUEST_MS), signal: options.signal },
			);
			if (answer.ok && typeof answer.data.task_status === 'string' && answer.data.task_status) {
				// Our id, not the server's: a read answer must not redirect us to another task.
				return { ok: true, value: { ...answer.data, task_id: taskId } };
			}
			const failure: ApiFailure = answer.ok
				? { kind: 'malformed', httpStatus: 200, bodyKind: 'no-task', reached: true }
				: answer.failure;
			if (isTransientNotSent(failure)) notSentTries++;
			const unreachable = options.firstContact === true && notSentTries >= MAX_NOT_SENT_TRIES;
			return {
				ok: false,
				failure,
				retry: isTransientRead(failure) && !unreachable,
				retryAfterMs: failure.retryAfterMs,
			};
		},
	);
	if (outcome.ok) return outcome.value;
	const failure = outcome.failure;
	if (outcome.gaveUp === 'deadline' || (failure.kind === 'timeout' && Date.now() >= options.deadline - 50)) {
		throw options.onDeadline(failure);
	}
	if (isTaskNotFound(failure)) {
		if (options.onNotFound) throw options.onNotFound(failure);
		const kind = TASK_KINDS.find((k) => taskPath(k) === options.path);
		throw taskNotFoundError(ctx, failure, taskId, kind ? [kind] : [], options);
	}
	const tried = `${outcome.attempts} ${outcome.attempts === 1 ? 'try' : 'tries'} over ${formatDuration(outcome.elapsedMs)}`;
	throw failureError(ctx.getNode(), failure, {
		itemIndex: options.itemIndex,
		kind: 'read',
		baseUrl: options.baseUrl,
		taskId,
		hint: failure.reached
			? `Reading task ${taskId} failed after ${tried}; the task itself may still be running. Run Get Task with this id later`
			: `Nothing reached CometAPI (${tried}). Check the credential's Base URL (${options.baseUrl}) and that n8n can reach it; the task itself is not affected`,
	});
}

/** No task with this id under any of `kinds`: the message says so and nothing else (no "try later"). */
function taskNotFoundError(
	ctx: ApiContext,
	failure: ApiFailure,
	taskId: string,
	kinds: readonly TaskKind[],
	options: { itemIndex: number; baseUrl: string },
) {
	const names = kinds.map((kind) => TASK_KIND_NAMES[kind]);
	const everyKind = TASK_KINDS.every((kind) => kinds.includes(kind));
	return failureError(ctx.getNode(), failure, {
		itemIndex: options.itemIndex,
		kind: 'read',
		baseUrl: options.baseUrl,
		taskId,
		message: taskNotFoundMessage(taskId, names, everyKind),
		hint: `CometAPI knows no ${names.length ? `${names.join(', ')} ` : ''}task ${taskId} for this API key`,
	});
}

class NotUnderThisKind extends Error {
	constructor(readonly failure: ApiFailure) {
		super('not found under this kind');
	}
}

/**
 * Reads a task whose kind is not known (Get Task with Task Kind "Auto" and no task_kind on the
 * input item): under each kind's path in turn until one knows it. Only "no such task" moves on to
 * the next kind; any other failure ends the search. (The Trigger reads the kind its URL signs.)
 */
export async function readTaskOfAnyKind(
	ctx: ApiContext,
	taskId: string,
	options: Omit<ReadOptions, 'path'>,
	kinds: readonly TaskKind[] = TASK_KINDS,
): Promise<{ task: KlingTask; kind: TaskKind }> {
	let notFound: ApiFailure | undefined;
	for (const kind of kinds) {
		const outcome = await readTask(ctx, taskId, {
			...options,
			path: taskPath(kind),
			onNotFound: (failure) => new NotUnderThisKind(failure),
		}).then(
			(task) => ({ task }),
			(error: unknown) => ({ error }),
		);
		if ('task' in outcome) return { task: outcome.task, kind };
		if (!(outcome.error instanceof NotUnderThisKind)) throw outcome.error;
		notFound = outcome.error.failure;
	}
	throw taskNotFoundError(ctx, notFound!, taskId, kinds, options);
}

export interface WaitOptions extends Omit<ReadOptions, 'onDeadline'> {
	pollIntervalMs: number;
	/** For the time-out message: the Timeout the user set. */
	timeoutMs: number;
	/** Get Task reads at once; after a create the first read waits one interval. */
	readFirst: boolean;
	/** The task as last seen, for the time-out message if no read succeeds. */
	lastKnown?: KlingTask;
	/** Told about every read, e.g. to keep the ledger current. */
	onRead?: (task: KlingTask) => void;
}

/** Follows one task until `succeed` or `failed`, the deadline, or the stop signal. */
export async function waitForTask(ctx: ApiContext, taskId: string, options: WaitOptions): Promise<KlingTask> {
	let last = options.lastKnown;
	let first = true;
	for (;;) {
		if (!(first && options.readFirst)) {
			const wait = Math.min(options.pollIntervalMs, options.deadline - Date.now());
			if (wait > 0) await pause(wait, options.signal);
		}
		first = false;
		if (Date.now() >= options.deadline) throw timeoutError(ctx, taskId, last, options);
		const seen = last;
		const task = await readTask(ctx, taskId, {
			...options,
			// Once a read has got through, a refused connection is a hiccup, retried as any read.
			firstContact: options.firstContact === true && seen === undefined,
			onDeadline: (failure) =>
				timeoutError(ctx, taskId, seen, options, explainFailure(failure, 'read', options.baseUrl)),
		});
		if (task.task_status !== last?.task_status) options.log?.(`Kling task ${taskId}: ${task.task_status}`);
		last = task;
		options.onRead?.(task);
		if (isFinalStatus(task.task_status)) return task;
	}
}

/** The wait's time-out: names the task, its last status, and how to collect it later. */
export function timeoutError(
	ctx: ApiContext,
	taskId: string,
	task: KlingTask | undefined,
	options: { itemIndex: number; timeoutMs: number },
	lastReadProblem?: string,
) {
	const status = task?.task_status;
	const timeout = formatDuration(options.timeoutMs);
	const base = status
		? `Kling task ${taskId} was still "${status}" when the ${timeout} Timeout ran out`
		: `The status of Kling task ${taskId} could not be read before the ${timeout} Timeout ran out`;
	const error = new NodeOperationError(
		ctx.getNode(),
		lastReadProblem ? `${base} (last status read: ${lastReadProblem})` : base,
		{
			itemIndex: options.itemIndex,
			description:
				`The task keeps running on CometAPI and is billed when it finishes. To collect the video, run Get Task ` +
				`with task id ${taskId} and Wait Mode "Wait Until Done", or raise Timeout (up to 240 min).`,
		},
	);
	return tagTask(error, taskId, status ?? 'unknown');
}
