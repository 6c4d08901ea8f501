/**
 * Create Video: `POST /kling/v1/videos/text2video` (https://api.cometapi.com/doc).
 * validate → create (retry only what was provably not created) → wait → download → output.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { throwIfAborted } from '../../helpers/cancellation';
import { describeValue, formatDuration } from '../../helpers/format';
import { isFinalStatus, waitForTask } from '../../helpers/polling';
import type { RetryPolicy } from '../../helpers/retry';
import { withRetries } from '../../helpers/retry';
import type { CameraControlInput, Text2VideoBody } from '../../helpers/validation';
import {
	ASPECT_RATIOS,
	buildText2VideoBody,
	CAMERA_AXES,
	CAMERA_TYPES,
	DEFAULT_MAX_NEGATIVE_PROMPT_LENGTH,
	DEFAULT_MAX_PROMPT_LENGTH,
	isValidTaskId,
	KNOWN_MODELS,
} from '../../helpers/validation';
import type { ApiFailure, KlingTask } from '../../transport';
import { klingRequest, TEXT2VIDEO_PATH } from '../../transport';
import { failureError, taskApiError } from '../../transport/messages';
import { isTransientNotSent } from '../../transport/network';
import { isCreateOutcomeUnknown, isRefusedForNow } from '../../transport/verdicts';
import type { AwaitingCallback, ItemContext, Operation, RunContext } from '../types';
import { callbackUrlForPause, readOnceBeforePause } from './callback';
import type { WaitParameters } from './wait';
import { finishTask, parameterError, readWaitParameters, taskJson, waitProperties } from './wait';

/**
 * Refused creates (429, 1302, 1303) made no task: they are sent again within one budget per
 * item. Backing off releases the item's create slot, so other items go ahead meanwhile.
 */
const CREATE_POLICY: RetryPolicy = {
	maxAttempts: 10,
	baseDelayMs: 2000,
	maxDelayMs: 30_000,
	maxRetryAfterMs: 60_000,
	budgetMs: 3 * 60_000,
};
/** A refused connection is tried this often (a restarting proxy), then reported: well within a minute. */
const MAX_NOT_SENT_TRIES = 3;
/** One create request, from sending to the last byte. */
const CREATE_REQUEST_MS = 60_000;
const DEFAULT_CREATE_CONCURRENCY = 5;

const axisFields: INodeProperties[] = CAMERA_AXES.map((axis) => ({
	displayName: axis.charAt(0).toUpperCase() + axis.slice(1),
	name: axis,
	type: 'number',
	typeOptions: { minValue: -10, maxValue: 10 },
	default: 0,
	description: `Camera ${axis} movement, -10 to 10. With type Simple, exactly one axis must be non-zero.`,
	displayOptions: { show: { type: ['simple'] } },
}));

