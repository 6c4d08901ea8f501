/** Boundaries and blanks of every validation rule, one behaviour per line. */
import {
	buildText2VideoBody,
	isValidTaskId,
	validateBinaryPropertyName,
	validateTaskId,
	validateWaitSettings,
	videoFileName,
} from '../../nodes/KlingCometApi/helpers/validation';
import { refusal } from '../helpers/refusal';

const base = { prompt: 'p', model: 'kling-v1' };

describe('blank optional fields are left out, whatever the blank', () => {
	it.each([undefined, null, ''])('%p', (blank) => {
		const body = buildText2VideoBody({
			...base,
			negativePrompt: blank,
			aspectRatio: blank,
			duration: blank,
			mode: blank,
			cfgScale: blank,
			sound: blank,
			callbackUrl: blank,
			externalTaskId: blank,
			cameraControl: { type: blank as never },
		});
		expect(body).toEqual({ prompt: 'p', model_name: 'kling-v1' });
	});
});

describe('text fields', () => {
	it('trims the prompt and the model name', () => {
		expect(buildText2VideoBody({ prompt: '  a fox  ', model: '  kling-v1 ' })).toEqual({
			prompt: 'a fox',
			model_name: 'kling-v1',
		});
	});

	it('the prompt limit is inclusive, and the message names it', () => {
		expect(buildText2VideoBody({ ...base, prompt: 'x'.repeat(2500) }).prompt).toHaveLength(2500);
		expect(refusal(() => buildText2VideoBody({ ...base, prompt: 'x'.repeat(2501) })).message).toBe(
			'Prompt is longer than 2500 characters. CometAPI documents 500 (prompt) / 200 (negative prompt), Kling 2500: shorten it, or change Options → Max Prompt Length if your account accepts more',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, negativePrompt: 'x'.repeat(2501) })).message).toMatch(
			/^Negative Prompt is longer than 2500 characters\..*Max Negative Prompt Length/,
		);
		expect(buildText2VideoBody({ ...base, negativePrompt: '  blur ' }).negative_prompt).toBe('blur');
	});

	it('a missing or non-text prompt says so', () => {
		expect(refusal(() => buildText2VideoBody({ ...base, prompt: undefined })).message).toBe(
			'Prompt is empty: describe the video you want',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, prompt: 42 })).message).toBe('Prompt must be text');
		expect(refusal(() => buildText2VideoBody({ ...base, prompt: 42 })).field).toBe('prompt');
	});

	it('model names: letters, digits, dot, underscore and dash', () => {
		expect(buildText2VideoBody({ ...base, model: 'Kling_v2.1-pro' }).model_name).toBe('Kling_v2.1-pro');
		expect(refusal(() => buildText2VideoBody({ ...base, model: 'kling/v1' })).message).toBe(
			'Model may contain only letters, digits, ".", "_" and "-", for example kling-v2-6',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, model: 7 })).message).toBe(
			'Model must be text, for example kling-v2-6',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, model: '  ' })).message).toMatch(
			/^Model is empty: choose one of kling-v1, kling-v1-6, .*kling-v3 or type another model name$/,
		);
	});

	it('external task id: trimmed, numbers as text, at most 128 characters', () => {
		expect(buildText2VideoBody({ ...base, externalTaskId: ' o-1 ' }).external_task_id).toBe('o-1');
		expect(buildText2VideoBody({ ...base, externalTaskId: 42 }).external_task_id).toBe('42');
		expect(buildText2VideoBody({ ...base, externalTaskId: 'x'.repeat(128) }).external_task_id).toHaveLength(128);
		expect(refusal(() => buildText2VideoBody({ ...base, externalTaskId: 'x'.repeat(129) })).message).toBe(
			'External Task ID must be at most 128 characters',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, externalTaskId: true })).message).toBe(
			'External Task ID must be text',
		);
	});

	it('callback URL: trimmed, http or https only', () => {
		expect(buildText2VideoBody({ ...base, callbackUrl: ' http://h.test/x ' }).callback_url).toBe('http://h.test/x');
		expect(refusal(() => buildText2VideoBody({ ...base, callbackUrl: 'ftp://h.test/x' })).message).toBe(
			'Callback URL must start with http:// or https://',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, callbackUrl: 'nope' })).message).toBe(
			'Callback URL must be a full URL such as https://example.com/webhook/kling',
		);
	});
});

