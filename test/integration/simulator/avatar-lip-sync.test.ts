/**
 * Talking pictures (videos/avatar/image2video) and lip sync (videos/identify-face, then
 * videos/advanced-lip-sync, read where the option lipSyncReadPath says).
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
	makeWav,
	post,
	pngSize,
	readUntilFinal,
	useSim,
} from './helpers';
import type { Simulator } from '../../../tools/simulator/server';

const AVATAR = 'videos/avatar/image2video';
const IDENTIFY = 'videos/identify-face';
const LIP_SYNC = 'videos/advanced-lip-sync';
/** About 3.1 s of English speech at 15 characters a second. */
const SENTENCE = 'Hello there, this is a long sentence to speak.';

async function ttsAudio(sim: Simulator, text = SENTENCE): Promise<{ id: string; duration: string; url: string }> {
	const made = await post(sim, 'audio/tts', { text, voice_id: 'oversea_male1', voice_language: 'en' });
	expect(made.status).toBe(200);
	return made.body.data.task_result.audios[0];
}

/** A minimal M4A: ftyp (brand "M4A "), then moov with an mvhd stating `seconds` (timescale 1000). */
function makeM4a(seconds: number): Buffer {
	const box = (type: string, body: Buffer) => {
		const head = Buffer.alloc(8);
		head.writeUInt32BE(8 + body.length);
		head.write(type, 4, 'latin1');
		return Buffer.concat([head, body]);
	};
	const mvhd = Buffer.alloc(100);
	mvhd.writeUInt32BE(1000, 12);
	mvhd.writeUInt32BE(Math.round(seconds * 1000), 16);
	const ftyp = Buffer.from('M4A \0\0\0\0M4A isom', 'latin1');
	return Buffer.concat([box('ftyp', ftyp), box('moov', box('mvhd', mvhd))]);
}

