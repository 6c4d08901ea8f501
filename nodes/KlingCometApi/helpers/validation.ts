/**
 * Parameters → Kling request body. Everything here runs before any request is sent, so a typo
 * never costs a billed task. Messages name the UI field and what it accepts.
 */
import { z } from 'zod';

/** The one list of models, ratios and camera settings; the simulator reads the same file. */
import catalog from './kling-catalog.json';

type NonEmpty = readonly [string, ...string[]];
export const KNOWN_MODELS = catalog.models as unknown as NonEmpty;
export const ASPECT_RATIOS = catalog.aspectRatios as unknown as NonEmpty;
export const CAMERA_TYPES = catalog.cameraTypes as unknown as NonEmpty;
export const CAMERA_AXES = catalog.cameraAxes as unknown as readonly CameraAxis[];
/** Models offered for image-to-video (some exist only for it, e.g. kling-v2-1). */
export const IMAGE_MODELS = catalog.imageModels as unknown as NonEmpty;
export const MULTI_IMAGE_MODELS = catalog.multiImageModels as unknown as NonEmpty;
export const MULTI_IMAGE_ASPECT_RATIOS = catalog.multiImageAspectRatios as unknown as NonEmpty;
/** Several images → one video: Kling takes 2 to 4. */
export const MIN_IMAGES = 2;
export const MAX_IMAGES = 4;

interface Capability {
	modes: string[];
	durations?: string[];
	types?: string[];
}
const CAPABILITIES = catalog.imageCapabilities as unknown as Record<
	'endFrame' | 'cameraControl' | 'motionBrush',
	Record<string, Capability>
>;
/** Motion Brush: at most 6 dynamic masks, each moving along 2 to 77 points (for a 5 s video). */
export const MAX_DYNAMIC_MASKS = 6;
export const MIN_TRAJECTORY_POINTS = 2;
export const MAX_TRAJECTORY_POINTS = 77;

/** CometAPI's page says 500/200 characters, Kling's own API 2500: the limit is an option. */
export const DEFAULT_MAX_PROMPT_LENGTH = 2500;
export const DEFAULT_MAX_NEGATIVE_PROMPT_LENGTH = 2500;

export type CameraAxis = 'horizontal' | 'vertical' | 'pan' | 'tilt' | 'roll' | 'zoom';

export interface CameraControlInput {
	type?: string;
	horizontal?: number;
	vertical?: number;
	pan?: number;
	tilt?: number;
	roll?: number;
	zoom?: number;
}

/** What the Create Video UI hands over, already flattened. */
export interface CreateVideoInput {
	prompt: unknown;
	model: unknown;
	negativePrompt?: unknown;
	aspectRatio?: unknown;
	duration?: unknown;
	mode?: unknown;
	cfgScale?: unknown;
	sound?: unknown;
	cameraControl?: CameraControlInput;
	callbackUrl?: unknown;
	externalTaskId?: unknown;
	maxPromptLength?: number;
	maxNegativePromptLength?: number;
}

/** The JSON body of a create (`text2video`, `image2video`, `multi-image2video`), with the API's own field names. */
export interface KlingCreateBody {
	prompt?: string;
	model_name: string;
	negative_prompt?: string;
	aspect_ratio?: string;
	duration?: string;
	mode?: 'std' | 'pro';
	cfg_scale?: number;
	sound?: 'on' | 'off';
	camera_control?: { type: string; config?: Partial<Record<CameraAxis, number>> };
	callback_url?: string;
	external_task_id?: string;
	/** image2video: start and end frame (URL or base64), filled in just before sending. */
	image?: string;
	image_tail?: string;
	/** multi-image2video. */
	image_list?: Array<{ image: string }>;
	/** image2video, Motion Brush: the area that stays still, and areas moving along a path. */
	static_mask?: string;
	dynamic_masks?: Array<{ mask: string; trajectories: Array<{ x: number; y: number }> }>;
}

/** The body of `POST /kling/v1/videos/text2video`: a prompt is required. */
export interface Text2VideoBody extends KlingCreateBody {
	prompt: string;
}

/** Raised for bad input; the caller turns it into a NodeOperationError with the item index. */
export class ParameterError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'ParameterError';
	}
}

const isBlank = (v: unknown) => v === undefined || v === null || v === '';

