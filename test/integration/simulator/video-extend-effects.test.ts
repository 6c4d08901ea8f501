/**
 * Extending a video (videos/video-extend) and preset effects (videos/effects).
 */
import type { Json } from './helpers';
import { base64, createOk, download, expectRefusal, isMp4, madeVideo, readUntilFinal, until, useSim } from './helpers';

const EXTEND = 'videos/video-extend';
const EFFECTS = 'videos/effects';

describe('simulator: video-extend', () => {
	const ctx = useSim();

	it('extends a video the simulator made: 4.5 s longer, a new MP4, the source left as it was', async () => {
		const { sim } = ctx;
		const source = await madeVideo(sim, { duration: '10' });
		const id = await createOk(sim, EXTEND, {
			video_id: source.videoId,
			prompt: 'The camera keeps rising',
			negative_prompt: 'blur',
			cfg_scale: 0.3,
		});
		const done = await readUntilFinal(sim, EXTEND, id);
		const [result] = done.body.data.task_result.videos;
		expect(result).toEqual({ id: `v-${id}`, url: expect.stringContaining(`/videos/${id}.mp4`), duration: '14.5' });
		expect(isMp4((await download(result.url)).bytes)).toBe(true);
		expect(sim.tasks.get(id)!.prepared).toEqual({ sourceTaskId: source.taskId, sourceDurationS: 10 });
		// An extended video can be extended again.
		const again = await createOk(sim, EXTEND, { video_id: result.id });
		expect((await readUntilFinal(sim, EXTEND, again)).body.data.task_result.videos[0].duration).toBe('19.0');
	});

	it('refuses a video_id it did not make, one of a failed or unfinished task, and a missing one', async () => {
		const { sim } = ctx;
		const unknown = (id: string) => `video_id ${id} is not a video Kling made (unknown, not finished, or expired)`;
		await expectRefusal(sim, EXTEND, { video_id: 'v-nosuchtask' }, unknown('v-nosuchtask'));
		await expectRefusal(sim, EXTEND, { video_id: '8612540000' }, unknown('8612540000'));
		const failed = await createOk(sim, 'videos/text2video', { prompt: 'x [sim:fail]' });
		await until(() => sim.tasks.get(failed)!.status === 'failed');
		await expectRefusal(sim, EXTEND, { video_id: `v-${failed}` }, unknown(`v-${failed}`));
		const pending = await createOk(sim, 'videos/text2video', { prompt: 'slow [sim:ms=5000]' });
		await expectRefusal(sim, EXTEND, { video_id: `v-${pending}` }, unknown(`v-${pending}`));
		const empty = await createOk(sim, 'videos/text2video', { prompt: 'filtered [sim:novideo]' });
		await until(() => sim.tasks.get(empty)!.status === 'succeed');
		await expectRefusal(sim, EXTEND, { video_id: `v-${empty}` }, unknown(`v-${empty}`));
		await expectRefusal(sim, EXTEND, {}, 'video_id is required');
	});

	it('prompt <= 500, negative_prompt <= 2500, cfg_scale 0..1, callback_url and external_task_id like every kind', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim);
		const cases: Array<[Json, string]> = [
			[{ prompt: 'x'.repeat(501) }, 'prompt must not exceed 500 characters'],
			[{ negative_prompt: 'x'.repeat(2501) }, 'negative_prompt must not exceed 2500 characters'],
			[{ cfg_scale: 1.5 }, 'cfg_scale must be a number between 0 and 1'],
			[{ cfg_scale: '0.5' }, 'cfg_scale must be a number between 0 and 1'],
			[{ callback_url: 'not-a-url' }, 'callback_url is invalid'],
		];
		for (const [extra, message] of cases) await expectRefusal(sim, EXTEND, { video_id: videoId, ...extra }, message);
		await createOk(sim, EXTEND, { video_id: videoId, prompt: 'x'.repeat(500), external_task_id: 'ext-1' });
		await expectRefusal(
			sim,
			EXTEND,
			{ video_id: videoId, external_task_id: 'ext-1' },
			'external_task_id already exists',
		);
	});
});

