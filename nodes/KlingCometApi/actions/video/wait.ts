/** Wait and download settings (shared by Create and Get), and turning a finished task into an output item. */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { downloadVideo } from '../../helpers/download';
import { describeValue } from '../../helpers/format';
import type { WaitSettings } from '../../helpers/validation';
import {
	MAX_PAUSE_TIMEOUT_MINUTES,
	MAX_POLL_TIMEOUT_MINUTES,
	ParameterError,
	validateBinaryPropertyName,
	validateWaitSettings,
	videoFileName,
} from '../../helpers/validation';
import type { KlingTask, TaskKind } from '../../transport';
import { taskApiError } from '../../transport/messages';
import type { ItemContext } from '../types';

/** none: hand the task on; poll: read it until done; callback: pause the execution until CometAPI calls back. */
export type WaitMode = 'none' | 'poll' | 'callback';
type OperationName = 'create' | 'get';
const DEFAULT_WAIT_MODE = { create: 'poll', get: 'none' } as const;

/** The wait and download parameters; the operation scopes them with updateDisplayOptions. */
export function waitProperties(operation: OperationName): INodeProperties[] {
	const whenPolling = { show: { waitMode: ['poll'] } };
	// Create can also pause; both waiting modes download and have a Timeout.
	const whenWaiting = { show: { waitMode: operation === 'create' ? ['poll', 'callback'] : ['poll'] } };
	const pauseOption = {
		name: 'Pause Until Callback',
		value: 'callback',
		description:
			"Save the execution as waiting (it holds no memory or worker while Kling works, and survives an n8n restart); CometAPI's callbacks resume it when every task has finished. Needs an n8n URL that CometAPI can reach (WEBHOOK_URL).",
	};
	const defaultWaitMode = DEFAULT_WAIT_MODE[operation];
	return [
		{
			displayName: 'Wait Mode',
			name: 'waitMode',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Return Task Immediately',
					value: 'none',
					description: 'Output the task as it is now; read it later with Get Task, or receive it on a Callback URL',
				},
				{
					name: 'Wait Until Done',
					value: 'poll',
					description: 'Read the task every Poll Interval until it succeeds or fails, then output the finished video',
				},
				...(operation === 'create' ? [pauseOption] : []),
			],
			default: defaultWaitMode,
		},
		{
			displayName: 'Poll Interval (Seconds)',
			name: 'pollInterval',
			type: 'number',
			typeOptions: { minValue: 0.5, maxValue: 600, numberPrecision: 1 },
			default: 10,
			description: 'How often to read the task status. Reads are free; Kling videos usually take 1 to 10 minutes.',
			displayOptions: whenPolling,
		},
		{
			displayName: 'Timeout (Minutes)',
			name: 'timeout',
			type: 'number',
			typeOptions: { minValue: 0.1, maxValue: MAX_POLL_TIMEOUT_MINUTES, numberPrecision: 1 },
			default: 20,
			description:
				'How long the whole item may take: create, wait and download. The task keeps running on CometAPI after a time-out; the error names its task ID for a later Get Task.',
			displayOptions: whenPolling,
		},
		...(operation === 'create'
			? [
					{
						displayName: 'Timeout (Minutes)',
						name: 'timeout',
						type: 'number' as const,
						typeOptions: { minValue: 0.1, maxValue: MAX_PAUSE_TIMEOUT_MINUTES, numberPrecision: 1 },
						default: 60,
						description:
							'How long the execution may stay paused. When it passes, the node hands on its input items, each with kling_pending_task.task_id, for a later Get Task.',
						displayOptions: { show: { waitMode: ['callback'] } },
					},
				]
			: []),
		{
			displayName: 'Download Video',
			name: 'download',
			type: 'boolean',
			default: true,
			description:
				'Whether to download the finished MP4 into a binary field, ready for an upload node. Video links expire, so this is the safe choice.',
			displayOptions: operation === 'create' ? whenWaiting : undefined,
		},
		{
			displayName: 'Put Output File in Field',
			name: 'binaryPropertyName',
			type: 'string',
			default: 'data',
			hint: 'The name of the output binary field to put the video in',
			displayOptions: { show: { ...(operation === 'create' ? whenWaiting.show : {}), download: [true] } },
		},
	];
}

export interface WaitParameters {
	waitMode: WaitMode;
	wait?: WaitSettings;
	download: boolean;
	binaryPropertyName: string;
}

