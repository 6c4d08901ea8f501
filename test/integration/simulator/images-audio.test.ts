/**
 * Image generation (images/generations) and the sound kinds: text to speech (audio/tts, at once
 * or as a task, with its nested error shape), text to audio and video to audio.
 */
import type { Json } from './helpers';
import {
	base64,
	createOk,
	download,
	expectRefusal,
	get,
	isMp3,
	isMp4,
	madeVideo,
	post,
	pngSize,
	readUntilFinal,
	useSim,
	wavSeconds,
} from './helpers';

const IMAGES = 'images/generations';
const TTS = 'audio/tts';
const T2A = 'audio/text-to-audio';
const V2A = 'audio/video-to-audio';
const voice = { voice_id: 'oversea_male1', voice_language: 'en' };

/** The MP3 frame count an Info/Xing frame states (MPEG-2 mono: the tag after 4 + 9 bytes), or undefined. */
function mp3InfoFrames(bytes: Buffer): number | undefined {
	const at = 13;
	const tag = bytes.toString('latin1', at, at + 4);
	if (tag !== 'Info' && tag !== 'Xing') return undefined;
	return bytes.readUInt32BE(at + 8);
}

describe('simulator: images/generations', () => {
	const ctx = useSim();

	it('n images of the aspect ratio: task_result.images [{index, url}], each a real PNG of its own colour', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, IMAGES, {
			model_name: 'kling-v2',
			prompt: 'A red fox in snow',
			negative_prompt: 'text',
			n: 3,
			aspect_ratio: '16:9',
		});
		const done = await readUntilFinal(sim, IMAGES, id);
		const images = done.body.data.task_result.images;
		expect(images.map((i: Json) => i.index)).toEqual([0, 1, 2]);
		const files = await Promise.all(images.map((i: Json) => download(i.url)));
		for (const file of files) {
			expect(file.status).toBe(200);
			expect(file.type).toBe('image/png');
			expect(pngSize(file.bytes)).toEqual({ width: 533, height: 300 });
		}
		expect(files[0].bytes.equals(files[1].bytes)).toBe(false);
		expect(done.body.data.task_result.videos).toBeUndefined();
		// Not a video task: no MP4 under its id, no image past n.
		expect((await download(`${sim.cdnUrl}/videos/${id}.mp4`)).status).toBe(404);
		expect((await download(images[2].url.replace('image-2', 'image-3'))).status).toBe(404);
		expect(sim.requestsOf('create')[0]).toMatchObject({ taskKind: 'images/generations', images: {} });
	});

	it('a reference image with image_fidelity; the default is one square image; links expire like every link', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, IMAGES, { prompt: 'Like this', image: base64('product.jpg'), image_fidelity: 0.7 });
		const done = await readUntilFinal(sim, IMAGES, id);
		const [only] = done.body.data.task_result.images;
		expect(done.body.data.task_result.images).toHaveLength(1);
		expect(pngSize((await download(only.url)).bytes)).toEqual({ width: 300, height: 300 });
		expect(sim.requestsOf('create')[0].images).toEqual({
			image: expect.objectContaining({ format: 'jpeg', width: 640, height: 360 }),
		});
		sim.expireLinks(id);
		const expired = await download(only.url);
		expect(expired.status).toBe(403);
		expect(expired.bytes.toString()).toContain('Request has expired');
	});

	it('each documented limit refused with its message', async () => {
		const { sim } = ctx;
		const cases: Array<[Json, string]> = [
			[{}, 'prompt is required'],
			[{ prompt: 'x'.repeat(501) }, 'prompt must not exceed 500 characters'],
			[{ prompt: 'a', negative_prompt: 'x'.repeat(201) }, 'negative_prompt must not exceed 200 characters'],
			[{ prompt: 'a', image_fidelity: 1.2 }, 'image_fidelity must be a number between 0 and 1'],
			[{ prompt: 'a', human_fidelity: -0.2 }, 'human_fidelity must be a number between 0 and 1'],
			[{ prompt: 'a', n: 0 }, 'n must be a whole number from 1 to 9'],
			[{ prompt: 'a', n: 10 }, 'n must be a whole number from 1 to 9'],
			[{ prompt: 'a', n: 1.5 }, 'n must be a whole number from 1 to 9'],
			[{ prompt: 'a', aspect_ratio: '5:4' }, 'aspect_ratio 5:4 is invalid'],
			[{ prompt: 'a', resolution: '4k' }, 'resolution 4k is invalid'],
			[{ prompt: 'a', image: base64('too-small.png') }, 'image resolution must be at least 300x300px'],
			[{ prompt: 'a', image: 'data:image/png;base64,AAAA' }, 'image base64 must not carry a data: prefix'],
			[{ prompt: 'a', callback_url: 'ftp://x' }, 'callback_url is invalid'],
		];
		for (const [body, message] of cases) await expectRefusal(sim, IMAGES, body, message);
		expect(sim.tasks.size).toBe(0);
		await createOk(sim, IMAGES, { prompt: 'x'.repeat(500), n: 9, aspect_ratio: '21:9' });
	});

	it('[sim:novideo] finishes with no images; [sim:fail] fails with the reason', async () => {
		const { sim } = ctx;
		const empty = await createOk(sim, IMAGES, { prompt: 'filtered [sim:novideo]' });
		expect((await readUntilFinal(sim, IMAGES, empty)).body.data).toMatchObject({
			task_status: 'succeed',
			task_result: { images: [] },
		});
		const failed = await createOk(sim, IMAGES, { prompt: 'bad [sim:fail]' });
		expect((await readUntilFinal(sim, IMAGES, failed)).body.data).toMatchObject({
			task_status: 'failed',
			task_status_msg: 'Failure to pass the risk control system',
		});
	});
});