const properties: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'A happy scene of a vacation on the beach',
		description: 'What the video should show',
	},
	{
		displayName: 'Model',
		name: 'model',
		type: 'options',
		options: [
			...KNOWN_MODELS.map((model) => ({ name: model, value: model })),
			{ name: 'Other (Enter Name Below)', value: 'custom', description: 'A model that is not in this list yet' },
		],
		default: 'kling-v2-6',
		description: 'The Kling model_name to use. Newer models cost more and take longer.',
	},
	{
		displayName: 'Model Name',
		name: 'customModel',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'kling-v3-omni',
		description: 'Any model_name CometAPI offers for Kling text-to-video',
		displayOptions: { show: { model: ['custom'] } },
	},
	...waitProperties('create'),
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Aspect Ratio',
				name: 'aspectRatio',
				type: 'options',
				options: ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
				default: '16:9',
				description:
					'Width:height. Kling documents 16:9, 9:16 and 1:1 for video; the others are listed by CometAPI only.',
			},
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				placeholder: 'https://your-n8n.example.com/webhook/kling',
				description:
					'CometAPI POSTs the task here on every status change (duplicates and out-of-order updates happen; there is no signature). Paste the production URL of a Kling (CometAPI) Trigger node here, or use it with "Return Task Immediately" and confirm the task with Get Task. Not available with "Pause Until Callback", which uses its own.',
			},
			{
				displayName: 'Camera Control',
				name: 'cameraControl',
				type: 'fixedCollection',
				default: {},
				description: 'Camera motion. Only kling-v1 in std mode with 5 s honours it for text-to-video.',
				options: [
					{
						displayName: 'Camera',
						name: 'camera',
						values: [
							{
								displayName: 'Type',
								name: 'type',
								type: 'options',
								options: CAMERA_TYPES.map((type) => ({
									name: type === 'simple' ? 'Simple (Set One Axis)' : type,
									value: type,
								})),
								default: 'simple',
							},
							...axisFields,
						],
					},
				],
			},
			{
				displayName: 'CFG Scale',
				name: 'cfgScale',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
				default: 0.5,
				description: 'How closely to follow the prompt, 0 to 1. Ignored by kling-v2.x models.',
			},
			{
				displayName: 'Duration (Seconds)',
				name: 'duration',
				type: 'number',
				typeOptions: { minValue: 3, maxValue: 15 },
				default: 5,
				description: '5 or 10 seconds; kling-v3 accepts 3 to 15',
			},
			{
				displayName: 'External Task ID',
				name: 'externalTaskId',
				type: 'string',
				default: '',
				description: 'Your own ID for this task, unique per account. It does not replace task_id.',
			},
			{
				displayName: 'Mode',
				name: 'mode',
				type: 'options',
				options: [
					{ name: 'Standard (Std)', value: 'std', description: 'Faster and cheaper' },
					{ name: 'Professional (Pro)', value: 'pro', description: 'Higher quality, slower' },
				],
				default: 'std',
			},
			{
				displayName: 'Negative Prompt',
				name: 'negativePrompt',
				type: 'string',
				typeOptions: { rows: 2 },
				default: '',
				description: 'What the video should not show',
			},
			{
				displayName: 'Sound',
				name: 'sound',
				type: 'options',
				options: [
					{ name: 'On', value: 'on' },
					{ name: 'Off', value: 'off' },
				],
				default: 'off',
				description: 'Whether to generate sound. Only newer models (kling-v2-6 pro and later) support it.',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Create Requests at Once',
				name: 'createConcurrency',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 50 },
				default: DEFAULT_CREATE_CONCURRENCY,
				description:
					'With several input items, how many create requests may be in flight at once. All tasks still run on the server at the same time.',
			},
			{
				displayName: 'Max Prompt Length',
				name: 'maxPromptLength',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_MAX_PROMPT_LENGTH,
				description: 'Longer prompts are refused before anything is sent. CometAPI documents 500, Kling 2500.',
			},
			{
				displayName: 'Max Negative Prompt Length',
				name: 'maxNegativePromptLength',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_MAX_NEGATIVE_PROMPT_LENGTH,
				description: 'Longer negative prompts are refused before anything is sent. CometAPI documents 200, Kling 2500.',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { resource: ['video'], operation: ['create'] } }, properties);

export interface PreparedCreate extends WaitParameters {
	body: Text2VideoBody;
}