function text(field: string, label: string, max: number, hint: string) {
	return z
		.string({
			required_error: `${label} is empty: describe the video you want`,
			invalid_type_error: `${label} must be text`,
		})
		.trim()
		.min(1, `${label} is empty: describe the video you want`)
		.max(max, `${label} is longer than ${max} characters. ${hint}`)
		.describe(field);
}

/** kling-v3 (and models we do not know yet) take 3..15 s; the older models only 5 or 10. */
function allowedDurations(model: string): number[] {
	const older = (KNOWN_MODELS as readonly string[]).includes(model) && !model.startsWith('kling-v3');
	return older ? [5, 10] : Array.from({ length: 13 }, (_, k) => k + 3);
}

const cameraSchema = z
	.object({
		type: z.enum(CAMERA_TYPES, {
			errorMap: () => ({ message: `Camera Control → Type must be one of ${CAMERA_TYPES.join(', ')}` }),
		}),
		...Object.fromEntries(
			CAMERA_AXES.map((axis) => [
				axis,
				z.coerce
					.number({ invalid_type_error: `Camera Control → ${axis} must be a number` })
					.int(`Camera Control → ${axis} must be a whole number`)
					.min(-10, `Camera Control → ${axis} must be between -10 and 10`)
					.max(10, `Camera Control → ${axis} must be between -10 and 10`)
					.default(0),
			]),
		),
	})
	.transform((c, ctx) => {
		const values = c as unknown as Record<CameraAxis, number> & { type: string };
		const nonZero = CAMERA_AXES.filter((axis) => values[axis] !== 0);
		if (c.type !== 'simple') {
			if (nonZero.length > 0) {
				ctx.addIssue({
					code: z.ZodIssueCode.custom,
					message: `Camera Control: the axes (${nonZero.join(', ')}) apply only to type "simple"; set them to 0 or choose "simple"`,
				});
			}
			return { type: c.type };
		}
		if (nonZero.length !== 1) {
			ctx.addIssue({
				code: z.ZodIssueCode.custom,
				message: `Camera Control type "simple" needs exactly one non-zero axis (got ${nonZero.length}: ${nonZero.join(', ') || 'none'}). Set one of ${CAMERA_AXES.join(', ')} to a value between -10 and 10 and the others to 0`,
			});
			return z.NEVER;
		}
		return { type: 'simple', config: { [nonZero[0]]: values[nonZero[0]] } };
	});

/** The first problem, named after the UI field (nested paths such as camera "type" are not UI fields). */
function firstIssue(error: z.ZodError, field: string): ParameterError {
	return new ParameterError(field, error.issues[0].message);
}

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, field: string): T {
	const result = schema.safeParse(value);
	if (!result.success) throw firstIssue(result.error, field);
	return result.data;
}

export function buildText2VideoBody(input: CreateVideoInput): Text2VideoBody {
	return buildCreateBody(input, true) as Text2VideoBody;
}

/** What the image operations add: whether an end frame is set, and whether the model is from our list. */
export interface ImageCreateInput extends CreateVideoInput {
	endFrame?: boolean;
	/** A static mask or dynamic masks (Motion Brush) are set. */
	masks?: boolean;
	/** False for a model typed under "Other": Kling's capability map knows nothing about it, CometAPI decides. */
	checkCapabilities: boolean;
}

/** `image2video` without the images: the prompt is optional, and Kling's combination rules are checked. */
export function buildImage2VideoBody(input: ImageCreateInput): KlingCreateBody {
	const body = buildCreateBody(input, false);
	if (input.endFrame && body.camera_control) {
		throw new ParameterError(
			'cameraControl',
			'Camera Control cannot be combined with an End Frame: Kling takes one or the other. Remove the Camera Control, or set End Frame Source to "None"',
		);
	}
	// Kling: end frame, Motion Brush masks and camera control exclude each other.
	if (input.masks && (input.endFrame || body.camera_control)) {
		throw new ParameterError(
			input.endFrame ? 'endFrameSource' : 'cameraControl',
			`Motion Brush masks cannot be combined with ${input.endFrame ? 'an End Frame' : 'Camera Control'}: Kling takes one of End Frame, Motion Brush and Camera Control. Remove one of them`,
		);
	}
	if (input.checkCapabilities) {
		if (input.endFrame) checkCapability('endFrame', 'an End Frame', 'endFrameSource', body);
		if (body.camera_control) checkCapability('cameraControl', 'Camera Control', 'cameraControl', body);
		if (input.masks) checkCapability('motionBrush', 'Motion Brush masks', 'dynamicMasks', body);
	}
	return body;
}

