/**
 * Get Task: `GET /kling/v1/videos/text2video/{task_id}` (https://api.cometapi.com/doc).
 * Reads a task once, or follows it until it is done; downloads the video of a finished task.
 */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { readTask, waitForTask } from '../../helpers/polling';
import { validateTaskId } from '../../helpers/validation';
import type { Operation, RunContext } from '../types';
import type { WaitParameters } from './common';
import { finishTask, firstVideoUrl, parameterError, readWaitParameters, taskJson, waitProperties } from './common';

const show = { resource: ['video'], operation: ['get'] };
/** Without waiting, temporary read failures are retried for at most this long. */
const SINGLE_READ_DEADLINE_MS = 2 * 60_000;

export const description: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '={{ $json.task_id }}',
		description: 'The task_id returned by Create Video (or shown in an error message)',
		displayOptions: { show },
	},
	...waitProperties('get'),
];

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

async function execute(
	this: IExecuteFunctions,
	prepared: PreparedGet,
	itemIndex: number,
	run: RunContext,
): Promise<INodeExecutionData> {
	const { taskId } = prepared;
	run.trackTask(itemIndex, taskId);
	const read = { itemIndex, signal: run.signal, apiKey: run.apiKey };

	if (prepared.waitMode === 'poll' && prepared.wait) {
		const task = await waitForTask(this, taskId, { ...read, ...prepared.wait, readFirst: true });
		return await finishTask(this, task, itemIndex, prepared, run);
	}
	// "Return as it is now": an unfinished or failed task is a normal answer, not an error.
	const task = await readTask(this, taskId, { ...read, deadline: Date.now() + SINGLE_READ_DEADLINE_MS });
	if (prepared.download && task.task_status === 'succeed' && firstVideoUrl(task)) {
		return await finishTask(this, task, itemIndex, prepared, run);
	}
	return { json: taskJson(task) };
}

export const get: Operation<PreparedGet> = { description, prepare, execute };
