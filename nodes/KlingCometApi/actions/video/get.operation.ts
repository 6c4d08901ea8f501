/**
 * Get Task: `GET /kling/v1/videos/<kind>/{task_id}` (https://api.cometapi.com/doc), the kind being
 * text2video, image2video or multi-image2video. Reads a task once, or follows it until it is done;
 * downloads the video of a finished task.
 */
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { DEFAULT_DOWNLOAD_MS } from '../../helpers/download';
import { formatDuration } from '../../helpers/format';
import { isFinalStatus, readTask, readTaskOfAnyKind, timeoutError, waitForTask } from '../../helpers/polling';
import { ParameterError, validateTaskId } from '../../helpers/validation';
import type { ApiFailure, KlingTask, TaskKind } from '../../transport';
import { isTaskKind, TASK_KIND_NAMES, TASK_KINDS, taskPath } from '../../transport';
import { PENDING_TASK_FIELD } from './callback';
import { explainFailure, taskApiError } from '../../transport/messages';
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
	{
		displayName: 'Task Kind',
		name: 'taskKind',
		type: 'options',
		options: [
			{
				name: 'Auto',
				value: 'auto',
				description:
					"The input item's task_kind (every Create operation outputs it); without one, each kind is tried in turn",
			},
			...TASK_KINDS.map((kind) => ({
				name: TASK_KIND_NAMES[kind].replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()),
				value: kind,
			})),
		],
		default: 'auto',
		description: 'Which Create operation made the task: Kling reads each kind under its own path',
	},
	...waitProperties('get'),
];

export const description = updateDisplayOptions({ show: { resource: ['video'], operation: ['get'] } }, properties);

export interface PreparedGet extends WaitParameters {
	taskId: string;
	/** Undefined: not known yet, found by reading under each kind. */
	taskKind?: TaskKind;
}

/** Auto: the kind a Create output (or a paused item) carries, when the input item has one. */
function kindOfInput(ctx: IExecuteFunctions, itemIndex: number): TaskKind | undefined {
	const json = ctx.getInputData()[itemIndex]?.json ?? {};
	const pending = json[PENDING_TASK_FIELD] as { task_kind?: unknown } | undefined;
	const kind = json.task_kind ?? pending?.task_kind;
	return isTaskKind(kind) ? kind : undefined;
}

function prepare(this: IExecuteFunctions, itemIndex: number): PreparedGet {
	try {
		const chosen = this.getNodeParameter('taskKind', itemIndex, 'auto') as string;
		if (chosen !== 'auto' && !isTaskKind(chosen)) {
			throw new ParameterError(
				'taskKind',
				`Task Kind must be "auto" or one of ${TASK_KINDS.join(', ')}, not "${chosen}"`,
			);
		}
		return {
			taskId: validateTaskId(this.getNodeParameter('taskId', itemIndex)),
			taskKind: chosen === 'auto' ? kindOfInput(this, itemIndex) : chosen,
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
	// Nothing has reached CometAPI yet: a refused connection is reported as fast as a create's.
	const read = { itemIndex, baseUrl: item.baseUrl, signal: item.signal, log: item.log, firstContact: true };
	const waiting = prepared.waitMode === 'poll' && prepared.wait;
	const deadline = startedAt + (waiting ? prepared.wait!.timeoutMs : SINGLE_READ_MS);
	const onDeadline = (failure: ApiFailure) =>
		waiting
			? timeoutError(
					this,
					taskId,
					undefined,
					{ itemIndex, timeoutMs: prepared.wait!.timeoutMs },
					explainFailure(failure, 'read', item.baseUrl),
				)
			: taskApiError(this.getNode(), {
					message: `CometAPI did not answer the status read of Kling task ${taskId} within ${formatDuration(deadline - startedAt)}`,
					description:
						'The service may be slow or down. The task itself is not affected: run Get Task with this id again later.',
					itemIndex,
					taskId,
				});

	// Kind unknown (no Task Kind, no task_kind on the input item): the first read finds it.
	let taskKind = prepared.taskKind;
	let known: KlingTask | undefined;
	if (!taskKind) {
		({ task: known, kind: taskKind } = await readTaskOfAnyKind(this, taskId, { ...read, deadline, onDeadline }));
		item.ledger.status(itemIndex, known.task_status);
	}
	const path = taskPath(taskKind);
	const parameters = { ...prepared, taskKind };

	if (waiting) {
		const task =
			known && isFinalStatus(known.task_status)
				? known
				: await waitForTask(this, taskId, {
						...read,
						path,
						deadline,
						pollIntervalMs: prepared.wait!.pollIntervalMs,
						timeoutMs: prepared.wait!.timeoutMs,
						readFirst: !known,
						lastKnown: known,
						onRead: (t) => item.ledger.status(itemIndex, t.task_status),
					});
		const output = await finishTask(this, task, parameters, item, deadline);
		item.ledger.finished(itemIndex);
		return output;
	}
	const task = known ?? (await readTask(this, taskId, { ...read, path, deadline, onDeadline }));
	item.ledger.status(itemIndex, task.task_status);
	// "Return as it is now": an unfinished or failed task is a normal answer, not an error.
	const output =
		prepared.download && task.task_status === 'succeed' && firstVideoUrl(task)
			? await finishTask(this, task, parameters, item, Date.now() + DEFAULT_DOWNLOAD_MS)
			: { json: taskJson(task, taskKind) };
	item.ledger.finished(itemIndex);
	return output;
}

export const get: Operation<PreparedGet> = { description, prepare, execute };