describe('numbers and choices', () => {
	it('durations: 5 and 10 for older models, 3 to 15 for kling-v3 and unknown ones', () => {
		expect(buildText2VideoBody({ ...base, duration: '5' }).duration).toBe('5');
		expect(buildText2VideoBody({ ...base, duration: 10 }).duration).toBe('10');
		expect(refusal(() => buildText2VideoBody({ ...base, model: 'kling-v2-6', duration: 3 })).message).toBe(
			'Duration must be 5 or 10 seconds for model kling-v2-6',
		);
		expect(buildText2VideoBody({ ...base, model: 'kling-v3', duration: 3 }).duration).toBe('3');
		expect(buildText2VideoBody({ ...base, model: 'kling-v3', duration: 15 }).duration).toBe('15');
		expect(refusal(() => buildText2VideoBody({ ...base, model: 'kling-v3', duration: 2 })).message).toBe(
			'Duration must be a whole number from 3 to 15 seconds for model kling-v3',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, model: 'kling-v3-omni', duration: 4.5 })).message).toMatch(
			/3 to 15/,
		);
		expect(buildText2VideoBody({ ...base, model: 'kling-v3-omni', duration: 4 }).duration).toBe('4');
		expect(refusal(() => buildText2VideoBody({ ...base, duration: 'x' })).message).toBe(
			'Duration must be a number of seconds',
		);
	});

	it('cfg scale: 0 and 1 are allowed, text numbers are read', () => {
		expect(buildText2VideoBody({ ...base, cfgScale: 0 }).cfg_scale).toBe(0);
		expect(buildText2VideoBody({ ...base, cfgScale: 1 }).cfg_scale).toBe(1);
		expect(buildText2VideoBody({ ...base, cfgScale: '0.25' }).cfg_scale).toBe(0.25);
		expect(refusal(() => buildText2VideoBody({ ...base, cfgScale: 'much' })).message).toBe(
			'CFG Scale must be a number between 0 and 1',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, cfgScale: 1.01 })).message).toBe(
			'CFG Scale must be between 0 and 1',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, cfgScale: -0.01 })).message).toBe(
			'CFG Scale must be between 0 and 1',
		);
	});

	it('choices say what they accept', () => {
		expect(refusal(() => buildText2VideoBody({ ...base, aspectRatio: '5:4' })).message).toBe(
			'Aspect Ratio must be one of 16:9, 9:16, 1:1, 4:3, 3:4, 3:2, 2:3',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, mode: 'x' })).message).toBe(
			'Mode must be "std" (standard) or "pro" (professional)',
		);
		expect(refusal(() => buildText2VideoBody({ ...base, sound: 'x' })).message).toBe('Sound must be "on" or "off"');
		expect(buildText2VideoBody({ ...base, sound: 'off', mode: 'std', aspectRatio: '2:3' })).toMatchObject({
			sound: 'off',
			mode: 'std',
			aspect_ratio: '2:3',
		});
	});

	it('camera axes: whole numbers from -10 to 10, text numbers read, missing ones 0', () => {
		const simple = (axis: Record<string, unknown>) =>
			buildText2VideoBody({ ...base, cameraControl: { type: 'simple', ...axis } }).camera_control;
		expect(simple({ horizontal: 10 })).toEqual({ type: 'simple', config: { horizontal: 10 } });
		expect(simple({ vertical: '-10' })).toEqual({ type: 'simple', config: { vertical: -10 } });
		expect(simple({ tilt: 1, pan: 0, roll: 0, zoom: 0, horizontal: 0, vertical: 0 })).toEqual({
			type: 'simple',
			config: { tilt: 1 },
		});
		expect(refusal(() => simple({ zoom: -11 })).message).toBe('Camera Control → zoom must be between -10 and 10');
		expect(refusal(() => simple({ zoom: 1.5 })).message).toBe('Camera Control → zoom must be a whole number');
		expect(refusal(() => simple({ zoom: 'x' })).message).toBe('Camera Control → zoom must be a number');
		expect(refusal(() => simple({})).message).toBe(
			'Camera Control type "simple" needs exactly one non-zero axis (got 0: none). Set one of horizontal, vertical, pan, tilt, roll, zoom to a value between -10 and 10 and the others to 0',
		);
		expect(
			refusal(() => buildText2VideoBody({ ...base, cameraControl: { type: 'left_turn_forward', pan: 1, zoom: 2 } }))
				.message,
		).toBe('Camera Control: the axes (pan, zoom) apply only to type "simple"; set them to 0 or choose "simple"');
		expect(refusal(() => buildText2VideoBody({ ...base, cameraControl: { type: 'spin' } })).field).toBe(
			'cameraControl',
		);
	});
});

