/**
 * What every Create operation shares (text, image, several images): the common fields, sending
 * the create (retrying only what was provably not created), and waiting / finishing in every
 * wait mode. Each operation adds its own fields and builds its body; the path follows its kind.
 */
import { createHash, randomUUID } from 'node:crypto';

import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { checkMinimumBalance } from '../../helpers/balance';
import { throwIfAborted } from '../../helpers/cancellation';
import { describeValue, formatDuration } from '../../helpers/format';
import { isFinalStatus, waitForTask } from '../../helpers/polling';
import type { RetryPolicy } from '../../helpers/retry';
import { withRetries } from '../../helpers/retry';
import type { CameraControlInput, CreateVideoInput, KlingCreateBody } from '../../helpers/validation';
import {
	ASPECT_RATIOS,
	CAMERA_AXES,
	CAMERA_TYPES,
	DEFAULT_MAX_NEGATIVE_PROMPT_LENGTH,
	DEFAULT_MAX_PROMPT_LENGTH,
	isValidTaskId,
	MULTI_IMAGE_ASPECT_RATIOS,
} from '../../helpers/validation';
import type { ApiFailure, KlingTask, TaskKind } from '../../transport';
import { klingRequest, taskPath } from '../../transport';
import { failureError, taskApiError } from '../../transport/messages';
import { isTransientNotSent, MAX_NOT_SENT_TRIES } from '../../transport/network';
import { isCreateOutcomeUnknown, isRefusedForNow } from '../../transport/verdicts';
import type { AwaitingCallback, ItemContext, Operation, RunContext } from '../types';
import { callbackUrlForPause, readOnceBeforePause } from './callback';
import type { ImageRef } from './images';
import { imageValue } from './images';
import type { WaitParameters } from './wait';
import { finishTask, taskJson, waitProperties } from './wait';

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
/** One create request, from sending to the last byte (an image body can be 14 MB). */
const CREATE_REQUEST_MS = 60_000;
/** Looking up a task by External Task ID after a lost answer or a duplicate refusal. */
const LOOKUP_MS = 15_000;
const DEFAULT_CREATE_CONCURRENCY = 5;

export interface PreparedCreate extends WaitParameters {
	taskKind: TaskKind;
	/** The body without its images. */
	body: KlingCreateBody;
	/** Checked images, turned into body fields just before sending. */
	images?: {
		image?: ImageRef;
		imageTail?: ImageRef;
		list?: ImageRef[];
		staticMask?: ImageRef;
		dynamicMasks?: Array<{ mask: ImageRef; trajectories: Array<{ x: number; y: number }> }>;
	};
}

/** The body as sent: images (URL or base64) filled in. */
async function requestBody(ctx: IExecuteFunctions, prepared: PreparedCreate): Promise<KlingCreateBody> {
	const { images } = prepared;
	if (!images) return prepared.body;
	const body: KlingCreateBody = { ...prepared.body };
	if (images.image) body.image = await imageValue(ctx, images.image);
	if (images.imageTail) body.image_tail = await imageValue(ctx, images.imageTail);
	if (images.list)
		body.image_list = await Promise.all(images.list.map(async (ref) => ({ image: await imageValue(ctx, ref) })));
	if (images.staticMask) body.static_mask = await imageValue(ctx, images.staticMask);
	if (images.dynamicMasks) {
		body.dynamic_masks = await Promise.all(
			images.dynamicMasks.map(async ({ mask, trajectories }) => ({ mask: await imageValue(ctx, mask), trajectories })),
		);
	}
	return body;
}

const axisFields: INodeProperties[] = CAMERA_AXES.map((axis) => ({
	displayName: axis.charAt(0).toUpperCase() + axis.slice(1),
	name: axis,
	type: 'number',
	typeOptions: { minValue: -10, maxValue: 10 },
	default: 0,
	description: `Camera ${axis} movement, -10 to 10. With type Simple, exactly one axis must be non-zero.`,
	displayOptions: { show: { type: ['simple'] } },
}));

type AdditionalField =
	| 'aspectRatio'
	| 'callbackUrl'
	| 'cameraControl'
	| 'cfgScale'
	| 'duration'
	| 'externalTaskId'
	| 'mode'
	| 'negativePrompt'
	| 'sound';