/** `multi-image2video` without the images: a prompt is required and only some models take several images. */
export function buildMultiImage2VideoBody(input: ImageCreateInput): KlingCreateBody {
	const body = buildCreateBody(input, true);
	if (input.checkCapabilities && !(MULTI_IMAGE_MODELS as readonly string[]).includes(body.model_name)) {
		throw new ParameterError(
			'model',
			`Model ${body.model_name} does not make videos from several images; Kling offers it with ${MULTI_IMAGE_MODELS.join(', ')}. Choose that model (or enter a newer one under "Other")`,
		);
	}
	if (body.aspect_ratio && !(MULTI_IMAGE_ASPECT_RATIOS as readonly string[]).includes(body.aspect_ratio)) {
		throw new ParameterError(
			'aspectRatio',
			`Aspect Ratio must be one of ${MULTI_IMAGE_ASPECT_RATIOS.join(', ')} for a video from several images`,
		);
	}
	return body;
}

/**
 * A dynamic mask's path: "x,y" points (pixels of the start frame, origin at its bottom-left corner),
 * as text ("100,200 150,260") or JSON ([{"x":100,"y":200}, ...]). `size` is the start frame's, when
 * known, to refuse points outside it.
 */
export function parseTrajectory(
	value: unknown,
	label: string,
	size?: { width: number; height: number },
): Array<{ x: number; y: number }> {
	const field = 'dynamicMasks';
	let points: unknown[] = [];
	if (Array.isArray(value)) points = value;
	else if (typeof value === 'string' && value.trim().startsWith('[')) {
		try {
			points = JSON.parse(value) as unknown[];
		} catch {
			points = [null];
		}
	} else if (typeof value === 'string') {
		points = value
			.trim()
			.split(/[\s;]+/)
			.filter(Boolean)
			.map((pair) => {
				const [x, y, ...rest] = pair.split(',');
				return rest.length || y === undefined ? null : { x: Number(x), y: Number(y) };
			});
	}
	const parsed = points.map((point) => {
		const { x, y } = (point ?? {}) as { x?: unknown; y?: unknown };
		return typeof x === 'number' &&
			typeof y === 'number' &&
			Number.isInteger(x) &&
			Number.isInteger(y) &&
			x >= 0 &&
			y >= 0
			? { x, y }
			: undefined;
	});
	if (!Array.isArray(points) || parsed.some((point) => !point)) {
		throw new ParameterError(
			field,
			`${label} Trajectory must be points "x,y" in whole pixels, separated by spaces (for example "120,300 180,320 260,340"), or JSON [{"x":120,"y":300}, ...]`,
		);
	}
	if (parsed.length < MIN_TRAJECTORY_POINTS || parsed.length > MAX_TRAJECTORY_POINTS) {
		throw new ParameterError(
			field,
			`${label} Trajectory has ${parsed.length} point${parsed.length === 1 ? '' : 's'}; Kling takes ${MIN_TRAJECTORY_POINTS} to ${MAX_TRAJECTORY_POINTS} for a 5 s video`,
		);
	}
	const outside = size && parsed.find((p) => p!.x > size.width || p!.y > size.height);
	if (outside) {
		throw new ParameterError(
			field,
			`${label} Trajectory point ${outside.x},${outside.y} lies outside the ${size!.width}×${size!.height} px start frame (x from 0 to ${size!.width}, y from 0 at the bottom to ${size!.height})`,
		);
	}
	return parsed as Array<{ x: number; y: number }>;
}