describe('task ids, wait settings, field names', () => {
	it.each([
		['860733404216143937', true],
		['a', true],
		['A1._:-b', true],
		['x'.repeat(128), true],
		['x'.repeat(129), false],
		['.a', false],
		['-a', false],
		['a b', false],
		['a/b', false],
		['', false],
		[5, false],
	])('isValidTaskId(%p) = %p', (id, valid) => expect(isValidTaskId(id)).toBe(valid));

	it('task id messages', () => {
		expect(refusal(() => validateTaskId(undefined)).message).toBe(
			'Task ID is empty: map the task_id field of a Create Video output, or paste an id',
		);
		expect(refusal(() => validateTaskId('   ')).message).toBe(
			'Task ID is empty: map the task_id field of a Create Video output, or paste an id',
		);
		expect(refusal(() => validateTaskId({})).message).toBe(
			'Task ID must be text, for example the task_id output of Create Video',
		);
		expect(refusal(() => validateTaskId('y'.repeat(129))).message).toBe(
			'Task ID is longer than 128 characters: it is not a task id CometAPI issues',
		);
		expect(refusal(() => validateTaskId('a b')).message).toMatch(/^Task ID must start with a letter or digit/);
		expect(refusal(() => validateTaskId(2 ** 53 + 2)).message).toMatch(
			/^Task ID 9007199254740994 is a number too large to be exact/,
		);
		expect(validateTaskId(2 ** 53 - 1)).toBe('9007199254740991');
		expect(refusal(() => validateTaskId(1.5)).field).toBe('taskId');
	});

	it('file names come only from safe characters', () => {
		expect(videoFileName('860733404216143937')).toBe('860733404216143937.mp4');
		expect(videoFileName('a.b:c')).toBe('a_b_c.mp4');
		expect(videoFileName('')).toBe('video.mp4');
		expect(videoFileName('z'.repeat(200))).toBe(`${'z'.repeat(128)}.mp4`);
	});

	it('wait settings: the bounds are inclusive and text numbers are read', () => {
		expect(validateWaitSettings(0.5, 240)).toEqual({ pollIntervalMs: 500, timeoutMs: 14_400_000 });
		expect(validateWaitSettings('600', '0.05')).toEqual({ pollIntervalMs: 600_000, timeoutMs: 3000 });
		expect(validateWaitSettings(1.2345, 0.0001)).toEqual({ pollIntervalMs: 1235, timeoutMs: 6 });
		expect(refusal(() => validateWaitSettings(0.4, 1)).message).toBe('Poll Interval must be at least 0.5 seconds');
		expect(refusal(() => validateWaitSettings(601, 1)).message).toBe('Poll Interval must be at most 600 seconds');
		expect(refusal(() => validateWaitSettings('x', 1)).message).toBe('Poll Interval must be a number of seconds');
		expect(refusal(() => validateWaitSettings(1, 0)).message).toBe('Timeout must be more than 0 minutes');
		expect(refusal(() => validateWaitSettings(1, 'x')).message).toBe('Timeout must be a number of minutes');
		expect(refusal(() => validateWaitSettings(1, 240.01)).message).toBe('Timeout must be at most 240 minutes');
	});

	it('binary field names', () => {
		expect(refusal(() => validateBinaryPropertyName('  ')).message).toBe(
			'Put Output File in Field is empty: use a name such as "data"',
		);
		expect(refusal(() => validateBinaryPropertyName(3)).message).toBe('Put Output File in Field must be text');
	});
});