describe('simulator: audio/tts', () => {
	const ctx = useSim();

	it('answers at once (default): the create carries the finished audio, an MP3 whose Info frame states its length', async () => {
		const { sim } = ctx;
		const made = await post(sim, TTS, {
			text: 'Hello there, this is a long sentence to speak.',
			...voice,
			voice_speed: 1,
		});
		expect(made.status).toBe(200);
		expect(made.body.code).toBe(0);
		const data = made.body.data;
		expect(data).toMatchObject({ task_status: 'succeed', task_status_msg: '' });
		const [audio] = data.task_result.audios;
		expect(audio).toEqual({ id: `a-${data.task_id}`, url: expect.stringContaining('/audio.mp3'), duration: '3.1' });
		const file = await download(audio.url);
		expect(file.type).toBe('audio/mpeg');
		expect(isMp3(file.bytes)).toBe(true);
		// 16 kHz MPEG-2 layer III: 576 samples a frame.
		expect(((mp3InfoFrames(file.bytes) ?? 0) * 576) / 16000).toBeCloseTo(3.1, 1);
		// Readable afterwards too, at audio/tts.
		expect((await get(sim, `${TTS}/${data.task_id}`)).body.data.task_status).toBe('succeed');
		expect(sim.events.filter((e) => e.taskId === data.task_id).map((e) => e.status)).toEqual(['succeed']);
	});

	it('ttsMode task: submitted, then read at audio/tts until succeed', async () => {
		const { sim } = ctx;
		sim.config.ttsMode = 'task';
		const created = await post(sim, TTS, { text: 'Ni hao', voice_id: 'genshin_vindi2', voice_language: 'zh' });
		expect(created.body.data).toEqual({
			task_id: expect.any(String),
			task_status: 'submitted',
			task_info: {},
			created_at: expect.any(Number),
			updated_at: expect.any(Number),
		});
		const done = await readUntilFinal(sim, TTS, created.body.data.task_id);
		// 6 characters of Chinese at 5 a second.
		expect(done.body.data.task_result.audios[0].duration).toBe('1.2');
		expect(sim.events.filter((e) => e.taskId === created.body.data.task_id).map((e) => e.status)).toEqual([
			'submitted',
			'processing',
			'succeed',
		]);
	});

	it('voice_speed outside 0.8..2.0 is clamped, as CometAPI documents, not refused', async () => {
		const { sim } = ctx;
		const text = 'x'.repeat(60);
		const at = async (voice_speed: number) =>
			(await post(sim, TTS, { text, ...voice, voice_speed })).body.data.task_result.audios[0].duration;
		expect(await at(2)).toBe('2.0');
		expect(await at(5)).toBe('2.0');
		expect(await at(0.8)).toBe('5.0');
		expect(await at(0.1)).toBe('5.0');
	});

	it('refusals nest the Kling code at data.data.code, as CometAPI documents for TTS', async () => {
		const { sim } = ctx;
		const refused = await post(sim, TTS, { text: 'Hello', voice_id: 'oversea_male1', voice_language: 'zh' });
		expect(refused.status).toBe(400);
		expect(refused.body).toEqual({
			message: 'Voice id not found',
			data: {
				data: { code: 1201, message: 'Voice id not found', request_id: expect.any(String) },
				message: 'Voice id not found',
			},
		});
		expect(refused.body.code).toBeUndefined();
		const cases: Array<[Json, string]> = [
			[{ ...voice }, 'text is required'],
			[{ text: 'x'.repeat(1001), ...voice }, 'text must not exceed 1000 characters'],
			[{ text: 'a', voice_language: 'en' }, 'voice_id is required'],
			[{ text: 'a', voice_id: 'oversea_male1' }, 'voice_language is required'],
			[{ text: 'a', voice_id: 'oversea_male1', voice_language: 'fr' }, 'voice_language fr is invalid'],
			[{ text: 'a', ...voice, voice_speed: 'fast' }, 'voice_speed must be a number'],
			[{ text: 'a', voice_id: 'nobody', voice_language: 'en' }, 'Voice id not found'],
			[{ text: 'a', ...voice, callback_url: 'x' }, 'callback_url is invalid'],
		];
		for (const [body, message] of cases) {
			const answer = await post(sim, TTS, body);
			expect([answer.status, answer.body.data.data.code, answer.body.data.data.message, answer.body.message]).toEqual([
				400,
				1201,
				message,
				message,
			]);
		}
		// Also the core's refusals and a read of an unknown task.
		await post(sim, TTS, { text: 'a', ...voice, external_task_id: 'mine' });
		const duplicate = await post(sim, TTS, { text: 'b', ...voice, external_task_id: 'mine' });
		expect(duplicate.body.data.data).toMatchObject({ code: 1201, message: 'external_task_id already exists' });
		const unsafe = await post(sim, TTS, { text: 'bad [sim:unsafe]', ...voice });
		expect([unsafe.status, unsafe.body.data.data.code]).toEqual([400, 1301]);
		const missing = await get(sim, `${TTS}/nosuch`);
		expect([missing.status, missing.body.data.data.code, missing.body.message]).toEqual([
			404,
			1203,
			'task nosuch not found',
		]);
	});
});