describe('simulator: avatar', () => {
	const ctx = useSim();

	it('a picture and a TTS audio_id → a video as long as the audio', async () => {
		const { sim } = ctx;
		const audio = await ttsAudio(sim);
		expect(audio.duration).toBe('3.1');
		const id = await createOk(sim, AVATAR, {
			image: base64('product.jpg'),
			audio_id: audio.id,
			prompt: 'Smiles',
			mode: 'pro',
		});
		const done = await readUntilFinal(sim, AVATAR, id);
		const [result] = done.body.data.task_result.videos;
		expect(result).toEqual({ id: `v-${id}`, url: expect.stringContaining(`/videos/${id}.mp4`), duration: '3.1' });
		expect(isMp4((await download(result.url)).bytes)).toBe(true);
		const create = sim.requestsOf('create').find((r) => r.taskKind === 'avatar/image2video')!;
		expect(create.images).toEqual({ image: expect.objectContaining({ format: 'jpeg', width: 640, height: 360 }) });
		// Read only at its own path.
		expect((await get(sim, `videos/image2video/${id}`)).status).toBe(404);
	});

	it('a sound_file (base64 WAV, or a URL of an MP3) is judged by its header bytes: format and length', async () => {
		const { sim } = ctx;
		const wav = makeWav(4.2);
		const id = await createOk(sim, AVATAR, { image: base64('square.png'), sound_file: wav.toString('base64') });
		expect((await readUntilFinal(sim, AVATAR, id)).body.data.task_result.videos[0].duration).toBe('4.2');
		const create = sim.requestsOf('create').find((r) => r.taskId === id)!;
		expect(create.audios).toEqual({
			sound_file: expect.objectContaining({ format: 'wav', durationS: 4.2, base64Bytes: wav.length }),
		});
		expect(create.body).toMatchObject({ image: '<image>', sound_file: '<audio>' });
		// The MP3 of a TTS task, by its link: downloaded and measured (Info frame count).
		const audio = await ttsAudio(sim);
		const byUrl = await createOk(sim, AVATAR, { image: base64('square.png'), sound_file: audio.url });
		expect((await readUntilFinal(sim, AVATAR, byUrl)).body.data.task_result.videos[0].duration).toBe('3.1');
		expect(sim.requestsOf('create').find((r) => r.taskId === byUrl)!.audios).toEqual({ sound_file: audio.url });
	});

	it('refuses: no audio or both, an unknown or too short audio_id, a file that is no audio, too short, too long, too big', async () => {
		const { sim } = ctx;
		const image = base64('square.png');
		const short = await ttsAudio(sim, 'Hi there');
		const cases: Array<[Json, string]> = [
			[{ image }, 'audio_id or sound_file is required'],
			[
				{ image, audio_id: short.id, sound_file: makeWav(3).toString('base64') },
				'audio_id and sound_file cannot both be set',
			],
			[{ audio_id: short.id }, 'image is required'],
			[{ image, audio_id: 'a-nosuch' }, 'audio_id a-nosuch not found'],
			[{ image, audio_id: short.id }, `audio_id ${short.id} is 0.5s long; the audio must be 2 to 60 seconds`],
			[
				{ image, sound_file: Buffer.from('just some text, not audio').toString('base64') },
				'sound_file is not a valid mp3/wav/m4a/aac audio file',
			],
			[{ image, sound_file: makeWav(1.5).toString('base64') }, 'sound_file must be 2 to 60 seconds long (it is 1.5s)'],
			[{ image, sound_file: makeWav(61).toString('base64') }, 'sound_file must be 2 to 60 seconds long (it is 61.0s)'],
			[{ image, sound_file: Buffer.alloc(5 * 1024 * 1024 + 1).toString('base64') }, 'sound_file exceeds 5MB'],
			[
				{ image, sound_file: `data:audio/wav;base64,${makeWav(3).toString('base64')}` },
				'sound_file base64 must not carry a data: prefix',
			],
			[
				{ image, sound_file: makeWav(3).toString('base64'), prompt: 'x'.repeat(2501) },
				'prompt must not exceed 2500 characters',
			],
			[{ image, sound_file: makeWav(3).toString('base64'), mode: 'max' }, 'mode max is invalid'],
			[
				{ image: base64('too-wide.jpg'), sound_file: makeWav(3).toString('base64') },
				'image aspect ratio must be between 1:2.5 and 2.5:1',
			],
		];
		for (const [body, message] of cases) await expectRefusal(sim, AVATAR, body, message);
		expect([...sim.tasks.values()].filter((t) => t.kind === 'avatar/image2video')).toHaveLength(0);
	});

	it('AAC (ADTS) and M4A are accepted formats; an MP4 with a video track is not audio', async () => {
		const { sim } = ctx;
		const image = base64('square.png');
		// An ADTS header: the format is known, its length is not stated (the video is 5 s).
		const adts = Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc]), Buffer.alloc(64)]);
		const id = await createOk(sim, AVATAR, { image, sound_file: adts.toString('base64') });
		expect((await readUntilFinal(sim, AVATAR, id)).body.data.task_result.videos[0].duration).toBe('5.0');
		const m4a = makeM4a(3);
		const byM4a = await createOk(sim, AVATAR, { image, sound_file: m4a.toString('base64') });
		expect((await readUntilFinal(sim, AVATAR, byM4a)).body.data.task_result.videos[0].duration).toBe('3.0');
		expect(sim.requestsOf('create').find((r) => r.taskId === byM4a)!.audios).toEqual({
			sound_file: expect.objectContaining({ format: 'm4a', durationS: 3 }),
		});
		await expectRefusal(
			sim,
			AVATAR,
			{ image, sound_file: makeM4a(90).toString('base64') },
			'sound_file must be 2 to 60 seconds long (it is 90.0s)',
		);
		const { taskId } = await madeVideo(sim);
		const mp4 = await download(`${sim.cdnUrl}/videos/${taskId}.mp4?expires=${sim.tasks.get(taskId)!.expiresAt}`);
		await expectRefusal(
			sim,
			AVATAR,
			{ image, sound_file: mp4.bytes.toString('base64') },
			'sound_file is not a valid mp3/wav/m4a/aac audio file',
		);
	});
});