/** The fields of one Create operation; `kind` picks what its endpoint accepts. */
export function createProperties(options: {
	kind: TaskKind;
	promptRequired: boolean;
	promptDescription: string;
	models: readonly string[];
	defaultModel: string;
	additional: AdditionalField[];
	/** Fields shown between the model and the wait settings (the images). */
	inputs?: INodeProperties[];
	/** More Additional Fields of this operation only. */
	moreAdditional?: INodeProperties[];
}): INodeProperties[] {
	const cameraNote =
		options.kind === 'text2video'
			? 'Only kling-v1 in std mode with 5 s honours it for text-to-video'
			: 'For image-to-video Kling offers it with kling-v1 (std, 5 s) and kling-v1-5 (pro, 5 s, Simple only); it cannot be combined with an End Frame';
	// Identifiers, not expressions, as defaults: n8n's scanner reads a default only if it can parse it.
	const defaultModel = options.defaultModel;
	const ratios = options.kind === 'multi-image2video' ? MULTI_IMAGE_ASPECT_RATIOS : ASPECT_RATIOS;
	const additional: Record<AdditionalField, INodeProperties> = {
		aspectRatio: {
			displayName: 'Aspect Ratio',
			name: 'aspectRatio',
			type: 'options',
			options: ratios.map((ratio) => ({ name: ratio, value: ratio })),
			default: '16:9',
			description:
				options.kind === 'multi-image2video'
					? 'Width:height of the video'
					: 'Width:height. Kling documents 16:9, 9:16 and 1:1 for video; the others are listed by CometAPI only.',
		},
		callbackUrl: {
			displayName: 'Callback URL',
			name: 'callbackUrl',
			type: 'string',
			default: '',
			placeholder: 'https://your-n8n.example.com/webhook/kling',
			description:
				'CometAPI POSTs the task here on every status change (duplicates and out-of-order updates happen; there is no signature). Paste the production URL of a Kling (CometAPI) Trigger node here, or use it with "Return Task Immediately" and confirm the task with Get Task. Not available with "Pause Until Callback", which uses its own.',
		},
		cameraControl: {
			displayName: 'Camera Control',
			name: 'cameraControl',
			type: 'fixedCollection',
			default: {},
			description: `Camera motion. ${cameraNote}.`,
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
		cfgScale: {
			displayName: 'CFG Scale',
			name: 'cfgScale',
			type: 'number',
			typeOptions: { minValue: 0, maxValue: 1, numberPrecision: 2 },
			default: 0.5,
			description: 'How closely to follow the prompt, 0 to 1. Ignored by kling-v2.x models.',
		},
		duration: {
			displayName: 'Duration (Seconds)',
			name: 'duration',
			type: 'number',
			typeOptions: { minValue: 3, maxValue: 15 },
			default: 5,
			description: '5 or 10 seconds; kling-v3 accepts 3 to 15',
		},
		externalTaskId: {
			displayName: 'External Task ID',
			name: 'externalTaskId',
			type: 'string',
			default: '',
			description:
				'Your own ID for this task, unique per account. Left empty, the node sets one per n8n instance, execution, node and item, so that Retry On Fail or a lost answer finds the task already paid for instead of creating another.',
		},
		mode: {
			displayName: 'Mode',
			name: 'mode',
			type: 'options',
			options: [
				{ name: 'Standard (Std)', value: 'std', description: 'Faster and cheaper' },
				{ name: 'Professional (Pro)', value: 'pro', description: 'Higher quality, slower' },
			],
			default: 'std',
		},
		negativePrompt: {
			displayName: 'Negative Prompt',
			name: 'negativePrompt',
			type: 'string',
			typeOptions: { rows: 2 },
			default: '',
			description: 'What the video should not show',
		},
		sound: {
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
	};
	return [
		{
			displayName: 'Prompt',
			name: 'prompt',
			type: 'string',
			typeOptions: { rows: 4 },
			required: options.promptRequired,
			default: '',
			placeholder:
				options.kind === 'text2video'
					? 'A happy scene of a vacation on the beach'
					: 'The camera slowly circles the product',
			description: options.promptDescription,
		},
		{
			displayName: 'Model',
			name: 'model',
			type: 'options',
			options: [
				...options.models.map((model) => ({ name: model, value: model })),
				{ name: 'Other (Enter Name Below)', value: 'custom', description: 'A model that is not in this list yet' },
			],
			default: defaultModel,
			description:
				options.kind === 'text2video'
					? 'The Kling model_name to use. Newer models cost more and take longer.'
					: "The Kling model_name to use. Kling's per-model rules (end frame, camera control, several images) are checked for the models in this list.",
		},
		{
			displayName: 'Model Name',
			name: 'customModel',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'kling-v3-omni',
			description: `Any model_name CometAPI offers for Kling ${options.kind === 'text2video' ? 'text-to-video' : 'image-to-video'}; CometAPI checks what it supports`,
			displayOptions: { show: { model: ['custom'] } },
		},
		...(options.inputs ?? []),
		...waitProperties('create'),
		{
			displayName: 'Additional Fields',
			name: 'additionalFields',
			type: 'collection',
			placeholder: 'Add Field',
			default: {},
			// Sorted by label, as the editor lists them.
			options: [...options.additional.map((name) => additional[name]), ...(options.moreAdditional ?? [])].sort((a, b) =>
				a.displayName.localeCompare(b.displayName),
			),
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
					description:
						'Longer negative prompts are refused before anything is sent. CometAPI documents 200, Kling 2500.',
				},
				{
					displayName: 'Minimum Balance (USD)',
					name: 'minimumBalance',
					type: 'number',
					typeOptions: { minValue: 0, numberPrecision: 2 },
					default: 0,
					description:
						'Before the first create of the run, read the CometAPI balance (free) and create nothing if it is below this amount, or cannot be read. 0 = no check.',
				},
			],
		},
	];
}