describe('simulator: effects', () => {
	const ctx = useSim();
	const two = [base64('square.png'), base64('product.jpg')];

	it('a two-person scene (hug) with exactly two images → a video; the images are summarised in the log', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, EFFECTS, {
			effect_scene: 'hug',
			input: { model_name: 'kling-v1-6', mode: 'std', images: two, duration: '10' },
		});
		const done = await readUntilFinal(sim, EFFECTS, id);
		const [result] = done.body.data.task_result.videos;
		expect(result).toMatchObject({ id: `v-${id}`, duration: '10' });
		expect(isMp4((await download(result.url)).bytes)).toBe(true);
		const [create] = sim.requestsOf('create');
		expect(create.taskKind).toBe('effects');
		expect(create.images).toEqual({
			'input.images[0]': expect.objectContaining({ format: 'png', width: 400, height: 400 }),
			'input.images[1]': expect.objectContaining({ format: 'jpeg', width: 640, height: 360 }),
		});
		expect(create.body).toEqual({
			effect_scene: 'hug',
			input: { model_name: 'kling-v1-6', mode: 'std', images: ['<image>', '<image>'], duration: '10' },
		});
		expect(sim.tasks.get(id)!.model).toBe('kling-v1-6');
	});

	it('a one-image scene (squish) takes input.image; kiss and heart_gesture are two-person scenes', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, EFFECTS, {
			effect_scene: 'squish',
			input: { image: 'http://127.0.0.1:1/a.png', duration: '5' },
		});
		// A URL the simulator cannot download: the task is accepted and fails (see below).
		await until(() => sim.tasks.get(id)!.status === 'failed');
		const ok = await createOk(sim, EFFECTS, {
			effect_scene: 'squish',
			input: { image: base64('square.png'), duration: 5 },
		});
		expect((await readUntilFinal(sim, EFFECTS, ok)).body.data.task_result.videos[0].duration).toBe('5');
		for (const scene of ['kiss', 'heart_gesture'])
			await expectRefusal(
				sim,
				EFFECTS,
				{ effect_scene: scene, input: { image: base64('square.png'), duration: '5' } },
				`input.image is for one-image scenes; effect_scene ${scene} takes two input.images`,
			);
	});

	it('unknown scenes are refused, as CometAPI does; the scene list is an option', async () => {
		const { sim } = ctx;
		await expectRefusal(
			sim,
			EFFECTS,
			{ effect_scene: 'moonwalk', input: { image: base64('square.png'), duration: '5' } },
			'effect_scene moonwalk is not supported',
		);
		await expectRefusal(
			sim,
			EFFECTS,
			{ effect_scene: 'toString', input: { image: base64('square.png'), duration: '5' } },
			'effect_scene toString is not supported',
		);
		sim.config.effectScenes = { moonwalk: 'image' };
		await createOk(sim, EFFECTS, { effect_scene: 'moonwalk', input: { image: base64('square.png'), duration: '5' } });
		await expectRefusal(
			sim,
			EFFECTS,
			{ effect_scene: 'hug', input: { images: two, duration: '5' } },
			'effect_scene hug is not supported',
		);
	});

	it('each input refusal with its message', async () => {
		const { sim } = ctx;
		const cases: Array<[Json, string]> = [
			[{ input: { images: two, duration: '5' } }, 'effect_scene is required'],
			[{ effect_scene: 'hug' }, 'input is required'],
			[
				{ effect_scene: 'hug', input: { images: [two[0]], duration: '5' } },
				'input.images must hold exactly 2 images for effect_scene hug',
			],
			[
				{ effect_scene: 'kiss', input: { images: [...two, two[0]], duration: '5' } },
				'input.images must hold exactly 2 images for effect_scene kiss',
			],
			[
				{ effect_scene: 'squish', input: { images: two, duration: '5' } },
				'input.images is for two-person scenes; effect_scene squish takes one input.image',
			],
			[{ effect_scene: 'expansion', input: { duration: '5' } }, 'input.image is required for effect_scene expansion'],
			[{ effect_scene: 'hug', input: { images: two } }, 'input.duration is required'],
			[{ effect_scene: 'hug', input: { images: two, duration: '7' } }, 'input.duration 7 is invalid'],
			[{ effect_scene: 'hug', input: { images: two, duration: '5', mode: 'ultra' } }, 'input.mode ultra is invalid'],
			[{ effect_scene: 'hug', input: { images: two, duration: '5' }, callback_url: 'x' }, 'callback_url is invalid'],
		];
		for (const [body, message] of cases) await expectRefusal(sim, EFFECTS, body, message);
		expect(sim.tasks.size).toBe(0);
	});

	it('a picture that breaks Kling rules is rejected by the generation task, not the create', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, EFFECTS, {
			effect_scene: 'hug',
			input: { images: [base64('square.png'), base64('too-small.png')], duration: '5' },
		});
		const done = await readUntilFinal(sim, EFFECTS, id);
		expect(done.body.data).toMatchObject({
			task_status: 'failed',
			task_status_msg: 'input.images[1] resolution must be at least 300x300px',
		});
		expect(sim.requestsOf('create')[0].images).toMatchObject({ 'input.images[1]': { width: 200, height: 200 } });
	});
});
