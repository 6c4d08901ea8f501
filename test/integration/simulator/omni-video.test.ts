/**
 * Omni video (videos/omni-video): the documented limits, the citations of inputs in the prompt,
 * and the two documented read shapes (the standard envelope and the older legacy wrapper).
 */
import type { Json } from './helpers';
import {
	base64,
	control,
	createOk,
	download,
	expectRefusal,
	get,
	isMp4,
	madeVideo,
	post,
	readUntilFinal,
	until,
	useSim,
} from './helpers';

const OMNI = 'videos/omni-video';
const image = (type?: string) => ({ image_url: base64('square.png'), ...(type ? { type } : {}) });
const video = (refer_type = 'feature') => ({ video_url: 'https://example.test/ref.mp4', refer_type });

describe('simulator: omni-video', () => {
	const ctx = useSim();

	it('first-frame video: create → read until succeed → the MP4 downloads; image checked and summarised', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, OMNI, {
			model_name: 'kling-video-o1',
			prompt: 'The figure in <<<image_1>>> turns to the camera',
			image_list: [image('first_frame')],
			duration: '10',
			mode: 'pro',
		});
		const done = await readUntilFinal(sim, OMNI, id);
		expect(done.body.code).toBe(0);
		expect(done.body.data).toMatchObject({ task_id: id, task_status: 'succeed', task_status_msg: '' });
		const [result] = done.body.data.task_result.videos;
		expect(result).toEqual({ id: `v-${id}`, url: expect.stringContaining(`/videos/${id}.mp4`), duration: '10' });
		const file = await download(result.url);
		expect(file.status).toBe(200);
		expect(file.type).toBe('video/mp4');
		expect(isMp4(file.bytes)).toBe(true);
		const [create] = sim.requestsOf('create');
		expect(create).toMatchObject({ taskKind: 'omni-video', status: 200, taskId: id });
		expect(create.images).toEqual({
			'image_list[0].image_url': expect.objectContaining({ format: 'png', width: 400, height: 400, base64Bytes: 3114 }),
		});
		expect(create.body).toMatchObject({ image_list: [{ image_url: '<image>', type: 'first_frame' }] });
		expect(sim.tasks.get(id)).toMatchObject({ kind: 'omni-video', model: 'kling-video-o1' });
		expect(sim.requestsOf('read').every((r) => r.taskKind === 'omni-video')).toBe(true);
	});

	it('a base video sets the length (the request duration is ignored) and the frame (no aspect_ratio needed)', async () => {
		const { sim } = ctx;
		const source = await madeVideo(sim, { duration: '10' });
		const sourceUrl = `${sim.cdnUrl}/videos/${source.taskId}.mp4?expires=1`;
		const id = await createOk(sim, OMNI, {
			prompt: 'Make <<<video_1>>> snowy',
			video_list: [{ video_url: sourceUrl, refer_type: 'base', keep_original_sound: 'yes' }],
			duration: '3',
		});
		const done = await readUntilFinal(sim, OMNI, id);
		expect(done.body.data.task_result.videos[0].duration).toBe('10');
		// Any other URL: its length is unknown to the simulator, 5 s.
		const other = await createOk(sim, OMNI, { prompt: 'Edit it', video_list: [{ video_url: 'https://x.test/a.mov' }] });
		expect((await readUntilFinal(sim, OMNI, other)).body.data.task_result.videos[0].duration).toBe('5');
	});

	it('durations: 5 or 10 for text-only and first-frame videos, 3 to 10 with reference inputs', async () => {
		const { sim } = ctx;
		await expectRefusal(
			sim,
			OMNI,
			{ prompt: 'A cat', aspect_ratio: '1:1', duration: '7' },
			'duration 7 is invalid: 5 or 10 for a text-only or first-frame video',
		);
		await expectRefusal(
			sim,
			OMNI,
			{ prompt: 'A cat', image_list: [image('first_frame')], duration: 3 },
			'duration 3 is invalid: 5 or 10 for a text-only or first-frame video',
		);
		await expectRefusal(
			sim,
			OMNI,
			{ prompt: 'A cat like <<<image_1>>>', image_list: [image()], aspect_ratio: '1:1', duration: '11' },
			'duration 11 is invalid: 3 to 10',
		);
		await expectRefusal(
			sim,
			OMNI,
			{ prompt: 'A cat', element_list: [{ element_id: 'e1' }], aspect_ratio: '1:1', duration: '2' },
			'duration 2 is invalid: 3 to 10',
		);
		const id = await createOk(sim, OMNI, {
			prompt: 'A cat like <<<image_1>>>',
			image_list: [image()],
			aspect_ratio: '9:16',
			duration: 7,
		});
		expect((await readUntilFinal(sim, OMNI, id)).body.data.task_result.videos[0].duration).toBe('7');
		const text = await createOk(sim, OMNI, { prompt: 'A cat', aspect_ratio: '16:9' });
		expect((await readUntilFinal(sim, OMNI, text)).body.data.task_result.videos[0].duration).toBe('5');
	});

	it('aspect_ratio: needed unless a first frame or a base video sets the frame; only 16:9, 9:16, 1:1', async () => {
		const { sim } = ctx;
		const needed = 'aspect_ratio is required unless a first_frame image or a base video sets the frame';
		await expectRefusal(sim, OMNI, { prompt: 'A cat' }, needed);
		await expectRefusal(sim, OMNI, { prompt: 'A cat', image_list: [image()] }, needed);
		await expectRefusal(sim, OMNI, { prompt: 'A cat', video_list: [video('feature')] }, needed);
		await expectRefusal(sim, OMNI, { prompt: 'A cat', aspect_ratio: '4:3' }, 'aspect_ratio 4:3 is invalid');
		await createOk(sim, OMNI, { prompt: 'A cat', image_list: [image('first_frame'), image('end_frame')] });
		await createOk(sim, OMNI, { prompt: 'A cat', video_list: [video('base')] });
	});

	it('a citation of an input that is not there is refused, for images, elements and videos', async () => {
		const { sim } = ctx;
		const base = { aspect_ratio: '1:1' };
		await expectRefusal(
			sim,
			OMNI,
			{ ...base, prompt: '<<<image_1>>> and <<<image_2>>>', image_list: [image()] },
			'prompt cites <<<image_2>>> but image_list holds 1 image',
		);
		await expectRefusal(
			sim,
			OMNI,
			{ ...base, prompt: 'With <<<element_1>>>' },
			'prompt cites <<<element_1>>> but element_list holds 0 elements',
		);
		await expectRefusal(
			sim,
			OMNI,
			{ ...base, prompt: 'Like <<<video_1>>>', element_list: [{ element_id: 1 }, { element_id: 2 }] },
			'prompt cites <<<video_1>>> but video_list holds 0 videos',
		);
		await expectRefusal(
			sim,
			OMNI,
			{ ...base, prompt: '<<<image_0>>>', image_list: [image()] },
			'prompt cites <<<image_0>>> but image_list holds 1 image',
		);
		await createOk(sim, OMNI, {
			...base,
			prompt: '<<<image_2>>> meets <<<element_1>>> in <<<video_1>>>',
			image_list: [image(), image()],
			element_list: [{ element_id: 'e-9' }],
			video_list: [video('feature')],
		});
	});

	it('images + elements: at most 4 with a reference video, 7 without', async () => {
		const { sim } = ctx;
		const elements = (n: number) => Array.from({ length: n }, (_, k) => ({ element_id: `e${k}` }));
		await expectRefusal(
			sim,
			OMNI,
			{
				prompt: 'A',
				aspect_ratio: '1:1',
				image_list: [image(), image()],
				element_list: elements(3),
				video_list: [video()],
			},
			'image_list and element_list hold 5 inputs; at most 4 are allowed with a reference video',
		);
		await expectRefusal(
			sim,
			OMNI,
			{ prompt: 'A', aspect_ratio: '1:1', image_list: [image()], element_list: elements(7) },
			'image_list and element_list hold 8 inputs; at most 7 are allowed without a reference video',
		);
		await createOk(sim, OMNI, { prompt: 'A', aspect_ratio: '1:1', image_list: [image()], element_list: elements(6) });
		await createOk(sim, OMNI, { prompt: 'A', aspect_ratio: '1:1', element_list: elements(4), video_list: [video()] });
	});

	it('each documented field refusal, with its exact message', async () => {
		const { sim } = ctx;
		const ok = { prompt: 'A cat', aspect_ratio: '1:1' };
		const cases: Array<[Json, string]> = [
			[{ aspect_ratio: '1:1' }, 'prompt is required'],
			[{ ...ok, prompt: 'x'.repeat(2501) }, 'prompt must not exceed 2500 characters'],
			[{ ...ok, model_name: 'kling-v2-6' }, 'model_name kling-v2-6 is not an Omni video model (kling-video-o1)'],
			[{ ...ok, image_list: [{ type: 'first_frame' }] }, 'image_list[0].image_url is required'],
			[{ ...ok, image_list: [image('last_frame')] }, 'image_list[0].type last_frame is invalid'],
			[{ ...ok, image_list: [image('end_frame')] }, 'an end_frame image needs a first_frame image'],
			[
				{ ...ok, image_list: [image('first_frame'), image('first_frame')] },
				'image_list may hold one first_frame and one end_frame image at most',
			],
			[{ ...ok, element_list: [{}] }, 'element_list[0].element_id is required'],
			[{ ...ok, video_list: [{ video_url: 'ftp://x/a.mp4' }] }, 'video_list[0].video_url must be an http(s) URL'],
			[{ ...ok, video_list: [video('style')] }, 'video_list[0].refer_type style is invalid'],
			[
				{ ...ok, video_list: [{ ...video(), keep_original_sound: true }] },
				'video_list[0].keep_original_sound must be yes or no',
			],
			[{ ...ok, video_list: [video(), video()] }, 'video_list may hold one video'],
			[{ ...ok, image_list: 'a.png' }, 'image_list must be an array'],
			[{ ...ok, mode: 'max' }, 'mode max is invalid'],
			[{ ...ok, callback_url: 'hook' }, 'callback_url is invalid'],
		];
		for (const [body, message] of cases) await expectRefusal(sim, OMNI, body, message);
		await expectRefusal(
			sim,
			OMNI,
			{ ...ok, image_list: [{ image_url: base64('too-small.png') }] },
			'image_list[0].image_url resolution must be at least 300x300px',
		);
		expect(sim.tasks.size).toBe(0);
		// Another vendor's model is the gateway's refusal, as for every kind.
		const gateway = await post(sim, OMNI, { ...ok, model_name: 'gpt-video' });
		expect(gateway.status).toBe(503);
		expect(gateway.body.error).toMatchObject({ type: 'comet_api_error', code: 'model_not_found' });
	});

	it('legacy read shape: SUBMITTED → IN_PROGRESS → SUCCESS, progress growing to 100%, the task nested in data.data', async () => {
		const { sim } = ctx;
		sim.config.omniReadShape = 'legacy';
		sim.config.taskMs = 800;
		sim.config.submittedMs = 200;
		const created = await post(sim, OMNI, { prompt: 'A cat', aspect_ratio: '1:1' });
		// The create keeps the standard envelope.
		expect(created.body).toMatchObject({ code: 0, data: { task_status: 'submitted' } });
		const id = created.body.data.task_id;
		const seen: Json[] = [];
		for (;;) {
			const read = await get(sim, `${OMNI}/${id}`);
			expect(read.status).toBe(200);
			seen.push(read.body);
			if (read.body.data.status === 'SUCCESS') break;
			await new Promise((resolve) => setTimeout(resolve, 40));
		}
		const statuses = [...new Set(seen.map((b) => b.data.status))];
		expect(statuses).toEqual(['SUBMITTED', 'IN_PROGRESS', 'SUCCESS']);
		const percents = seen.map((b) => Number(/^(\d+)%$/.exec(b.data.progress)![1]));
		expect(percents).toEqual([...percents].sort((a, b) => a - b));
		expect(percents[0]).toBeLessThan(50);
		expect(percents.at(-2)).toBeLessThan(100);
		const last = seen.at(-1);
		expect(last).toEqual({
			code: 'success',
			message: '',
			data: {
				task_id: id,
				action: 'OMNI_VIDEO',
				status: 'SUCCESS',
				progress: '100%',
				fail_reason: '',
				submit_time: expect.any(Number),
				start_time: expect.any(Number),
				finish_time: expect.any(Number),
				data: expect.objectContaining({ task_id: id, task_status: 'succeed' }),
			},
		});
		const url = last.data.data.task_result.videos[0].url;
		expect(isMp4((await download(url)).bytes)).toBe(true);
		// Not in data.task_result: only the nested task carries the result.
		expect(last.data.task_result).toBeUndefined();
	});

	it('legacy read shape of a failed task: FAILURE with the reason in fail_reason and the nested task_status_msg', async () => {
		const { sim } = ctx;
		sim.config.omniReadShape = 'legacy';
		const id = await createOk(sim, OMNI, { prompt: 'A cat [sim:fail]', aspect_ratio: '1:1' });
		await until(() => sim.tasks.get(id)!.status === 'failed');
		const read = await get(sim, `${OMNI}/${id}`);
		expect(read.body.data).toMatchObject({
			status: 'FAILURE',
			progress: '100%',
			fail_reason: 'Failure to pass the risk control system',
			data: { task_status: 'failed', task_status_msg: 'Failure to pass the risk control system' },
		});
	});

	it('the shape is set through /__sim/config too; an unknown shape is refused there and at start', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, OMNI, { prompt: 'A cat', aspect_ratio: '1:1' });
		expect((await control(sim, 'config', { omniReadShape: 'legacy' })).status).toBe(200);
		expect((await get(sim, `${OMNI}/${id}`)).body.data.action).toBe('OMNI_VIDEO');
		expect((await control(sim, 'config', { omniReadShape: 'standard' })).status).toBe(200);
		const standard = await get(sim, `${OMNI}/${id}`);
		expect(standard.body.code).toBe(0);
		expect(standard.body.data.task_id).toBe(id);
		const bad = await control(sim, 'config', { omniReadShape: 'old' });
		expect(bad.status).toBe(400);
		expect(bad.body.error).toBe('omniReadShape must be one of standard, legacy (got "old")');
		expect(sim.config.omniReadShape).toBe('standard');
		await expect(
			import('../../../tools/simulator/server').then((m) => m.createSimulator({ omniReadShape: 'old' as 'legacy' })),
		).rejects.toThrow('omniReadShape must be one of standard, legacy (got "old")');
	});

	it('an omni task is read only at omni-video: another kind path answers 404/1203', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, OMNI, { prompt: 'A cat', aspect_ratio: '1:1' });
		const wrong = await get(sim, `videos/text2video/${id}`);
		expect(wrong.status).toBe(404);
		expect(wrong.body).toMatchObject({ code: 1203, message: `task ${id} not found` });
	});
});