/** The common fields of one item, as the body builders take them; the model says whether it is from our list. */
export function readCreateInput(
	ctx: IExecuteFunctions,
	itemIndex: number,
	run: RunContext,
	waitParameters: WaitParameters,
): CreateVideoInput & { checkCapabilities: boolean } {
	const fields = ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const model = ctx.getNodeParameter('model', itemIndex) as string;
	const camera = (fields.cameraControl as IDataObject | undefined)?.camera as CameraControlInput | undefined;
	return {
		prompt: ctx.getNodeParameter('prompt', itemIndex, ''),
		model: model === 'custom' ? ctx.getNodeParameter('customModel', itemIndex, '') : model,
		checkCapabilities: model !== 'custom',
		negativePrompt: fields.negativePrompt,
		aspectRatio: fields.aspectRatio,
		duration: fields.duration,
		mode: fields.mode,
		cfgScale: fields.cfgScale,
		sound: fields.sound,
		cameraControl: camera,
		callbackUrl:
			waitParameters.waitMode === 'callback'
				? callbackUrlForPause(ctx, fields.callbackUrl, run.baseUrl)
				: fields.callbackUrl,
		externalTaskId: isBlank(fields.externalTaskId) ? defaultExternalTaskId(ctx, itemIndex) : fields.externalTaskId,
		maxPromptLength: options.maxPromptLength as number | undefined,
		maxNegativePromptLength: options.maxNegativePromptLength as number | undefined,
	};
}

const isBlank = (value: unknown) => value === undefined || value === null || String(value).trim() === '';

/**
 * The same for every try of one item in one execution (Retry On Fail sends the create again with
 * it, and Kling refuses a duplicate), different for every other item, node run, execution and
 * n8n instance. Readable, so a user can search the CometAPI console for it.
 */
export function defaultExternalTaskId(ctx: IExecuteFunctions, itemIndex: number): string {
	const instance = createHash('sha256')
		.update(String(ctx.getInstanceId?.() ?? ''))
		.digest('hex')
		.slice(0, 8);
	const executionId = String(ctx.getExecutionId?.() ?? '').replace(/[^A-Za-z0-9]/g, '') || randomUUID().slice(0, 8);
	const nodeId = String(ctx.getNode().id ?? '')
		.replace(/[^A-Za-z0-9]/g, '')
		.slice(0, 8);
	const runIndex = Number(ctx.evaluateExpression('{{ $runIndex }}', itemIndex)) || 0;
	return `n8n-${instance}-${executionId}-${nodeId}-${runIndex}-${itemIndex}`;
}

function createRequestsAtOnce(this: IExecuteFunctions): number {
	const value = Number(this.getNodeParameter('options.createConcurrency', 0, DEFAULT_CREATE_CONCURRENCY));
	return Number.isFinite(value) && value >= 1 ? Math.floor(value) : DEFAULT_CREATE_CONCURRENCY;
}

/** Where to look for a task whose create answer was lost. */
function findTaskHint(body: KlingCreateBody): string {
	const where = ['the task list in your CometAPI console'];
	if (body.external_task_id) where.push(`External Task ID "${body.external_task_id}"`);
	if (body.callback_url) where.push('your Callback URL');
	return `Do not simply run again: check ${where.join(', ')}`;
}

/** Kling's refusal of an External Task ID it has seen before (its own API; CometAPI documents none). */
const isDuplicateExternalId = (failure: ApiFailure) =>
	failure.kind === 'http' &&
	/external[_ ]?task[_ ]?id/i.test(failure.apiMessage ?? '') &&
	/exist|duplicate|used/i.test(failure.apiMessage ?? '');

