/**
 * Create Video: `POST /kling/v1/videos/text2video` (https://api.cometapi.com/doc).
 * validate → create (retry only what was provably not created) → wait → download → output.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { pause, throwIfAborted } from '../../helpers/cancellation';
import { backoffDelay, waitForTask } from '../../helpers/polling';
import type { CameraControlInput, Text2VideoBody } from '../../helpers/validation';
import {
	ASPECT_RATIOS,
	buildText2VideoBody,
	CAMERA_AXES,
	CAMERA_TYPES,
	DEFAULT_MAX_NEGATIVE_PROMPT_LENGTH,
	DEFAULT_MAX_PROMPT_LENGTH,
	KNOWN_MODELS,
} from '../../helpers/validation';
import type { ApiFailure, KlingTask } from '../../transport';
import { klingRequest, TEXT2VIDEO_PATH } from '../../transport';
import { isOutcomeUnknown, isSafeToResubmit, toNodeApiError } from '../../transport/errors';
import type { Operation, RunContext } from '../types';
import type { WaitParameters } from './common';
import { finishTask, parameterError, readWaitParameters, taskJson, waitProperties } from './common';

const show = { resource: ['video'], operation: ['create'] };
/** Rate-limited creates (429, 1302, 1303) were not created: wait and resend, about 4 minutes at most. */
const MAX_CREATE_ATTEMPTS = 8;
const CREATE_BACKOFF = { baseMs: 2000, maxMs: 60_000 };
export const DEFAULT_CREATE_CONCURRENCY = 5;

const axisFields: INodeProperties[] = CAMERA_AXES.map((axis) => ({
	displayName: axis.charAt(0).toUpperCase() + axis.slice(1),
	name: axis,
	type: 'number',
	typeOptions: { minValue: -10, maxValue: 10 },
	default: 0,
	description: `Camera ${axis} movement, -10 to 10. With type Simple, exactly one axis must be non-zero.`,
	displayOptions: { show: { type: ['simple'] } },
}));

export const description: INodeProperties[] = [
	{
		displayName: 'Prompt',
		name: 'prompt',
		type: 'string',
		typeOptions: { rows: 4 },
		required: true,
		default: '',
		placeholder: 'A happy scene of a vacation on the beach',
		description: 'What the video should show',
		displayOptions: { show },
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
		displayOptions: { show },
	},
	{
		displayName: 'Model Name',
		name: 'customModel',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'kling-v3-omni',
		description: 'Any model_name CometAPI offers for Kling text-to-video',
		displayOptions: { show: { ...show, model: ['custom'] } },
	},
	...waitProperties('create'),
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show },
		options: [
			{
				displayName: 'Aspect Ratio',
				name: 'aspectRatio',
				type: 'options',
				options: ASPECT_RATIOS.map((ratio) => ({ name: ratio, value: ratio })),
				default: '16:9',
				description: 'Width:height. Kling documents 16:9, 9:16 and 1:1 for video; the others are listed by CometAPI only.',
			},
			{
				displayName: 'Callback URL',
				name: 'callbackUrl',
				type: 'string',
				default: '',
				placeholder: 'https://your-n8n.example.com/webhook/kling',
				description:
					'CometAPI POSTs the task here on every status change (duplicates and out-of-order updates happen; there is no signature). Use it with Wait Mode "Return Task Immediately" and confirm the task with Get Task.',
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
		displayOptions: { show },
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

export interface PreparedCreate extends WaitParameters {
	body: Text2VideoBody;
}

function prepare(this: IExecuteFunctions, itemIndex: number): PreparedCreate {
	try {
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
			callbackUrl: fields.callbackUrl,
			externalTaskId: fields.externalTaskId,
			maxPromptLength: options.maxPromptLength as number | undefined,
			maxNegativePromptLength: options.maxNegativePromptLength as number | undefined,
		});
		return { body, ...readWaitParameters(this, itemIndex, 'create') };
	} catch (error) {
		throw parameterError(this, error, itemIndex);
	}
}

/** Sends the create; resends only when the server said no task was created. */
export async function submitTask(
	ctx: IExecuteFunctions,
	body: Text2VideoBody,
	itemIndex: number,
	run: RunContext,
	random: () => number = Math.random,
): Promise<KlingTask> {
	let failure: ApiFailure | undefined;
	for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
		if (attempt > 0 && failure) {
			const delay = backoffDelay(attempt - 1, CREATE_BACKOFF, failure.retryAfterMs, random);
			ctx.logger.debug(`Kling create for item ${itemIndex} was not accepted (rate limit), resending in ${delay} ms`);
			await pause(delay, run.signal);
		}
		await throwIfAborted(run.signal);
		const outcome = await klingRequest<KlingTask>(ctx, 'POST', TEXT2VIDEO_PATH, body as unknown as IDataObject);
		if (outcome.ok && outcome.data.task_id) return outcome.data;
		failure = outcome.ok ? { kind: 'malformed', httpStatus: 200, bodyKind: 'other', bodySent: true } : outcome.failure;
		await throwIfAborted(run.signal);
		if (!isSafeToResubmit(failure)) break;
	}
	const unknown = isOutcomeUnknown(failure as ApiFailure);
	throw toNodeApiError(ctx.getNode(), failure as ApiFailure, {
		itemIndex,
		apiKey: run.apiKey,
		message: unknown ? 'The create request reached CometAPI but no usable answer came back: a task may have been created and billed' : undefined,
		hint: unknown
			? `Do not simply run again. Check the task list in your CometAPI console${body.external_task_id ? ` for External Task ID "${body.external_task_id}"` : ''}${body.callback_url ? ' or your Callback URL' : ''}; set an External Task ID to recognise tasks in future`
			: isSafeToResubmit(failure as ApiFailure)
				? `No task was created. CometAPI kept refusing after ${MAX_CREATE_ATTEMPTS} tries: lower Options → Create Requests at Once or try again later`
				: 'No task was created',
	});
}

async function execute(
	this: IExecuteFunctions,
	prepared: PreparedCreate,
	itemIndex: number,
	run: RunContext,
): Promise<INodeExecutionData> {
	const created = await run.createSlots.run(() => submitTask(this, prepared.body, itemIndex, run));
	run.trackTask(itemIndex, created.task_id, created.task_status);
	this.logger.debug(`Kling task ${created.task_id} created for item ${itemIndex}`);
	if (prepared.waitMode === 'none' || !prepared.wait) return { json: taskJson(created) };

	const finished = await waitForTask(this, created.task_id, {
		...prepared.wait,
		itemIndex,
		signal: run.signal,
		readFirst: false,
		lastKnown: created,
		apiKey: run.apiKey,
	});
	run.trackTask(itemIndex, finished.task_id, finished.task_status);
	return await finishTask(this, finished, itemIndex, prepared, run);
}

export const create: Operation<PreparedCreate> = { description, prepare, execute };
