/**
 * Get Task: `GET /kling/v1/videos/text2video/{task_id}` (https://api.cometapi.com/doc).
 * Reads a task once, or follows it until it is done; downloads the video of a finished task.
 */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { DEFAULT_DOWNLOAD_MS } from '../../helpers/download';
import { formatDuration } from '../../helpers/format';
import { readTask, waitForTask } from '../../helpers/polling';
import { validateTaskId } from '../../helpers/validation';
import { TEXT2VIDEO_PATH } from '../../transport';
import { taskApiError } from '../../transport/messages';
import type { ItemContext, Operation } from '../types';
import type { WaitParameters } from './wait';
import { finishTask, firstVideoUrl, parameterError, readWaitParameters, taskJson, waitProperties } from './wait';

/** Without waiting, one read (retries included) ends within this time. */
const SINGLE_READ_MS = 60_000;

const properties: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '={{ $json.task_id }}',
		description: 'The task_id returned by Create Video (or shown in an error message)',
	},
	...waitProperties('get'),
];

export const description = updateDisplayOptions({ show: { resource: ['video'], operation: ['get'] } }, properties);

export interface PreparedGet extends WaitParameters {
	taskId: string;
}

function prepare(this: IExecuteFunctions, itemIndex: number): PreparedGet {
	try {
		return {
			taskId: validateTaskId(this.getNodeParameter('taskId', itemIndex)),
			...readWaitParameters(this, itemIndex, 'get'),
		};
	} catch (error) {
		throw parameterError(this, error, itemIndex);
	}
}

async function execute(this: IExecuteFunctions, prepared: PreparedGet, item: ItemContext): Promise<INodeExecutionData> {
	const { taskId } = prepared;
	const { itemIndex } = item;
	item.ledger.task(itemIndex, taskId);
	const startedAt = Date.now();
	const read = { itemIndex, path: TEXT2VIDEO_PATH, baseUrl: item.baseUrl, signal: item.signal, log: item.log };

	if (prepared.waitMode === 'poll' && prepared.wait) {
		const deadline = startedAt + prepared.wait.timeoutMs;
		const task = await waitForTask(this, taskId, {
			...read,
			deadline,
			pollIntervalMs: prepared.wait.pollIntervalMs,
			timeoutMs: prepared.wait.timeoutMs,
			readFirst: true,
			onRead: (t) => item.ledger.status(itemIndex, t.task_status),
		});
		const output = await finishTask(this, task, prepared, item, deadline);
		item.ledger.finished(itemIndex);
		return output;
	}
	// "Return as it is now": an unfinished or failed task is a normal answer, not an error.
	const task = await readTask(this, taskId, {
		...read,
		deadline: startedAt + SINGLE_READ_MS,
		onDeadline: () =>
			taskApiError(this.getNode(), {
				message: `CometAPI did not answer the status read of Kling task ${taskId} within ${formatDuration(SINGLE_READ_MS)}`,
				description:
					'The service may be slow or down. The task itself is not affected: run Get Task with this id again later.',
				itemIndex,
				taskId,
			}),
	});
	item.ledger.status(itemIndex, task.task_status);
	const output =
		prepared.download && task.task_status === 'succeed' && firstVideoUrl(task)
			? await finishTask(this, task, prepared, item, Date.now() + DEFAULT_DOWNLOAD_MS)
			: { json: taskJson(task) };
	item.ledger.finished(itemIndex);
	return output;
}

export const get: Operation<PreparedGet> = { description, prepare, execute };