function prepare(this: IExecuteFunctions, itemIndex: number, run: RunContext): PreparedCreate {
	try {
		const waitParameters = readWaitParameters(this, itemIndex, 'create');
		const fields = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
		const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
		const model = this.getNodeParameter('model', itemIndex) as string;
		const camera = (fields.cameraControl as IDataObject | undefined)?.camera as CameraControlInput | undefined;
		const body = buildText2VideoBody({
			prompt: this.getNodeParameter('prompt', itemIndex),
			model: model === 'custom' ? this.getNodeParameter('customModel', itemIndex, '') : model,
			negativePrompt: fields.negativePrompt,
			aspectRatio: fields.aspectRatio,
			duration: fields.duration,
			mode: fields.mode,
			cfgScale: fields.cfgScale,
			sound: fields.sound,
			cameraControl: camera,
			callbackUrl:
				waitParameters.waitMode === 'callback'
					? callbackUrlForPause(this, fields.callbackUrl, run.baseUrl)
					: fields.callbackUrl,
			externalTaskId: fields.externalTaskId,
			maxPromptLength: options.maxPromptLength as number | undefined,
			maxNegativePromptLength: options.maxNegativePromptLength as number | undefined,
		});
		return { body, ...waitParameters };
	} catch (error) {
		throw parameterError(this, error, itemIndex);
	}
}

function createRequestsAtOnce(this: IExecuteFunctions): number {
	const value = Number(this.getNodeParameter('options.createConcurrency', 0, DEFAULT_CREATE_CONCURRENCY));
	return Number.isFinite(value) && value >= 1 ? Math.floor(value) : DEFAULT_CREATE_CONCURRENCY;
}

/** Where to look for a task whose create answer was lost. */
function findTaskHint(body: Text2VideoBody): string {
	const where = ['the task list in your CometAPI console'];
	if (body.external_task_id) where.push(`External Task ID "${body.external_task_id}"`);
	if (body.callback_url) where.push('your Callback URL');
	return `Do not simply run again: check ${where.join(', ')}. Set an External Task ID to recognise tasks in future`;
}

/**
 * Sends the create. Sent again only when nothing was created (rate limited, or the connection
 * was refused); a create whose outcome is unknown is never resent. The answer of a sent create
 * is always heard out, even after Stop or a sibling's failure, because it may carry a task id.
 */
async function submitTask(
	ctx: IExecuteFunctions,
	body: Text2VideoBody,
	item: ItemContext,
	deadline: number,
): Promise<KlingTask> {
	const { itemIndex } = item;
	let notSentTries = 0;
	const outcome = await withRetries<KlingTask, ApiFailure>(
		CREATE_POLICY,
		{
			deadline,
			signal: item.signal,
			onRetry: (delay) =>
				item.log(`Kling create for item ${itemIndex} was not accepted, sending it again in ${delay} ms`),
		},
		async () => {
			const answer = await item.createSlots.run(() => {
				// Queued behind other items: a stop in the meantime means this one is never sent.
				throwIfAborted(item.signal);
				return klingRequest(
					ctx,
					{ method: 'POST', path: TEXT2VIDEO_PATH, body: body as unknown as IDataObject },
					{ deadline: Math.min(deadline, Date.now() + CREATE_REQUEST_MS) },
				);
			});
			if (answer.ok) return { ok: true, value: answer.data };
			const failure = answer.failure;
			if (isTransientNotSent(failure)) notSentTries++;
			const retry = isRefusedForNow(failure) && (failure.reached || notSentTries < MAX_NOT_SENT_TRIES);
			return { ok: false, failure, retry, retryAfterMs: failure.retryAfterMs };
		},
	);

	if (outcome.ok) {
		const task = outcome.value;
		if (!isValidTaskId(task.task_id)) {
			// Created and billed, but the id cannot be used safely in a path or a file name.
			item.ledger.unknownCreate(
				itemIndex,
				`CometAPI answered with an unusable task id ${describeValue(JSON.stringify(task.task_id), 140)}`,
			);
			throw taskApiError(ctx.getNode(), {
				message: `CometAPI created a task but answered with an id that is not a valid task id: ${describeValue(JSON.stringify(task.task_id), 140)}`,
				description: `${findTaskHint(body)}.`,
				itemIndex,
			});
		}
		return task;
	}

	const { failure, attempts, elapsedMs } = outcome;
	const tried = `${attempts} ${attempts === 1 ? 'try' : 'tries'} over ${formatDuration(elapsedMs)}`;
	if (isCreateOutcomeUnknown(failure)) {
		item.ledger.unknownCreate(
			itemIndex,
			failure.kind === 'timeout'
				? 'no answer in time'
				: `${failure.kind} ${failure.networkCode ?? failure.httpStatus ?? ''}`.trim(),
		);
		throw failureError(ctx.getNode(), failure, {
			itemIndex,
			kind: 'create',
			baseUrl: item.baseUrl,
			message:
				'The create request reached CometAPI but no usable answer came back: a task may have been created and billed',
			hint: findTaskHint(body),
		});
	}
	let hint = 'No task was created, nothing was billed';
	if (!failure.reached) {
		hint = `No task was created, nothing was billed (${tried}). Check the credential's Base URL (${item.baseUrl}) and that n8n can reach it`;
	} else if (isRefusedForNow(failure)) {
		const why =
			outcome.gaveUp === 'deadline'
				? 'until the Timeout ran out'
				: `for ${formatDuration(elapsedMs)} (${attempts} tries)`;
		hint = `No task was created, nothing was billed. CometAPI kept refusing the create ${why}: lower Options → Create Requests at Once, or try again later`;
	}
	throw failureError(ctx.getNode(), failure, { itemIndex, kind: 'create', baseUrl: item.baseUrl, hint });
}