/** Kling's per-model rules for an image-to-video feature; Kling's defaults are mode std and 5 s. */
function checkCapability(feature: keyof typeof CAPABILITIES, what: string, field: string, body: KlingCreateBody): void {
	const model = body.model_name;
	const supported = Object.entries(CAPABILITIES[feature]).filter(([name]) => !name.startsWith('_'));
	const rule = CAPABILITIES[feature][model];
	const mode = body.mode ?? 'std';
	const duration = body.duration ?? '5';
	const What = what.charAt(0).toUpperCase() + what.slice(1);
	const where = supported
		.map(([name, r]) => `${name} (${r.modes.join('/')}${r.durations ? `, ${r.durations.join('/')} s` : ''})`)
		.join(', ');
	if (!rule) {
		throw new ParameterError(
			field,
			`Model ${model} does not take ${what} for image-to-video (Kling's capability map). Models that do: ${where}. Choose one of them, or remove ${what}`,
		);
	}
	if (!rule.modes.includes(mode)) {
		throw new ParameterError(
			'mode',
			`${What} with model ${model} needs Mode ${rule.modes.map((m) => `"${m}"`).join(' or ')}${body.mode ? '' : ' (Kling uses "std" when Mode is not set)'}: set Additional Fields → Mode`,
		);
	}
	if (rule.durations && !rule.durations.includes(duration)) {
		throw new ParameterError(
			'duration',
			`${What} with model ${model} works only for ${rule.durations.join(' or ')} s videos: set Duration to ${rule.durations[0]}`,
		);
	}
	const type = body.camera_control?.type;
	if (feature === 'cameraControl' && rule.types && type && !rule.types.includes(type)) {
		throw new ParameterError(
			'cameraControl',
			`Camera Control type "${type}" is not available with model ${model}; it takes ${rule.types.join(', ')}`,
		);
	}
}

function buildCreateBody(input: CreateVideoInput, promptRequired: boolean): KlingCreateBody {
	const maxPrompt = input.maxPromptLength ?? DEFAULT_MAX_PROMPT_LENGTH;
	const maxNegative = input.maxNegativePromptLength ?? DEFAULT_MAX_NEGATIVE_PROMPT_LENGTH;
	const limitHint = (option: string) =>
		`CometAPI documents 500 (prompt) / 200 (negative prompt), Kling 2500: shorten it, or change Options → ${option} if your account accepts more`;

	const body: KlingCreateBody = {
		model_name: parse(
			z
				.string({ invalid_type_error: 'Model must be text, for example kling-v2-6' })
				.trim()
				.min(1, `Model is empty: choose one of ${KNOWN_MODELS.join(', ')} or type another model name`)
				.regex(/^[A-Za-z0-9._-]+$/, 'Model may contain only letters, digits, ".", "_" and "-", for example kling-v2-6'),
			input.model,
			'model',
		),
	};
	if (promptRequired || !(isBlank(input.prompt) || (typeof input.prompt === 'string' && !input.prompt.trim()))) {
		body.prompt = parse(text('prompt', 'Prompt', maxPrompt, limitHint('Max Prompt Length')), input.prompt, 'prompt');
	}

	if (!isBlank(input.negativePrompt)) {
		body.negative_prompt = parse(
			text('negativePrompt', 'Negative Prompt', maxNegative, limitHint('Max Negative Prompt Length')),
			input.negativePrompt,
			'negativePrompt',
		);
	}
	if (!isBlank(input.aspectRatio)) {
		body.aspect_ratio = parse(
			z.enum(ASPECT_RATIOS, {
				errorMap: () => ({ message: `Aspect Ratio must be one of ${ASPECT_RATIOS.join(', ')}` }),
			}),
			input.aspectRatio,
			'aspectRatio',
		);
	}
	if (!isBlank(input.duration)) {
		const allowed = allowedDurations(body.model_name);
		const seconds = parse(
			z.coerce
				.number({ invalid_type_error: 'Duration must be a number of seconds' })
				.refine((n) => allowed.includes(n), {
					message: `Duration must be ${allowed.length === 2 ? '5 or 10' : 'a whole number from 3 to 15'} seconds for model ${body.model_name}`,
				}),
			input.duration,
			'duration',
		);
		body.duration = String(seconds);
	}
	if (!isBlank(input.mode)) {
		body.mode = parse(
			z.enum(['std', 'pro'], {
				errorMap: () => ({ message: 'Mode must be "std" (standard) or "pro" (professional)' }),
			}),
			input.mode,
			'mode',
		);
	}
	if (!isBlank(input.cfgScale)) {
		body.cfg_scale = parse(
			z.coerce
				.number({ invalid_type_error: 'CFG Scale must be a number between 0 and 1' })
				.min(0, 'CFG Scale must be between 0 and 1')
				.max(1, 'CFG Scale must be between 0 and 1'),
			input.cfgScale,
			'cfgScale',
		);
	}
	if (!isBlank(input.sound)) {
		body.sound = parse(
			z.enum(['on', 'off'], { errorMap: () => ({ message: 'Sound must be "on" or "off"' }) }),
			input.sound,
			'sound',
		);
	}
	if (input.cameraControl && !isBlank(input.cameraControl.type)) {
		body.camera_control = parse(
			cameraSchema,
			input.cameraControl,
			'cameraControl',
		) as KlingCreateBody['camera_control'];
	}
	if (!isBlank(input.callbackUrl)) {
		body.callback_url = parse(
			z
				.string()
				.trim()
				.url('Callback URL must be a full URL such as https://example.com/webhook/kling')
				.refine((u) => /^https?:\/\//i.test(u), 'Callback URL must start with http:// or https://'),
			input.callbackUrl,
			'callbackUrl',
		);
	}
	if (!isBlank(input.externalTaskId)) {
		body.external_task_id = parse(
			z
				.string({ invalid_type_error: 'External Task ID must be text' })
				.trim()
				.min(1)
				.max(128, 'External Task ID must be at most 128 characters'),
			typeof input.externalTaskId === 'number' ? String(input.externalTaskId) : input.externalTaskId,
			'externalTaskId',
		);
	}
	return body;
}

/** Ids CometAPI issues are digits and letters; external ids may add "_", "-", "." and ":". */
const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export function isValidTaskId(value: unknown): value is string {
	return typeof value === 'string' && TASK_ID_PATTERN.test(value);
}

export function validateTaskId(value: unknown): string {
	if (typeof value === 'number' && !Number.isSafeInteger(value)) {
		throw new ParameterError(
			'taskId',
			`Task ID ${value} is a number too large to be exact (above 2^53), so it was rounded and would read the wrong task. Pass the id as text: map the task_id field (it is a string) or write the id in quotes`,
		);
	}
	return parse(
		z
			.string({
				required_error: 'Task ID is empty: map the task_id field of a Create Video output, or paste an id',
				invalid_type_error: 'Task ID must be text, for example the task_id output of Create Video',
			})
			.trim()
			.min(1, 'Task ID is empty: map the task_id field of a Create Video output, or paste an id')
			.max(128, 'Task ID is longer than 128 characters: it is not a task id CometAPI issues')
			.regex(
				TASK_ID_PATTERN,
				'Task ID must start with a letter or digit and contain only letters, digits, ".", "_", ":" and "-", like the task_id output of Create Video',
			),
		typeof value === 'number' ? String(value) : value,
		'taskId',
	);
}

/** The binary file name: from a checked id, never from an unchecked server value. */
export function videoFileName(taskId: string): string {
	const safe = taskId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128);
	return `${safe || 'video'}.mp4`;
}