describe('simulator: audio/text-to-audio and audio/video-to-audio', () => {
	const ctx = useSim();

	async function soundFiles(result: Json) {
		const mp3 = await download(result.url_mp3);
		const wav = await download(result.url_wav);
		return { mp3, wav };
	}

	it('text-to-audio: Kling audios [{id, url_mp3, url_wav, duration_mp3, duration_wav}]; both files real', async () => {
		const { sim } = ctx;
		const id = await createOk(sim, T2A, { prompt: 'Soft ocean waves', duration: 5.5 });
		const done = await readUntilFinal(sim, T2A, id);
		const [audio] = done.body.data.task_result.audios;
		expect(audio).toEqual({
			id: `a-${id}`,
			url_mp3: expect.stringContaining(`/files/${id}/audio.mp3`),
			url_wav: expect.stringContaining(`/files/${id}/audio.wav`),
			duration_mp3: '5.5',
			duration_wav: '5.5',
		});
		const { mp3, wav } = await soundFiles(audio);
		expect(mp3.type).toBe('audio/mpeg');
		expect(isMp3(mp3.bytes)).toBe(true);
		expect(wav.type).toBe('audio/wav');
		expect(wavSeconds(wav.bytes)).toBe(5.5);
		// Its id is no audio_id (only TTS audio is).
		await expectRefusal(
			sim,
			'videos/avatar/image2video',
			{ image: base64('square.png'), audio_id: audio.id },
			`audio_id ${audio.id} not found`,
		);
		const asText = await createOk(sim, T2A, { prompt: 'Rain', duration: '3' });
		expect((await readUntilFinal(sim, T2A, asText)).body.data.task_result.audios[0].duration_mp3).toBe('3.0');
	});

	it('text-to-audio refusals: prompt <= 200, duration 3.0..10.0 with one decimal', async () => {
		const { sim } = ctx;
		const bad = (d: unknown) => `duration ${d} is invalid: 3.0 to 10.0 seconds, at most one decimal`;
		const cases: Array<[Json, string]> = [
			[{ duration: 5 }, 'prompt is required'],
			[{ prompt: 'x'.repeat(201), duration: 5 }, 'prompt must not exceed 200 characters'],
			[{ prompt: 'a' }, 'duration is required'],
			[{ prompt: 'a', duration: 2.9 }, bad(2.9)],
			[{ prompt: 'a', duration: 10.1 }, bad(10.1)],
			[{ prompt: 'a', duration: 5.55 }, bad(5.55)],
			[{ prompt: 'a', duration: 'long' }, bad('long')],
			[{ prompt: 'a', duration: true }, bad(true)],
		];
		for (const [body, message] of cases) await expectRefusal(sim, T2A, body, message);
		await createOk(sim, T2A, { prompt: 'x'.repeat(200), duration: 10 });
		await createOk(sim, T2A, { prompt: 'a', duration: 3.0 });
	});

	it('video-to-audio: the video with its new sound and the sound alone, as long as the source', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim, { duration: '10' });
		const id = await createOk(sim, V2A, {
			video_id: videoId,
			sound_effect_prompt: 'Waves',
			bgm_prompt: 'Calm piano',
			asmr_mode: false,
		});
		const result = (await readUntilFinal(sim, V2A, id)).body.data.task_result;
		expect(result.videos).toEqual([
			{ id: `v-${id}`, url: expect.stringContaining(`/videos/${id}.mp4`), duration: '10' },
		]);
		expect(result.audios[0]).toMatchObject({ id: `a-${id}`, duration_mp3: '10', duration_wav: '10' });
		expect(isMp4((await download(result.videos[0].url)).bytes)).toBe(true);
		const { mp3, wav } = await soundFiles(result.audios[0]);
		expect(isMp3(mp3.bytes)).toBe(true);
		expect(wavSeconds(wav.bytes)).toBe(10);
		// By URL: not downloaded, 5 s.
		const byUrl = await createOk(sim, V2A, { video_url: 'https://cdn.example.test/clip.mp4' });
		expect((await readUntilFinal(sim, V2A, byUrl)).body.data.task_result.videos[0].duration).toBe('5');
		// Its video is a video Kling made, so it can be extended.
		await createOk(sim, 'videos/video-extend', { video_id: result.videos[0].id });
	});

	it('video-to-audio refusals: exactly one source, a known video of 3 to 20 s, the prompts <= 200', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim);
		const cases: Array<[Json, string]> = [
			[{}, 'video_id or video_url is required'],
			[{ video_id: videoId, video_url: 'https://x.test/a.mp4' }, 'video_id and video_url cannot both be set'],
			[{ video_id: 'v-unknown' }, 'video_id v-unknown is not a video Kling made (unknown, not finished, or expired)'],
			[{ video_url: 'x.mp4' }, 'video_url must be an http(s) URL'],
			[
				{ video_id: videoId, sound_effect_prompt: 'x'.repeat(201) },
				'sound_effect_prompt must not exceed 200 characters',
			],
			[{ video_id: videoId, bgm_prompt: 'x'.repeat(201) }, 'bgm_prompt must not exceed 200 characters'],
			[{ video_id: videoId, asmr_mode: 'yes' }, 'asmr_mode must be true or false'],
		];
		for (const [body, message] of cases) await expectRefusal(sim, V2A, body, message);
		// A video longer than 20 s: kling-v3's 15 s, extended (19.5 s), extended again (24 s).
		const long = await madeVideo(sim, { model_name: 'kling-v3', duration: '15' });
		const extend = async (video_id: string, ms = 5000) => {
			const id = await createOk(sim, 'videos/video-extend', { video_id });
			return (await readUntilFinal(sim, 'videos/video-extend', id, ms)).body.data.task_result.videos[0];
		};
		const once = await extend(long.videoId);
		await createOk(sim, V2A, { video_id: once.id });
		const twice = await extend(once.id);
		expect(twice.duration).toBe('24.0');
		await expectRefusal(
			sim,
			V2A,
			{ video_id: twice.id },
			'the video is 24s long; video-to-audio takes videos of 3 to 20 seconds',
		);
	});
});