/** Reads and checks the wait/download settings of one item; no I/O. */
export function readWaitParameters(
	ctx: IExecuteFunctions,
	itemIndex: number,
	operation: OperationName,
): WaitParameters {
	const waitMode = ctx.getNodeParameter('waitMode', itemIndex, DEFAULT_WAIT_MODE[operation]) as WaitMode;
	const known: WaitMode[] = operation === 'create' ? ['none', 'poll', 'callback'] : ['none', 'poll'];
	if (!known.includes(waitMode)) {
		throw new ParameterError(
			'waitMode',
			operation === 'create'
				? 'Wait Mode must be "none" (Return Task Immediately), "poll" (Wait Until Done) or "callback" (Pause Until Callback)'
				: 'Wait Mode must be "none" (Return Task Immediately) or "poll" (Wait Until Done)',
		);
	}
	let wait: WaitSettings | undefined;
	if (waitMode === 'poll') {
		wait = validateWaitSettings(
			ctx.getNodeParameter('pollInterval', itemIndex, 10),
			ctx.getNodeParameter('timeout', itemIndex, 20),
		);
	} else if (waitMode === 'callback') {
		// Nothing polls while paused: only the Timeout (the pause's limit) matters.
		wait = validateWaitSettings(10, ctx.getNodeParameter('timeout', itemIndex, 60), MAX_PAUSE_TIMEOUT_MINUTES);
	}
	// Create without waiting has no video yet; Get can find a finished one either way.
	const mayDownload = waitMode !== 'none' || operation === 'get';
	const download = mayDownload && (ctx.getNodeParameter('download', itemIndex, true) as boolean);
	const binaryPropertyName = download
		? validateBinaryPropertyName(ctx.getNodeParameter('binaryPropertyName', itemIndex, 'data'))
		: 'data';
	return { waitMode, wait, download, binaryPropertyName };
}

/** Turns a validation problem into the n8n error a user sees, naming the field. */
export function parameterError(ctx: IExecuteFunctions, error: unknown, itemIndex: number): Error {
	if (error instanceof ParameterError) {
		return new NodeOperationError(ctx.getNode(), error.message, {
			itemIndex,
			description: `Check the parameter "${error.field}". Nothing was sent to CometAPI, so nothing was billed.`,
		});
	}
	return error as Error;
}

export function firstVideoUrl(task: KlingTask): string | undefined {
	const videos = task.task_result && typeof task.task_result === 'object' ? task.task_result.videos : undefined;
	const url = Array.isArray(videos) ? videos[0]?.url : undefined;
	return typeof url === 'string' && url.trim() ? url.trim() : undefined;
}

/** The output JSON: the task as the API returned it, plus the first video's URL once it exists. */
export function taskJson(task: KlingTask, taskKind?: TaskKind) {
	const url = firstVideoUrl(task);
	// task_kind lets a following Get Task read the task under the right path with no choice to make.
	return { ...task, ...(taskKind ? { task_kind: taskKind } : {}), ...(url ? { video_url: url } : {}) };
}

function taskError(ctx: IExecuteFunctions, task: KlingTask, itemIndex: number, message: string, description: string) {
	return taskApiError(ctx.getNode(), {
		message,
		description,
		itemIndex,
		taskId: task.task_id,
		taskStatus: task.task_status,
	});
}

/**
 * A task in a final state → the output item: a failure or a success without a video is an error
 * naming the task; a success gets its video downloaded when asked, within the deadline.
 */
export async function finishTask(
	ctx: IExecuteFunctions,
	task: KlingTask,
	parameters: WaitParameters & { taskKind?: TaskKind },
	item: ItemContext,
	deadline?: number,
): Promise<INodeExecutionData> {
	const { itemIndex } = item;
	if (task.task_status === 'failed') {
		throw taskError(
			ctx,
			task,
			itemIndex,
			`Kling task ${task.task_id} failed: ${describeValue(task.task_status_msg) || 'no reason given'}`,
			"Kling could not make this video; the reason above is the API's task_status_msg. Change the prompt or parameters and create a new task.",
		);
	}
	const url = firstVideoUrl(task);
	if (!url) {
		throw taskError(
			ctx,
			task,
			itemIndex,
			`Kling task ${task.task_id} finished but returned no video`,
			'This usually means the result was withheld by content filtering. Rephrase the prompt and create a new task.',
		);
	}
	item.ledger.status(itemIndex, task.task_status, url);
	const output: INodeExecutionData = { json: taskJson(task, parameters.taskKind) };
	if (parameters.download) {
		const binary = await item.downloadSlots.run(() =>
			downloadVideo(ctx, url, {
				taskId: task.task_id,
				fileName: videoFileName(task.task_id),
				itemIndex,
				signal: item.signal,
				deadline,
			}),
		);
		output.binary = { [parameters.binaryPropertyName]: binary };
	}
	return output;
}