/**
 * The task an earlier try created with this External Task ID, read by that id (Kling reads a task
 * by external id in the task id's place). Trusted only when the answer echoes the same external
 * id, so a server that does not support this lookup can never hand back another task.
 */
async function findByExternalId(
	ctx: IExecuteFunctions,
	prepared: PreparedCreate,
	item: ItemContext,
	deadline: number,
): Promise<KlingTask | undefined> {
	const externalId = prepared.body.external_task_id!;
	const answer = await klingRequest(
		ctx,
		{ method: 'GET', path: `${taskPath(prepared.taskKind)}/${encodeURIComponent(externalId)}` },
		{ deadline: Math.min(deadline, Date.now() + LOOKUP_MS) },
	).catch(() => undefined);
	if (!answer?.ok) return undefined;
	const task = answer.data;
	const echoed = (task.task_info as IDataObject | undefined)?.external_task_id;
	if (echoed !== externalId || !isValidTaskId(task.task_id)) return undefined;
	item.log(`Kling create for item ${item.itemIndex}: found task ${task.task_id} by External Task ID ${externalId}`);
	return task;
}

/**
 * Sends the create. Sent again only when nothing was created (rate limited, or the connection
 * was refused); a create whose outcome is unknown is never resent. The answer of a sent create
 * is always heard out, even after Stop or a sibling's failure, because it may carry a task id.
 */
async function submitTask(
	ctx: IExecuteFunctions,
	prepared: PreparedCreate,
	item: ItemContext,
	deadline: number,
): Promise<KlingTask> {
	const { itemIndex } = item;
	const { body } = prepared;
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
				// Images become base64 only now, so at most "Create Requests at Once" of them are in memory.
				return requestBody(ctx, prepared).then((requestBody) =>
					klingRequest(
						ctx,
						{ method: 'POST', path: taskPath(prepared.taskKind), body: requestBody as unknown as IDataObject },
						{ deadline: Math.min(deadline, Date.now() + CREATE_REQUEST_MS) },
					),
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
	const duplicate = isDuplicateExternalId(failure);
	// The task may exist: an earlier try of this item made it, or this create's answer was lost.
	if (body.external_task_id && (duplicate || isCreateOutcomeUnknown(failure))) {
		const found = await findByExternalId(ctx, prepared, item, deadline);
		if (found) return found;
	}
	if (duplicate) {
		item.ledger.unknownCreate(itemIndex, `a task with External Task ID "${body.external_task_id}" already exists`);
		throw failureError(ctx.getNode(), failure, {
			itemIndex,
			kind: 'create',
			baseUrl: item.baseUrl,
			message: `A task with External Task ID "${body.external_task_id}" already exists (an earlier try of this item, or another run with the same ID), and CometAPI could not look it up by that ID`,
			hint: `Nothing new was billed. Find the task by External Task ID "${body.external_task_id}" in your CometAPI console and collect it with Get Task, or set another External Task ID to make a new video`,
		});
	}
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

async function executeCreate(
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
	// Signed here, where the router's key is at hand: a callback without the signature costs no read.
	if (prepared.body.callback_url) {
		const callbackUrl = item.signCallbackUrl(prepared.body.callback_url, prepared.taskKind);
		prepared = { ...prepared, body: { ...prepared.body, callback_url: callbackUrl } };
	}
	const created = await submitTask(this, prepared, item, deadline);
	item.ledger.task(itemIndex, created.task_id, created.task_status);
	// A task exists: from here on, Stop ends the wait, not the task, and the ledger keeps its id.
	throwIfAborted(item.signal);
	if (prepared.waitMode === 'none' || !prepared.wait) {
		item.ledger.finished(itemIndex);
		return { json: taskJson(created, prepared.taskKind) };
	}
	if (prepared.waitMode === 'callback') {
		// Read once: if every task is already done the router finishes at once instead of pausing.
		const task = await readOnceBeforePause(this, created, prepared.taskKind, item, deadline);
		item.ledger.status(itemIndex, task.task_status);
		return { awaitingCallback: task, taskKind: prepared.taskKind };
	}

	const finished = await waitForTask(this, created.task_id, {
		itemIndex,
		path: taskPath(prepared.taskKind),
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
async function finishAwaitedCreate(
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

/** A Create operation: its fields and body builder; sending, waiting and finishing are shared. */
export function createOperation(
	description: INodeProperties[],
	prepare: Operation<PreparedCreate>['prepare'],
): Operation<PreparedCreate> {
	return {
		description,
		prepare,
		execute: executeCreate,
		finishAwaited: finishAwaitedCreate,
		createRequestsAtOnce,
		beforeRequests: checkMinimumBalance,
	};
}