async function execute(
	this: IExecuteFunctions,
	prepared: PreparedCreate,
	item: ItemContext,
): Promise<INodeExecutionData | AwaitingCallback> {
	const { itemIndex } = item;
	const startedAt = Date.now();
	// Waiting: Timeout bounds the whole item. Not waiting: the create's own budget does.
	const deadline = prepared.wait
		? startedAt + prepared.wait.timeoutMs
		: startedAt + CREATE_POLICY.budgetMs + CREATE_REQUEST_MS;
	const created = await submitTask(this, prepared.body, item, deadline);
	item.ledger.task(itemIndex, created.task_id, created.task_status);
	// A task exists: from here on, Stop ends the wait, not the task, and the ledger keeps its id.
	throwIfAborted(item.signal);
	if (prepared.waitMode === 'none' || !prepared.wait) {
		item.ledger.finished(itemIndex);
		return { json: taskJson(created) };
	}
	if (prepared.waitMode === 'callback') {
		// Read once: if every task is already done the router finishes at once instead of pausing.
		const task = await readOnceBeforePause(this, created, item, deadline);
		item.ledger.status(itemIndex, task.task_status);
		return { awaitingCallback: task };
	}

	const finished = await waitForTask(this, created.task_id, {
		itemIndex,
		path: TEXT2VIDEO_PATH,
		baseUrl: item.baseUrl,
		signal: item.signal,
		deadline,
		pollIntervalMs: prepared.wait.pollIntervalMs,
		timeoutMs: prepared.wait.timeoutMs,
		readFirst: false,
		lastKnown: created,
		log: item.log,
		onRead: (task) => item.ledger.status(itemIndex, task.task_status),
	});
	const output = await finishTask(this, finished, prepared, item, deadline);
	item.ledger.finished(itemIndex);
	return output;
}

/** Pause Until Callback: the task has finished (read before pausing, or confirmed by the callbacks). */
async function finishAwaited(
	this: IExecuteFunctions,
	prepared: PreparedCreate,
	task: KlingTask,
	item: ItemContext,
): Promise<INodeExecutionData> {
	item.ledger.task(item.itemIndex, task.task_id, task.task_status);
	if (!isFinalStatus(task.task_status)) throw new Error(`Kling task ${task.task_id} has not finished`);
	// The wait is over: the download gets a Timeout of its own.
	const output = await finishTask(this, task, prepared, item, Date.now() + (prepared.wait?.timeoutMs ?? 0));
	item.ledger.finished(item.itemIndex);
	return output;
}

export const create: Operation<PreparedCreate> = {
	description,
	prepare,
	execute,
	finishAwaited,
	createRequestsAtOnce,
};