describe('simulator: identify-face and advanced-lip-sync', () => {
	const ctx = useSim();

	async function session(sim: Simulator, body: Json) {
		const found = await post(sim, IDENTIFY, body);
		expect(found.status).toBe(200);
		return found.body.data as { session_id: string; face_data: Json[] };
	}

	it('identify-face answers at once (no task) with a session and one face of a simulator video; its image is a PNG', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim, { duration: '10' });
		const tasksBefore = sim.tasks.size;
		const found = await post(sim, IDENTIFY, { video_id: videoId });
		expect(found.body.code).toBe(0);
		expect(found.body.data).toEqual({
			session_id: expect.stringMatching(/^\d+$/),
			face_data: [{ face_id: '0', face_image: expect.any(String), start_time: 0, end_time: 10000 }],
		});
		expect(sim.tasks.size).toBe(tasksBefore);
		expect(sim.sessions.get(found.body.data.session_id)).toMatchObject({ videoDurationMs: 10000 });
		const face = await download(found.body.data.face_data[0].face_image);
		expect(face.status).toBe(200);
		expect(face.type).toBe('image/png');
		expect(pngSize(face.bytes)).toEqual({ width: 300, height: 300 });
		const create = sim.requestsOf('create').find((r) => r.taskKind === 'identify-face')!;
		expect(create).toMatchObject({ status: 200, sessionId: found.body.data.session_id, taskId: undefined });
	});

	it('a video with no face answers face_data []; two faces for a "twofaces" URL or a [sim:twofaces] video', async () => {
		const { sim } = ctx;
		expect((await session(sim, { video_url: 'https://cdn.example.test/clips/noface.mp4' })).face_data).toEqual([]);
		const noFaceVideo = await madeVideo(sim, { prompt: 'An empty beach [sim:noface]' });
		expect((await session(sim, { video_id: noFaceVideo.videoId })).face_data).toEqual([]);
		const byUrl = await session(sim, { video_url: 'https://cdn.example.test/clips/twofaces.mov' });
		expect(byUrl.face_data.map((f: Json) => [f.face_id, f.start_time, f.end_time])).toEqual([
			['0', 0, 5000],
			['1', 1200, 5000],
		]);
		const twoVideo = await madeVideo(sim, { prompt: 'Two friends talk [sim:twofaces]' });
		expect((await session(sim, { video_id: twoVideo.videoId })).face_data).toHaveLength(2);
		expect((await session(sim, { video_url: 'https://cdn.example.test/clips/one.mp4' })).face_data).toHaveLength(1);
	});

	it('identify-face refusals: neither or both sources, an unknown video_id, a video_url that is not http(s)', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim);
		await expectRefusal(sim, IDENTIFY, {}, 'video_id or video_url is required');
		await expectRefusal(
			sim,
			IDENTIFY,
			{ video_id: videoId, video_url: 'https://x.test/a.mp4' },
			'video_id and video_url cannot both be set',
		);
		await expectRefusal(
			sim,
			IDENTIFY,
			{ video_id: 'v-gone' },
			'video_id v-gone is not a video Kling made (unknown, not finished, or expired)',
		);
		await expectRefusal(sim, IDENTIFY, { video_url: 'file:///tmp/a.mp4' }, 'video_url must be an http(s) URL');
		expect(sim.sessions.size).toBe(0);
	});

	it('advanced-lip-sync: a session, a face and an audio → a task read at videos/advanced-lip-sync; videos/lip-sync answers not found', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim, { duration: '10' });
		const { session_id, face_data } = await session(sim, { video_id: videoId });
		const audio = await ttsAudio(sim);
		const id = await createOk(sim, LIP_SYNC, {
			session_id,
			face_choose: [
				{
					face_id: face_data[0].face_id,
					audio_id: audio.id,
					sound_start_time: 0,
					sound_end_time: 3000,
					sound_insert_time: 1000,
					sound_volume: 1.5,
					original_sound_volume: 0,
				},
			],
		});
		const done = await readUntilFinal(sim, LIP_SYNC, id);
		const [result] = done.body.data.task_result.videos;
		expect(result).toMatchObject({ id: `v-${id}`, duration: '10' });
		expect(isMp4((await download(result.url)).bytes)).toBe(true);
		const other = await get(sim, `videos/lip-sync/${id}`);
		expect(other.status).toBe(404);
		expect(other.body).toMatchObject({ code: 1203, message: `task ${id} not found` });
		expect(sim.requestsOf('read').at(-1)).toMatchObject({ taskKind: 'advanced-lip-sync', status: 404 });
	});

	it('lipSyncReadPath lip-sync swaps the paths (also through /__sim/config); an unknown path is refused', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim);
		const { session_id } = await session(sim, { video_id: videoId });
		const face = {
			face_id: '0',
			sound_file: makeWav(3).toString('base64'),
			sound_start_time: 0,
			sound_end_time: 2500,
			sound_insert_time: 0,
		};
		sim.config.lipSyncReadPath = 'lip-sync';
		const id = await createOk(sim, LIP_SYNC, { session_id, face_choose: [face] });
		expect((await readUntilFinal(sim, 'videos/lip-sync', id)).body.data.task_status).toBe('succeed');
		expect((await get(sim, `${LIP_SYNC}/${id}`)).status).toBe(404);
		expect((await control(sim, 'config', { lipSyncReadPath: 'advanced-lip-sync' })).status).toBe(200);
		expect((await get(sim, `${LIP_SYNC}/${id}`)).status).toBe(200);
		expect((await get(sim, `videos/lip-sync/${id}`)).status).toBe(404);
		const bad = await control(sim, 'config', { lipSyncReadPath: 'lipsync' });
		expect(bad.status).toBe(400);
		expect(bad.body.error).toBe('lipSyncReadPath must be one of advanced-lip-sync, lip-sync (got "lipsync")');
	});

	it('advanced-lip-sync refusals, each with its message', async () => {
		const { sim } = ctx;
		const { videoId } = await madeVideo(sim);
		const { session_id } = await session(sim, { video_id: videoId });
		const audio = await ttsAudio(sim);
		const face = { face_id: '0', audio_id: audio.id, sound_start_time: 0, sound_end_time: 2500, sound_insert_time: 0 };
		const with1 = (extra: Json) => ({ session_id, face_choose: [{ ...face, ...extra }] });
		const cases: Array<[Json, string]> = [
			[{ face_choose: [face] }, 'session_id is required'],
			[{ session_id }, 'face_choose must hold at least one face'],
			[{ session_id, face_choose: [] }, 'face_choose must hold at least one face'],
			[with1({ face_id: undefined }), 'face_choose[0].face_id is required'],
			[with1({ audio_id: undefined }), 'face_choose[0].audio_id or face_choose[0].sound_file is required'],
			[
				with1({ sound_file: makeWav(3).toString('base64') }),
				'face_choose[0].audio_id and face_choose[0].sound_file cannot both be set',
			],
			[
				with1({ sound_start_time: undefined }),
				'face_choose[0].sound_start_time must be a whole number of milliseconds (0 or more)',
			],
			[
				with1({ sound_end_time: 2.5 }),
				'face_choose[0].sound_end_time must be a whole number of milliseconds (0 or more)',
			],
			[
				with1({ sound_insert_time: -1 }),
				'face_choose[0].sound_insert_time must be a whole number of milliseconds (0 or more)',
			],
			[
				with1({ sound_start_time: 1000, sound_end_time: 2999 }),
				'face_choose[0].the audio clip (sound_end_time - sound_start_time) must be at least 2000 ms',
			],
			[with1({ sound_volume: 2.5 }), 'face_choose[0].sound_volume must be a number between 0 and 2'],
			[with1({ original_sound_volume: -0.1 }), 'face_choose[0].original_sound_volume must be a number between 0 and 2'],
			[{ session_id: '123', face_choose: [face] }, 'session_id 123 is invalid or has expired'],
			[with1({ face_id: '1' }), `face_choose[0].face_id 1 is not a face of session ${session_id}`],
			[with1({ audio_id: 'a-none' }), 'face_choose[0].audio_id a-none not found'],
			[with1({ sound_end_time: 4000 }), 'face_choose[0].sound_end_time 4000 is past the end of the audio (3100 ms)'],
			[
				with1({ sound_insert_time: 5000 }),
				'face_choose[0].sound_insert_time 5000 is past the end of the video (5000 ms)',
			],
			[
				with1({ audio_id: undefined, sound_file: makeWav(1).toString('base64') }),
				'face_choose[0].sound_file must be 2 to 60 seconds long (it is 1.0s)',
			],
			[{ ...with1({}), external_task_id: 7, callback_url: 'nope' }, 'callback_url is invalid'],
		];
		for (const [body, message] of cases) await expectRefusal(sim, LIP_SYNC, body, message);
		expect([...sim.tasks.values()].filter((t) => t.kind === 'advanced-lip-sync')).toHaveLength(0);
		// A session without faces has no face to choose.
		const empty = await session(sim, { video_url: 'https://x.test/noface.mp4' });
		await expectRefusal(
			sim,
			LIP_SYNC,
			{ session_id: empty.session_id, face_choose: [face] },
			`face_choose[0].face_id 0 is not a face of session ${empty.session_id}`,
		);
	});
});
