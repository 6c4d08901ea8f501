import type { IBinaryData, IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { taskApiError } from '../transport/errors';
import { pause, throwIfAborted } from './cancellation';
import { backoffDelay } from './polling';

const MAX_ATTEMPTS = 3;
const BACKOFF = { baseMs: 1000, maxMs: 8000 };
/** Generous: a 500 MB file on a slow line. The clock runs between bytes, not for the whole file. */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const EXPIRED_STATUSES = new Set([403, 404, 410]);

interface StreamResponse {
	statusCode: number;
	headers: IDataObject;
	body: NodeJS.ReadableStream & { destroy?: () => void; resume?: () => void };
}

export interface DownloadOptions {
	taskId: string;
	itemIndex: number;
	signal: AbortSignal;
	random?: () => number;
}

/**
 * Streams a finished video into n8n's binary data. The link points at a CDN, not at CometAPI:
 * it is fetched without credentials, and the file is never held whole in memory by this code.
 */
export async function downloadVideo(ctx: IExecuteFunctions, url: string, options: DownloadOptions): Promise<IBinaryData> {
	const { taskId, itemIndex, signal } = options;
	let lastProblem = '';
	for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		if (attempt > 0) await pause(backoffDelay(attempt - 1, BACKOFF, undefined, options.random), signal);
		let response: StreamResponse;
		try {
			response = (await ctx.helpers.httpRequest({
				method: 'GET',
				url,
				encoding: 'stream',
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: DOWNLOAD_TIMEOUT_MS,
				abortSignal: signal,
			})) as StreamResponse;
		} catch (error) {
			await throwIfAborted(signal);
			lastProblem = `the connection failed (${String((error as Error).message ?? error)})`;
			continue;
		}
		const status = response.statusCode;
		if (status >= 200 && status < 300) {
			try {
				return await ctx.helpers.prepareBinaryData(response.body as never, `${taskId}.mp4`, 'video/mp4');
			} catch (error) {
				await throwIfAborted(signal);
				lastProblem = `the transfer broke off (${String((error as Error).message ?? error)})`;
				continue;
			}
		}
		// Drain and drop the error body; only its status matters.
		response.body.resume?.();
		if (EXPIRED_STATUSES.has(status)) {
			throw downloadError(ctx, taskId, itemIndex, status, `The video link of Kling task ${taskId} has expired (HTTP ${status}): run Get Task again for a fresh link`);
		}
		lastProblem = `the file server answered HTTP ${status}`;
		if (status < 500 && status !== 429) break;
	}
	throw downloadError(
		ctx,
		taskId,
		itemIndex,
		undefined,
		`Downloading the video of Kling task ${taskId} failed: ${lastProblem}. The video exists: run Get Task with this id to try again`,
	);
}

function downloadError(ctx: IExecuteFunctions, taskId: string, itemIndex: number, status: number | undefined, message: string) {
	return taskApiError(ctx.getNode(), {
		message,
		description:
			'Video links are temporary. Get Task returns a fresh link for a finished task; turn off "Download Video" to pass on only the URL.',
		httpStatus: status,
		itemIndex,
		taskId,
		taskStatus: 'succeed',
	});
}
