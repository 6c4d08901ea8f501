/** Kling's image-to-video rules, checked before anything is sent (combinations and per-model support). */
import {
	buildImage2VideoBody,
	buildMultiImage2VideoBody,
	ParameterError,
} from '../../nodes/KlingCometApi/helpers/validation';

function refusal(fn: () => unknown): ParameterError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ParameterError);
		return error as ParameterError;
	}
	throw new Error('expected a ParameterError');
}

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
		expect(refusal(() => buildImage2VideoBody({ ...i2v, model: 'kling-v2-6', cameraControl: simple })).message).toMatch(
			/^Model kling-v2-6 does not take Camera Control/,
		);
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
