/**
 * Streams a finished video into n8n's binary data. The link points at a CDN, not at CometAPI:
 * it is fetched without credentials, and the file is never held whole in memory by this code.
 * Bounded twice: a deadline for the whole transfer, and a minimum-progress rule for stalls.
 */
import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { taskApiError } from '../transport/messages';
import { pause, settleBy, throwIfAborted } from './cancellation';
import { describeValue, formatDuration } from './format';
import type { AttemptResult, RetryPolicy } from './retry';
import { withRetries } from './retry';

const DOWNLOAD_POLICY: RetryPolicy = {
	maxAttempts: 3,
	baseDelayMs: 1000,
	maxDelayMs: 8000,
	maxRetryAfterMs: 30_000,
	budgetMs: 10 * 60_000,
};
/** Without a wait deadline (Get Task, not waiting): a 500 MB file on a slow line still fits. */
export const DEFAULT_DOWNLOAD_MS = 30 * 60_000;
/** Minimum progress: a transfer that receives less than this per window is broken, and is tried again. */
const STALL_MS = 30_000;
const MIN_BYTES_PER_WINDOW = 64 * 1024;
const STALL_CHECK_MS = 1000;
const EXPIRED_STATUSES = new Set([403, 404, 410]);
/** Answers that are clearly not a video (an error page, an API answer). */
const NOT_VIDEO_TYPES = /^(text\/|application\/(json|xml|problem)|image\/svg)/i;

type StreamBody = NodeJS.ReadableStream & {
	destroy?: (error?: Error) => void;
	resume?: () => void;
	socket?: { bytesRead?: number } | null;
	/** On a decoder (zlib: gzip, br, deflate): the compressed bytes it has taken in. */
	bytesWritten?: number;
};
interface StreamResponse {
	statusCode: number;
	headers: IDataObject;
	body: StreamBody;
}

export interface DownloadOptions {
	taskId: string;
	/** A safe file name: never built from an unchecked server value. */
	fileName: string;
	itemIndex: number;
	signal: AbortSignal;
	/** ms epoch: the whole download, retries included, ends by then. */
	deadline?: number;
	stallMs?: number;
	random?: () => number;
}

type Problem = { message: string; final: boolean; status?: number };

function header(headers: IDataObject, name: string): string | undefined {
	const value = headers[name];
	return value === undefined || value === null ? undefined : String(Array.isArray(value) ? value[0] : value);
}

/**
 * What came over the wire, which is what Content-Length counts. n8n's HTTP client decodes gzip,
 * br and deflate on its own and hands over the decoder: its input count is the compressed size,
 * while n8n stores (and counts) the decoded bytes.
 */
function wireBytes(body: StreamBody, storedBytes: number | undefined): number | undefined {
	return typeof body.bytesWritten === 'number' ? body.bytesWritten : storedBytes;
}

/** Bytes received so far, to tell progress from a stall: the socket's count, or the decoder's. */
function bytesReceived(body: StreamBody): number | undefined {
	return body.socket?.bytesRead ?? (typeof body.bytesWritten === 'number' ? body.bytesWritten : undefined);
}

/** Only plain http(s) links are fetched: not data:, file: or anything else an answer may carry. */
export function checkVideoUrl(url: string): string | undefined {
	try {
		const parsed = new URL(url);
		if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
			return `it is a ${parsed.protocol} link, not http(s)`;
		if (parsed.username || parsed.password) return 'it carries a user name or password';
		return undefined;
	} catch {
		return 'it is not a valid URL';
	}
}

