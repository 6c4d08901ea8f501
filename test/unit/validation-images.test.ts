/** Kling's image-to-video rules, checked before anything is sent (combinations and per-model support). */
import {
	buildImage2VideoBody,
	buildMultiImage2VideoBody,
	parseTrajectory,
} from '../../nodes/KlingCometApi/helpers/validation';
import { refusal } from '../helpers/refusal';

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
