'use strict';
/**
 * Lip sync, step 2: POST /kling/v1/videos/advanced-lip-sync makes a task from an identify-face
 * session: {session_id, face_choose: [{face_id, audio_id | sound_file, sound_start_time,
 * sound_end_time, sound_insert_time, sound_volume, original_sound_volume}]}. Times are whole ms:
 * the clip (sound_end_time - sound_start_time) at least 2000 ms and within the audio, the insert
 * point within the video; volumes 0..2 (Kling's range; CometAPI states none). The result is the
 * source video, as long as it was.
 *
 * Where the task is read is unconfirmed (CometAPI: try videos/advanced-lip-sync/{id}, then
 * videos/lip-sync/{id}): the option lipSyncReadPath picks the one that answers; the other answers
 * 404/1203 "task not found" like any wrong kind, so a client's fallback can be tested.
 */
const { checkRange, first, invalid, isObject, loadSound, logged, videoResult } = require('./shared');

const READ_PATHS = ['advanced-lip-sync', 'lip-sync'];
const isMs = (value) => Number.isInteger(value) && value >= 0;

function checkFace(entry, k) {
	const at = `face_choose[${k}].`;
	if (!isObject(entry)) return invalid(`face_choose[${k}] must be an object`);
	if (entry.face_id === undefined || entry.face_id === null || entry.face_id === '')
		return invalid(`${at}face_id is required`);
	const has = (field) => entry[field] !== undefined && entry[field] !== null && entry[field] !== '';
	if (has('audio_id') && has('sound_file')) return invalid(`${at}audio_id and ${at}sound_file cannot both be set`);
	if (!has('audio_id') && !has('sound_file')) return invalid(`${at}audio_id or ${at}sound_file is required`);
	for (const field of ['sound_start_time', 'sound_end_time', 'sound_insert_time'])
		if (!isMs(entry[field])) return invalid(`${at}${field} must be a whole number of milliseconds (0 or more)`);
	if (entry.sound_end_time - entry.sound_start_time < 2000)
		return invalid(`${at}the audio clip (sound_end_time - sound_start_time) must be at least 2000 ms`);
	return first(
		() =>
			checkRange(entry, 'sound_volume', 0, 2)
				? invalid(`${at}sound_volume must be a number between 0 and 2`)
				: undefined,
		() =>
			checkRange(entry, 'original_sound_volume', 0, 2)
				? invalid(`${at}original_sound_volume must be a number between 0 and 2`)
				: undefined,
	);
}

module.exports = {
	kind: 'advanced-lip-sync',
	action: 'videos',
	createPath: '/kling/v1/videos/advanced-lip-sync',
	readPaths: (config) => [`/kling/v1/videos/${config.lipSyncReadPath}`],
	otherReadPaths: (config) =>
		READ_PATHS.filter((p) => p !== config.lipSyncReadPath).map((p) => `/kling/v1/videos/${p}`),
	options: { lipSyncReadPath: { default: 'advanced-lip-sync', values: READ_PATHS } },
	makesVideo: true,
	defaultModel: 'kling-lip-sync',
	directiveText: () => '',
	validate(body, ctx) {
		return first(
			() => (typeof body.session_id === 'string' && body.session_id ? undefined : invalid('session_id is required')),
			() =>
				Array.isArray(body.face_choose) && body.face_choose.length
					? undefined
					: invalid('face_choose must hold at least one face'),
			...(Array.isArray(body.face_choose) ? body.face_choose.map((entry, k) => () => checkFace(entry, k)) : []),
			() => ctx.checkTaskOptions(body),
		);
	},
	async inputs(body, ctx) {
		const session = ctx.sessions.get(body.session_id);
		if (!session) return invalid(`session_id ${body.session_id} is invalid or has expired`);
		for (const [k, entry] of body.face_choose.entries()) {
			const at = `face_choose[${k}].`;
			if (!session.faces.some((face) => face.face_id === String(entry.face_id)))
				return invalid(`${at}face_id ${entry.face_id} is not a face of session ${body.session_id}`);
			const sound = {};
			const problem = await loadSound(entry, at, ctx, sound);
			if (problem) return problem;
			if (sound.durationS !== undefined && entry.sound_end_time > Math.round(sound.durationS * 1000))
				return invalid(
					`${at}sound_end_time ${entry.sound_end_time} is past the end of the audio (${Math.round(sound.durationS * 1000)} ms)`,
				);
			if (entry.sound_insert_time >= session.videoDurationMs)
				return invalid(
					`${at}sound_insert_time ${entry.sound_insert_time} is past the end of the video (${session.videoDurationMs} ms)`,
				);
		}
		ctx.prepared.sessionId = session.id;
		ctx.prepared.videoDurationS = session.videoDurationMs / 1000;
		return undefined;
	},
	duration: (body, prepared) => String(prepared.videoDurationS),
	logBody(body) {
		if (!Array.isArray(body.face_choose)) return { ...body };
		return {
			...body,
			face_choose: body.face_choose.map((entry) =>
				isObject(entry) && entry.sound_file !== undefined
					? { ...entry, sound_file: logged(entry.sound_file, '<audio>') }
					: entry,
			),
		};
	},
	result: videoResult,
};