export interface WaitSettings {
	pollIntervalMs: number;
	timeoutMs: number;
}

/** Polling holds an n8n execution (and a worker slot) for the whole wait: 4 hours at most. */
export const MAX_POLL_TIMEOUT_MINUTES = 240;
/** A paused execution holds nothing while it waits: up to a day. */
export const MAX_PAUSE_TIMEOUT_MINUTES = 1440;

export function validateWaitSettings(
	pollIntervalSeconds: unknown,
	timeoutMinutes: unknown,
	maxTimeoutMinutes = MAX_POLL_TIMEOUT_MINUTES,
): WaitSettings {
	const interval = parse(
		z.coerce
			.number({ invalid_type_error: 'Poll Interval must be a number of seconds' })
			.min(0.5, 'Poll Interval must be at least 0.5 seconds')
			.max(600, 'Poll Interval must be at most 600 seconds'),
		pollIntervalSeconds,
		'pollInterval',
	);
	const timeout = parse(
		z.coerce
			.number({ invalid_type_error: 'Timeout must be a number of minutes' })
			.gt(0, 'Timeout must be more than 0 minutes')
			.max(maxTimeoutMinutes, `Timeout must be at most ${maxTimeoutMinutes} minutes`),
		timeoutMinutes,
		'timeout',
	);
	return { pollIntervalMs: Math.round(interval * 1000), timeoutMs: Math.round(timeout * 60_000) };
}

export function validateBinaryPropertyName(value: unknown): string {
	return parse(
		z
			.string({ invalid_type_error: 'Put Output File in Field must be text' })
			.trim()
			.min(1, 'Put Output File in Field is empty: use a name such as "data"'),
		value,
		'binaryPropertyName',
	);
}