export async function downloadVideo(
	ctx: IExecuteFunctions,
	url: string,
	options: DownloadOptions,
): Promise<IBinaryData> {
	const { taskId, signal } = options;
	const deadline = options.deadline ?? Date.now() + DEFAULT_DOWNLOAD_MS;
	const badUrl = checkVideoUrl(url);
	if (badUrl) {
		throw downloadError(
			ctx,
			options,
			undefined,
			`The video link of Kling task ${taskId} cannot be downloaded: ${badUrl} (${describeValue(url, 80)})`,
		);
	}
	const outcome = await withRetries<IBinaryData, Problem>(
		DOWNLOAD_POLICY,
		{ deadline, signal, random: options.random },
		async (): Promise<AttemptResult<IBinaryData, Problem>> => {
			const problem = (message: string, final: boolean, status?: number) => ({
				ok: false as const,
				failure: { message, final, status },
				retry: !final,
			});
			const transfer = new AbortController();
			const stop = () => transfer.abort();
			signal.addEventListener('abort', stop, { once: true });
			try {
				const answered = await settleBy(
					ctx.helpers.httpRequest({
						method: 'GET',
						url,
						encoding: 'stream',
						returnFullResponse: true,
						ignoreHttpStatusErrors: true,
						timeout: Math.max(1000, Math.min(STALL_MS, deadline - Date.now())),
						abortSignal: transfer.signal,
					}) as Promise<StreamResponse>,
					deadline,
					signal,
				).catch((error: Error) => ({ done: true as const, value: undefined, error }));
				throwIfAborted(signal);
				if (!answered.done) return problem('the file server did not answer in time', false);
				if (!answered.value)
					return problem(
						`the connection failed (${describeValue((answered as { error?: Error }).error?.message, 200)})`,
						false,
					);
				const { statusCode: status, headers, body } = answered.value;
				if (status < 200 || status >= 300) {
					// Drop the error body; only its status matters.
					body.destroy?.();
					if (EXPIRED_STATUSES.has(status)) return problem(`expired (HTTP ${status})`, true, status);
					return problem(
						`the file server answered HTTP ${status}`,
						status < 500 && status !== 429 && status !== 408,
						status,
					);
				}
				const type = header(headers, 'content-type') ?? '';
				const length = header(headers, 'content-length');
				const expected = length !== undefined && /^\d+$/.test(length.trim()) ? Number(length) : undefined;
				if (NOT_VIDEO_TYPES.test(type.trim())) {
					body.destroy?.();
					return problem(`the link returned ${describeValue(type, 60)}, not a video`, true);
				}
				if (expected === 0) {
					body.destroy?.();
					return problem('the link returned an empty file', true);
				}
				const stored = await storeWithin(ctx, body, options, deadline, transfer);
				if (typeof stored === 'string') return problem(stored, false);
				const bytes = typeof stored.bytes === 'number' ? stored.bytes : undefined;
				if (bytes === 0) return problem('the link returned an empty file', true);
				const received = wireBytes(body, bytes);
				if (expected !== undefined && received !== undefined && received !== expected) {
					return problem(`the transfer broke off (${received} of ${expected} bytes)`, false);
				}
				return { ok: true, value: stored };
			} finally {
				signal.removeEventListener('abort', stop);
			}
		},
	);
	if (outcome.ok) return outcome.value;
	const { message, status } = outcome.failure;
	if (status !== undefined && EXPIRED_STATUSES.has(status)) {
		throw downloadError(
			ctx,
			options,
			status,
			`The video link of Kling task ${taskId} has expired (HTTP ${status}): run Get Task again for a fresh link`,
		);
	}
	const timedOut = outcome.gaveUp === 'deadline' || Date.now() >= deadline;
	throw downloadError(
		ctx,
		options,
		status,
		timedOut
			? `Downloading the video of Kling task ${taskId} did not finish in time (${message}, after ${formatDuration(outcome.elapsedMs)}). The video exists: run Get Task with this id to try again`
			: `Downloading the video of Kling task ${taskId} failed: ${message}. The video exists: run Get Task with this id to try again`,
	);
}

/**
 * Hands the stream to n8n and watches it: the deadline ends it, and so does a stall (no byte
 * received for `stallMs`). Returns the binary, or what went wrong.
 */
async function storeWithin(
	ctx: IExecuteFunctions,
	body: StreamBody,
	options: DownloadOptions,
	deadline: number,
	transfer: AbortController,
): Promise<IBinaryData | string> {
	const stallMs = options.stallMs ?? STALL_MS;
	const watch = new AbortController();
	let verdict: string | undefined;
	const end = (why: string) => {
		verdict ??= why;
		body.destroy?.(new Error(why));
		transfer.abort();
	};
	// Progress is read off the socket (or the decoder), so the stream is not touched before n8n consumes it.
	const watchdog = (async () => {
		let windowStart = Date.now();
		let windowBytes = bytesReceived(body);
		while (!watch.signal.aborted) {
			try {
				await pause(STALL_CHECK_MS, watch.signal);
			} catch {
				return;
			}
			if (Date.now() - windowStart < stallMs) continue;
			const bytes = bytesReceived(body);
			// Nothing to watch (neither a socket nor a decoder): only the deadline applies.
			if (bytes !== undefined && windowBytes !== undefined && bytes - windowBytes < MIN_BYTES_PER_WINDOW) {
				return end(
					`the transfer stalled: less than ${MIN_BYTES_PER_WINDOW / 1024} KB arrived in ${formatDuration(stallMs)}`,
				);
			}
			windowStart = Date.now();
			windowBytes = bytes;
		}
	})();
	try {
		const settled = await settleBy(
			ctx.helpers.prepareBinaryData(body as never, options.fileName, 'video/mp4'),
			deadline,
			options.signal,
		);
		throwIfAborted(options.signal);
		if (!settled.done) {
			end('the transfer did not finish before the Timeout');
			return verdict as string;
		}
		return settled.value;
	} catch (error) {
		throwIfAborted(options.signal);
		return verdict ?? `the transfer broke off (${describeValue((error as Error)?.message, 200)})`;
	} finally {
		watch.abort();
		await watchdog;
	}
}

function downloadError(ctx: IExecuteFunctions, options: DownloadOptions, status: number | undefined, message: string) {
	return taskApiError(ctx.getNode(), {
		message,
		description:
			'Video links are temporary. Get Task returns a fresh link for a finished task; turn off "Download Video" to pass on only the URL.',
		httpStatus: status,
		itemIndex: options.itemIndex,
		taskId: options.taskId,
		taskStatus: 'succeed',
	});
}
