import {
	buildText2VideoBody,
	validateBinaryPropertyName,
	validateTaskId,
	validateWaitSettings,
} from '../../nodes/KlingCometApi/helpers/validation';
import { refusal } from '../helpers/refusal';

const base = { prompt: 'A happy scene of a vacation on the beach.', model: 'kling-v1' };

describe('buildText2VideoBody', () => {
	it('sends exactly the API field names, model as model_name, duration as a string', () => {
		const body = buildText2VideoBody({
			...base,
			negativePrompt: 'blur',
			aspectRatio: '9:16',
			duration: 10,
			mode: 'pro',
			cfgScale: 0.7,
			sound: 'on',
			callbackUrl: 'https://example.com/hook',
			externalTaskId: 'order-42',
			cameraControl: { type: 'simple', zoom: 5, pan: 0 },
		});
		expect(body).toEqual({
			prompt: base.prompt,
			model_name: 'kling-v1',
			negative_prompt: 'blur',
			aspect_ratio: '9:16',
			duration: '10',
			mode: 'pro',
			cfg_scale: 0.7,
			sound: 'on',
			callback_url: 'https://example.com/hook',
			external_task_id: 'order-42',
			camera_control: { type: 'simple', config: { zoom: 5 } },
		});
		expect(body).not.toHaveProperty('model');
	});

	it('leaves out what the user did not set', () => {
		expect(buildText2VideoBody({ ...base, negativePrompt: '', callbackUrl: '' })).toEqual({
			prompt: base.prompt,
			model_name: 'kling-v1',
		});
	});

	it('accepts any model name the list does not know yet', () => {
		expect(buildText2VideoBody({ ...base, model: 'kling-v9-ultra' }).model_name).toBe('kling-v9-ultra');
		expect(refusal(() => buildText2VideoBody({ ...base, model: 'kling v2' })).field).toBe('model');
		expect(refusal(() => buildText2VideoBody({ ...base, model: '' })).message).toMatch(/Model is empty/);
	});

	it('refuses an empty prompt and names the field', () => {
		const error = refusal(() => buildText2VideoBody({ ...base, prompt: '   ' }));
		expect(error.field).toBe('prompt');
		expect(error.message).toMatch(/Prompt is empty/);
	});

	it('checks the prompt against a configurable limit and says how to change it', () => {
		const long = 'x'.repeat(2501);
		expect(refusal(() => buildText2VideoBody({ ...base, prompt: long })).message).toMatch(
			/longer than 2500 characters.*Max Prompt Length/,
		);
		expect(() => buildText2VideoBody({ ...base, prompt: 'x'.repeat(600), maxPromptLength: 3000 })).not.toThrow();
		expect(
			refusal(() => buildText2VideoBody({ ...base, prompt: 'x'.repeat(501), maxPromptLength: 500 })).message,
		).toMatch(/longer than 500/);
		expect(
			refusal(() => buildText2VideoBody({ ...base, negativePrompt: 'x'.repeat(201), maxNegativePromptLength: 200 }))
				.field,
		).toBe('negativePrompt');
	});

	it.each([
		[{ aspectRatio: '21:9' }, 'aspectRatio', /Aspect Ratio must be one of 16:9/],
		[{ duration: 7 }, 'duration', /5 or 10 seconds for model kling-v1/],
		[{ duration: 'abc' }, 'duration', /Duration/],
		[{ mode: 'fast' }, 'mode', /"std".*"pro"/],
		[{ cfgScale: 1.5 }, 'cfgScale', /between 0 and 1/],
		[{ cfgScale: -0.1 }, 'cfgScale', /between 0 and 1/],
		[{ sound: 'loud' }, 'sound', /"on" or "off"/],
		[{ callbackUrl: 'not a url' }, 'callbackUrl', /full URL/],
		[{ callbackUrl: 'ftp://example.com/x' }, 'callbackUrl', /http/],
	])('refuses %j', (extra, field, message) => {
		const error = refusal(() => buildText2VideoBody({ ...base, ...extra }));
		expect(error.field).toBe(field);
		expect(error.message).toMatch(message);
	});

	it('allows 3 to 15 seconds for kling-v3 and unknown newer models', () => {
		expect(buildText2VideoBody({ ...base, model: 'kling-v3', duration: 12 }).duration).toBe('12');
		expect(buildText2VideoBody({ ...base, model: 'kling-v4', duration: '3' }).duration).toBe('3');
		expect(refusal(() => buildText2VideoBody({ ...base, model: 'kling-v3', duration: 16 })).message).toMatch(/3 to 15/);
	});

	describe('camera control', () => {
		it('needs exactly one non-zero axis for "simple"', () => {
			expect(refusal(() => buildText2VideoBody({ ...base, cameraControl: { type: 'simple' } })).message).toMatch(
				/exactly one non-zero axis \(got 0/,
			);
			expect(
				refusal(() => buildText2VideoBody({ ...base, cameraControl: { type: 'simple', pan: 2, tilt: 3 } })).message,
			).toMatch(/got 2: pan, tilt/);
		});

		it('keeps each axis in [-10, 10]', () => {
			expect(
				refusal(() => buildText2VideoBody({ ...base, cameraControl: { type: 'simple', roll: 11 } })).message,
			).toMatch(/roll must be between -10 and 10/);
			expect(buildText2VideoBody({ ...base, cameraControl: { type: 'simple', roll: -10 } }).camera_control).toEqual({
				type: 'simple',
				config: { roll: -10 },
			});
		});

		it('sends no config for the preset movements and refuses axes with them', () => {
			expect(buildText2VideoBody({ ...base, cameraControl: { type: 'forward_up' } }).camera_control).toEqual({
				type: 'forward_up',
			});
			expect(
				refusal(() => buildText2VideoBody({ ...base, cameraControl: { type: 'down_back', zoom: 3 } })).message,
			).toMatch(/only to type "simple"/);
			expect(refusal(() => buildText2VideoBody({ ...base, cameraControl: { type: 'spin' } })).message).toMatch(
				/Type must be one of simple/,
			);
		});
	});
});

describe('other parameters', () => {
	it('task id: trims, accepts numbers, refuses empty and path characters', () => {
		expect(validateTaskId('  abc-123 ')).toBe('abc-123');
		expect(validateTaskId(12345)).toBe('12345');
		expect(refusal(() => validateTaskId('')).message).toMatch(/Task ID is empty/);
		expect(refusal(() => validateTaskId('../v1/models')).field).toBe('taskId');
	});

	it('wait settings: seconds and minutes to milliseconds, within bounds', () => {
		expect(validateWaitSettings(10, 20)).toEqual({ pollIntervalMs: 10_000, timeoutMs: 1_200_000 });
		expect(refusal(() => validateWaitSettings(0.1, 20)).field).toBe('pollInterval');
		expect(refusal(() => validateWaitSettings(10, 0)).field).toBe('timeout');
		expect(refusal(() => validateWaitSettings(10, 241)).message).toMatch(/at most 240/);
	});

	it('binary field name must not be empty', () => {
		expect(validateBinaryPropertyName(' video ')).toBe('video');
		expect(refusal(() => validateBinaryPropertyName('')).field).toBe('binaryPropertyName');
	});
});
