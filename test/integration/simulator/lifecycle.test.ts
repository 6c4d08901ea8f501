/**
 * What every kind shares through the core: callbacks, external_task_id, faults, the concurrency
 * limit, the lifecycle's timing, reads only under the own kind, and the request log's taskKind.
 */
import type { Json } from './helpers';
import { base64, callbackReceiver, createOk, get, madeVideo, post, readUntilFinal, until, useSim } from './helpers';

describe('simulator: what every kind shares', () => {
	const ctx = useSim();

	it('callbacks for a new kind: every status change, the bare task, the final one with its result', async () => {
		const { sim } = ctx;
		const hook = await callbackReceiver();
		try {
			const id = await createOk(sim, 'images/generations', {
				prompt: 'A kite',
				n: 2,
				callback_url: hook.url,
				external_task_id: 'kite-1',
			});
			await until(() => hook.bodies.length === 3);
			expect(hook.bodies.map((b: Json) => b.task_status)).toEqual(['submitted', 'processing', 'succeed']);
			for (const body of hook.bodies)
				expect(body).toMatchObject({ task_id: id, task_info: { external_task_id: 'kite-1' } });
			expect(hook.bodies[2].task_result.images).toHaveLength(2);
			expect(sim.callbacks.map((c) => [c.taskId, c.status, c.httpStatus])).toEqual([
				[id, 'submitted', 200],
				[id, 'processing', 200],
				[id, 'succeed', 200],
			]);
			// Wrapped, as one public copy shows them.
			sim.config.callbackWrapped = true;
			const tts = await post(sim, 'audio/tts', {
				text: 'Hello there, friend.',
				voice_id: 'oversea_male1',
				voice_language: 'en',
				callback_url: hook.url,
			});
			await until(() => hook.bodies.length === 4);
			// Answered at once: one callback, the final one.
			expect(hook.bodies[3]).toMatchObject({
				code: 0,
				data: { task_id: tts.body.data.task_id, task_status: 'succeed', task_result: { audios: [expect.any(Object)] } },
			});
		} finally {
			await hook.close();
		}
	});

	it('external_task_id: echoed in task_info, unique across kinds, and a task is readable by it', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, 'audio/text-to-audio', { prompt: 'Rain', duration: 4, external_task_id: 'rain-7' });
		const refused = await post(sim, 'videos/omni-video', {
			prompt: 'A',
			aspect_ratio: '1:1',
			external_task_id: 'rain-7',
		});
		expect([refused.status, refused.body.code, refused.body.message]).toEqual([
			400,
			1201,
			'external_task_id already exists',
		]);
		const byExternal = await get(sim, 'audio/text-to-audio/rain-7');
		expect(byExternal.body.data).toMatchObject({ task_id: id, task_info: { external_task_id: 'rain-7' } });
		sim.config.echoExternalId = false;
		expect((await get(sim, `audio/text-to-audio/${id}`)).body.data.task_info).toEqual({});
	});

	it('a task is read only under its own kind; a path no kind owns answers 404/1203 too', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, 'audio/text-to-audio', { prompt: 'Rain', duration: 4 });
		for (const path of [
			'audio/tts',
			'audio/video-to-audio',
			'videos/text2video',
			'images/generations',
			'videos/nosuchkind',
		]) {
			const read = await get(sim, `${path}/${id}`);
			// TTS refusals nest the code (see images-audio.test.ts).
			const code = path === 'audio/tts' ? read.body.data.data.code : read.body.code;
			expect([path, read.status, code, read.body.message]).toEqual([path, 404, 1203, `task ${id} not found`]);
		}
		expect(sim.requestsOf('read').map((r) => r.taskKind)).toEqual([
			'audio/tts',
			'audio/video-to-audio',
			'text2video',
			'images/generations',
			undefined,
		]);
		// identify-face has no reads at all.
		expect((await get(sim, `videos/identify-face/${id}`)).status).toBe(404);
	});

	it('faults and the concurrency limit apply to new kinds as to the old', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'create', type: 'rate429', retryAfter: 2 });
		const limited = await post(sim, 'audio/text-to-audio', { prompt: 'Rain', duration: 4 });
		expect([limited.status, limited.body.code, limited.headers.get('retry-after')]).toEqual([429, 1302, '2']);
		sim.fault({ on: 'read', type: 'status503' });
		const id = await createOk(sim, 'audio/text-to-audio', { prompt: 'Rain [sim:ms=5000]', duration: 4 });
		expect((await get(sim, `audio/text-to-audio/${id}`)).status).toBe(503);
		expect((await get(sim, `audio/text-to-audio/${id}`)).status).toBe(200);
		sim.config.maxConcurrentTasks = 1;
		const busy = await post(sim, 'images/generations', { prompt: 'A kite' });
		expect([busy.status, busy.body.code]).toEqual([429, 1303]);
		// identify-face is no task: it holds no slot and needs none.
		const found = await post(sim, 'videos/identify-face', { video_url: 'https://x.test/a.mp4' });
		expect(found.status).toBe(200);
		sim.fault({ on: 'download', type: 'empty' });
		const face = await fetch(found.body.data.face_data[0].face_image);
		expect([face.status, (await face.arrayBuffer()).byteLength]).toEqual([200, 0]);
	});

	it('the request log names every kind; [sim:ms] times a new kind like the old', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim);
		const image = base64('square.png');
		const tts = await post(sim, 'audio/tts', {
			text: 'Hello there, this is a long sentence.',
			voice_id: 'AOT',
			voice_language: 'en',
		});
		const audioId = tts.body.data.task_result.audios[0].id;
		const faces = await post(sim, 'videos/identify-face', { video_id: videoId });
		const creates: Array<[string, Json]> = [
			['videos/omni-video', { prompt: 'A [sim:ms=150]', aspect_ratio: '1:1' }],
			['videos/video-extend', { video_id: videoId }],
			['videos/effects', { effect_scene: 'squish', input: { image, duration: '5' } }],
			['videos/avatar/image2video', { image, audio_id: audioId }],
			[
				'videos/advanced-lip-sync',
				{
					session_id: faces.body.data.session_id,
					face_choose: [
						{ face_id: '0', audio_id: audioId, sound_start_time: 0, sound_end_time: 2000, sound_insert_time: 0 },
					],
				},
			],
			['images/generations', { prompt: 'A kite' }],
			['audio/text-to-audio', { prompt: 'Rain', duration: 4 }],
			['audio/video-to-audio', { video_id: videoId }],
		];
		for (const [path, body] of creates) await createOk(sim, path, body);
		expect(sim.requestsOf('create').map((r) => [r.taskKind, r.status])).toEqual([
			['text2video', 200],
			['audio/tts', 200],
			['identify-face', 200],
			['omni-video', 200],
			['video-extend', 200],
			['effects', 200],
			['avatar/image2video', 200],
			['advanced-lip-sync', 200],
			['images/generations', 200],
			['audio/text-to-audio', 200],
			['audio/video-to-audio', 200],
		]);
		const omni = [...sim.tasks.values()].find((t) => t.kind === 'omni-video')!;
		const done = await readUntilFinal(sim, 'videos/omni-video', omni.id);
		const spans = sim.events.filter((e) => e.taskId === omni.id);
		expect(spans.map((e) => e.status)).toEqual(['submitted', 'processing', 'succeed']);
		expect(spans[2].t - spans[0].t).toBeGreaterThanOrEqual(140);
		expect(spans[2].t - spans[0].t).toBeLessThan(280);
		expect(done.body.data.task_status).toBe('succeed');
		const log = (await (await fetch(`${sim.url}/__sim/log`)).json()) as Json;
		expect(log.tasks.map((t: Json) => t.id)).toContain(omni.id);
	});
});
