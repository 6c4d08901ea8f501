import {
	buildText2VideoBody,
	validateBinaryPropertyName,
	validateTaskId,
	validateWaitSettings,
	isValidTaskId,
	videoFileName,
	buildImage2VideoBody,
	buildMultiImage2VideoBody,
	parseTrajectory,
} from '../../../nodes/KlingCometApi/helpers/validation';
import { refusal } from '../../helpers/refusal';

describe('text to video', () => {
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
			expect(refusal(() => buildText2VideoBody({ ...base, model: 'kling-v3', duration: 16 })).message).toMatch(
				/3 to 15/,
			);
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
});

/** Boundaries and blanks of every validation rule, one behaviour per line. */
describe('boundaries and blanks', () => {
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
});

/** Kling's image-to-video rules, checked before anything is sent (combinations and per-model support). */
describe('image to video', () => {
	const i2v = { prompt: '', model: 'kling-v2-6', checkCapabilities: true };

	describe('buildImage2VideoBody', () => {
		it('the prompt is optional: blank means none is sent; given, it is checked like text-to-video', () => {
			expect(buildImage2VideoBody(i2v)).toEqual({ model_name: 'kling-v2-6' });
			expect(buildImage2VideoBody({ ...i2v, prompt: '   ' })).toEqual({ model_name: 'kling-v2-6' });
			expect(buildImage2VideoBody({ ...i2v, prompt: ' turn around ' }).prompt).toBe('turn around');
			expect(refusal(() => buildImage2VideoBody({ ...i2v, prompt: 'x'.repeat(2501) })).field).toBe('prompt');
		});

		it('an end frame and camera control are never sent together', () => {
			const error = refusal(() =>
				buildImage2VideoBody({ ...i2v, model: 'kling-v1', endFrame: true, cameraControl: { type: 'down_back' } }),
			);
			expect(error.field).toBe('cameraControl');
			expect(error.message).toMatch(/cannot be combined with an End Frame/);
		});

		it("end frame: Kling's capability map per model, mode and duration (std and 5 s are Kling's defaults)", () => {
			expect(buildImage2VideoBody({ ...i2v, endFrame: true, mode: 'pro' })).toMatchObject({ mode: 'pro' });
			const noPro = refusal(() => buildImage2VideoBody({ ...i2v, endFrame: true }));
			expect(noPro.field).toBe('mode');
			expect(noPro.message).toBe(
				'An End Frame with model kling-v2-6 needs Mode "pro" (Kling uses "std" when Mode is not set): set Additional Fields → Mode',
			);
			const master = refusal(() =>
				buildImage2VideoBody({ ...i2v, model: 'kling-v2-master', endFrame: true, mode: 'pro' }),
			);
			expect(master.field).toBe('endFrameSource');
			expect(master.message).toMatch(/^Model kling-v2-master does not take an End Frame for image-to-video/);
			expect(master.message).toMatch(/kling-v1 \(std\/pro, 5 s\)/);
			expect(buildImage2VideoBody({ ...i2v, model: 'kling-v1', endFrame: true, duration: 5 }).duration).toBe('5');
			expect(
				refusal(() => buildImage2VideoBody({ ...i2v, model: 'kling-v1', endFrame: true, duration: 10 })).message,
			).toBe('An End Frame with model kling-v1 works only for 5 s videos: set Duration to 5');
			expect(buildImage2VideoBody({ ...i2v, model: 'kling-v3', endFrame: true, duration: 12 }).duration).toBe('12');
		});

		it('camera control: only kling-v1 (std, 5 s) and kling-v1-5 (pro, 5 s, simple)', () => {
			const simple = { type: 'simple', zoom: 3 };
			expect(buildImage2VideoBody({ ...i2v, model: 'kling-v1', cameraControl: simple }).camera_control).toEqual({
				type: 'simple',
				config: { zoom: 3 },
			});
			expect(
				refusal(() => buildImage2VideoBody({ ...i2v, model: 'kling-v2-6', cameraControl: simple })).message,
			).toMatch(/^Model kling-v2-6 does not take Camera Control/);
			expect(
				refusal(() =>
					buildImage2VideoBody({ ...i2v, model: 'kling-v1-5', mode: 'pro', cameraControl: { type: 'forward_up' } }),
				).message,
			).toBe('Camera Control type "forward_up" is not available with model kling-v1-5; it takes simple');
			expect(
				refusal(() => buildImage2VideoBody({ ...i2v, model: 'kling-v1', mode: 'pro', cameraControl: simple })).field,
			).toBe('mode');
		});

		it('a model typed under "Other" skips the capability map (CometAPI decides); the combination rule stays', () => {
			const custom = { ...i2v, model: 'kling-v2-master', checkCapabilities: false };
			expect(buildImage2VideoBody({ ...custom, endFrame: true })).toEqual({ model_name: 'kling-v2-master' });
			expect(
				refusal(() => buildImage2VideoBody({ ...custom, endFrame: true, cameraControl: { type: 'down_back' } })).field,
			).toBe('cameraControl');
		});
	});

	describe('buildMultiImage2VideoBody', () => {
		const multi = { prompt: 'the two of them meet', model: 'kling-v1-6', checkCapabilities: true };

		it('needs a prompt, takes kling-v1-6 and the three ratios Kling documents', () => {
			expect(buildMultiImage2VideoBody({ ...multi, aspectRatio: '9:16', mode: 'pro' })).toEqual({
				prompt: 'the two of them meet',
				model_name: 'kling-v1-6',
				aspect_ratio: '9:16',
				mode: 'pro',
			});
			expect(refusal(() => buildMultiImage2VideoBody({ ...multi, prompt: ' ' })).field).toBe('prompt');
			expect(refusal(() => buildMultiImage2VideoBody({ ...multi, aspectRatio: '4:3' })).message).toBe(
				'Aspect Ratio must be one of 16:9, 9:16, 1:1 for a video from several images',
			);
			const model = refusal(() => buildMultiImage2VideoBody({ ...multi, model: 'kling-v2-6' }));
			expect(model.field).toBe('model');
			expect(model.message).toMatch(
				/^Model kling-v2-6 does not make videos from several images; Kling offers it with kling-v1-6/,
			);
			expect(buildMultiImage2VideoBody({ ...multi, model: 'kling-v2-6', checkCapabilities: false }).model_name).toBe(
				'kling-v2-6',
			);
		});
	});

	describe('Motion Brush (static and dynamic masks)', () => {
		const v1 = { ...i2v, model: 'kling-v1', masks: true };

		it('kling-v1 (5 s) and kling-v1-5 (pro, 5 s) only; never with an end frame or camera control', () => {
			expect(buildImage2VideoBody(v1)).toEqual({ model_name: 'kling-v1' });
			expect(refusal(() => buildImage2VideoBody({ ...v1, model: 'kling-v2-6' })).message).toMatch(
				/^Model kling-v2-6 does not take Motion Brush masks for image-to-video/,
			);
			expect(refusal(() => buildImage2VideoBody({ ...v1, model: 'kling-v1-5' })).field).toBe('mode');
			expect(refusal(() => buildImage2VideoBody({ ...v1, duration: 10 })).field).toBe('duration');
			const withEnd = refusal(() => buildImage2VideoBody({ ...v1, endFrame: true }));
			expect(withEnd.field).toBe('endFrameSource');
			expect(withEnd.message).toMatch(/^Motion Brush masks cannot be combined with an End Frame/);
			expect(refusal(() => buildImage2VideoBody({ ...v1, cameraControl: { type: 'down_back' } })).message).toMatch(
				/^Motion Brush masks cannot be combined with Camera Control/,
			);
		});
	});

	describe('parseTrajectory', () => {
		it('reads "x,y" text and JSON, in whole pixels', () => {
			expect(parseTrajectory(' 1,2  3,4;5,6 ', 'M')).toEqual([
				{ x: 1, y: 2 },
				{ x: 3, y: 4 },
				{ x: 5, y: 6 },
			]);
			expect(parseTrajectory('[{"x":10,"y":20},{"x":30,"y":40}]', 'M')).toEqual([
				{ x: 10, y: 20 },
				{ x: 30, y: 40 },
			]);
			expect(
				parseTrajectory(
					[
						{ x: 0, y: 0 },
						{ x: 640, y: 360 },
					],
					'M',
					{ width: 640, height: 360 },
				),
			).toHaveLength(2);
		});

		it('refuses bad points, too few or too many, and points outside the image', () => {
			const shape = /M Trajectory must be points "x,y" in whole pixels/;
			for (const bad of ['1,2 3', '1.5,2 3,4', '-1,2 3,4', '1,2,3 4,5', '[{"x":1}]', '[oops', 'a,b c,d', 42]) {
				const error = refusal(() => parseTrajectory(bad, 'M'));
				expect(error.field).toBe('dynamicMasks');
				expect(error.message).toMatch(bad === 42 ? /has 0 points/ : shape);
			}
			expect(refusal(() => parseTrajectory('1,2', 'M')).message).toBe(
				'M Trajectory has 1 point; Kling takes 2 to 77 for a 5 s video',
			);
			const many = Array.from({ length: 78 }, (_, i) => `${i},${i}`).join(' ');
			expect(refusal(() => parseTrajectory(many, 'M')).message).toMatch(/has 78 points/);
			expect(refusal(() => parseTrajectory('1,2 700,3', 'M', { width: 640, height: 360 })).message).toBe(
				'M Trajectory point 700,3 lies outside the 640×360 px start frame (x from 0 to 640, y from 0 at the bottom to 360)',
			);
		});
	});
});
