'use strict';
/**
 * What several kind modules share: the shape of a refusal, field checks that word their messages
 * the way the first three kinds always have, and the `videos` result every video kind returns.
 */
const { isUrl } = require('../media');
// The node's own list of models, ratios and camera settings: one source for both.
const catalog = require('../../../nodes/KlingCometApi/helpers/kling-catalog.json');

/** A refused create: HTTP status and a Kling code (1201 = invalid parameter, the usual one). */
const refusal = (code, message, status = 400) => ({ status, code, message });
const invalid = (message) => refusal(1201, message);

const isObject = (value) => Boolean(value) && typeof value === 'object' && !Array.isArray(value);

/** A string field: required or not, at most `max` characters. */
function checkText(body, field, max, { required = false } = {}) {
	const value = body[field];
	if (value === undefined || value === null || value === '') {
		return required ? invalid(`${field} is required`) : undefined;
	}
	if (typeof value !== 'string') return invalid(`${field} must be a string`);
	if (required && !value.trim()) return invalid(`${field} is required`);
	if (value.length > max) return invalid(`${field} must not exceed ${max} characters`);
	return undefined;
}

/** A field that must be one of `allowed` when present. */
function checkEnum(body, field, allowed, { required = false } = {}) {
	const value = body[field];
	if (value === undefined) return required ? invalid(`${field} is required`) : undefined;
	if (!allowed.includes(value)) return invalid(`${field} ${value} is invalid`);
	return undefined;
}

/** A number in [min, max] when present (cfg_scale, image_fidelity, volumes). */
function checkRange(body, field, min, max, { required = false } = {}) {
	const value = body[field];
	if (value === undefined) return required ? invalid(`${field} is required`) : undefined;
	if (!(typeof value === 'number' && value >= min && value <= max))
		return invalid(`${field} must be a number between ${min} and ${max}`);
	return undefined;
}

/** The first refusal among checks run in order. */
const first = (...checks) => {
	for (const check of checks) {
		const result = typeof check === 'function' ? check() : check;
		if (result) return result;
	}
	return undefined;
};

/** A URL in the request log as it is; base64 as a placeholder. */
const logged = (value, placeholder = '<image>') =>
	typeof value === 'string' && /^https?:/.test(value) ? value : placeholder;

/** The `videos` task result (content filtering can leave it empty; [sim:dataurl] inlines the MP4). */
function videoResult(task, ctx) {
	if (task.noVideo) return { videos: [] };
	return {
		videos: [
			{
				id: `v-${task.id}`,
				url: task.dataUrl ? `data:video/mp4;base64,${ctx.media.mp4().toString('base64')}` : ctx.videoUrl(task),
				duration: task.duration,
			},
		],
	};
}

/**
 * The checks text2video, image2video and multi-image2video have always shared, in their order:
 * prompt, negative_prompt, aspect_ratio, duration, mode, cfg_scale, sound, camera_control, then
 * callback_url and external_task_id (the core's), then the kind's own rules.
 */
function validateVideoBase(body, kind, ctx) {
	if (!body || typeof body !== 'object') return [1200, 'Request body must be a JSON object'];
	const max = ctx.config.maxPromptLength;
	if (kind === 'image2video' && body.prompt === undefined) {
		// Optional for image-to-video.
	} else if (typeof body.prompt !== 'string' || !body.prompt.trim()) return [1201, 'prompt is required'];
	else if (body.prompt.length > max) return [1201, `prompt must not exceed ${max} characters`];
	if (
		body.negative_prompt !== undefined &&
		(typeof body.negative_prompt !== 'string' || body.negative_prompt.length > 2500)
	) {
		return [1201, 'negative_prompt must be a string of at most 2500 characters'];
	}
	if (body.aspect_ratio !== undefined && !catalog.aspectRatios.includes(body.aspect_ratio))
		return [1201, `aspect_ratio ${body.aspect_ratio} is invalid`];
	if (body.duration !== undefined) {
		const model = body.model_name || 'kling-v1';
		const allowed = model.startsWith('kling-v3') ? Array.from({ length: 13 }, (_, k) => String(k + 3)) : ['5', '10'];
		if (!allowed.includes(String(body.duration))) return [1201, `duration ${body.duration} is invalid for ${model}`];
	}
	if (body.mode !== undefined && !['std', 'pro'].includes(body.mode)) return [1201, `mode ${body.mode} is invalid`];
	if (
		body.cfg_scale !== undefined &&
		!(typeof body.cfg_scale === 'number' && body.cfg_scale >= 0 && body.cfg_scale <= 1)
	) {
		return [1201, 'cfg_scale must be a number between 0 and 1'];
	}
	if (body.sound !== undefined && !['on', 'off'].includes(body.sound)) return [1201, 'sound must be on or off'];
	if (body.camera_control !== undefined) {
		const cc = body.camera_control;
		if (!cc || !catalog.cameraTypes.includes(cc.type)) return [1201, 'camera_control.type is invalid'];
		if (cc.type === 'simple') {
			const cfg = cc.config || {};
			const nonZero = catalog.cameraAxes.filter((a) => cfg[a] !== undefined && cfg[a] !== 0);
			if (nonZero.length !== 1 || nonZero.some((a) => Math.abs(cfg[a]) > 10)) {
				return [1201, 'camera_control.config must have exactly one non-zero axis in [-10, 10]'];
			}
		} else if (cc.config !== undefined) {
			return [1201, `camera_control.config must be omitted for type ${cc.type}`];
		}
	}
	const common = ctx.checkTaskOptions(body);
	if (common) return [common.code, common.message];
	return undefined;
}

/** Runs the shared checks, then the kind's own; a refusal object or undefined. */
function validateVideo(body, kind, ctx, own) {
	const problem = validateVideoBase(body, kind, ctx) || own(body);
	return problem ? refusal(problem[0], problem[1]) : undefined;
}

/** The request log's copy of a video create: images as URLs or '<image>', never base64. */
function videoLogBody(body) {
	const { image, image_tail, image_list, static_mask, dynamic_masks, ...rest } = body;
	const out = rest;
	if (image !== undefined) out.image = logged(image);
	if (image_tail !== undefined) out.image_tail = logged(image_tail);
	if (static_mask !== undefined) out.static_mask = logged(static_mask);
	if (dynamic_masks !== undefined)
		out.dynamic_masks = Array.isArray(dynamic_masks)
			? dynamic_masks.map((e) => ({ mask: logged(e?.mask), trajectories: e?.trajectories }))
			: dynamic_masks;
	if (image_list !== undefined)
		out.image_list = Array.isArray(image_list) ? image_list.map((e) => ({ image: logged(e?.image) })) : image_list;
	return out;
}

/**
 * The `audios` result of Kling's sound kinds (text-to-audio, video-to-audio). CometAPI documents no
 * result shape for them; this is Kling's own API's ({id, url_mp3, url_wav, duration_mp3,
 * duration_wav}, durations as strings of seconds), as its docs and public clients show it:
 * fairly sure of the field names, less of whether CometAPI passes all of them through.
 */
function soundResult(task, ctx) {
	if (task.noVideo) return { audios: [] };
	return {
		audios: [
			{
				id: `a-${task.id}`,
				url_mp3: ctx.fileUrl(task, 'audio.mp3'),
				url_wav: ctx.fileUrl(task, 'audio.wav'),
				duration_mp3: task.duration,
				duration_wav: task.duration,
			},
		],
	};
}

/** The CDN's audio.mp3 / audio.wav of a sound task: silent, as long as the task says. */
function soundFile(task, name, ctx) {
	if (task.noVideo) return undefined;
	if (name === 'audio.mp3') return { contentType: 'audio/mpeg', body: ctx.media.mp3(Number(task.duration)) };
	if (name === 'audio.wav') return { contentType: 'audio/wav', body: ctx.media.wav(Number(task.duration)) };
	return undefined;
}

/** Exactly one of two fields (video_id / video_url, audio_id / sound_file), with Kling-style messages. */
function exactlyOne(body, a, b, prefix = '') {
	const has = (field) => body[field] !== undefined && body[field] !== null && body[field] !== '';
	if (has(a) && has(b)) return invalid(`${prefix}${a} and ${prefix}${b} cannot both be set`);
	if (!has(a) && !has(b)) return invalid(`${prefix}${a} or ${prefix}${b} is required`);
	return undefined;
}

/**
 * The audio of an avatar or a lip-sync face: audio_id (a finished TTS audio, 2-60 s) or sound_file
 * (downloaded or decoded and checked; the request log keeps a summary in `audios`). Its length in
 * seconds goes to out.durationS (undefined when the format does not state it).
 */
async function loadSound(entry, prefix, ctx, out) {
	if (entry.audio_id !== undefined && entry.audio_id !== null && entry.audio_id !== '') {
		const audio = ctx.findAudio(entry.audio_id);
		if (!audio) return invalid(`${prefix}audio_id ${entry.audio_id} not found`);
		if (audio.durationS < 2 || audio.durationS > 60)
			return invalid(
				`${prefix}audio_id ${entry.audio_id} is ${audio.durationS}s long; the audio must be 2 to 60 seconds`,
			);
		out.durationS = audio.durationS;
		return undefined;
	}
	const field = `${prefix}sound_file`;
	const loaded = await ctx.media.loadAudio(field, entry.sound_file);
	ctx.record.audios = {
		...ctx.record.audios,
		[field]:
			typeof entry.sound_file === 'string' ? ctx.media.audioSummary(entry.sound_file, loaded.buffer) : entry.sound_file,
	};
	if (loaded.problem) return invalid(loaded.problem);
	out.durationS = ctx.media.audioInfo(loaded.buffer).durationS;
	return undefined;
}

/** A duration string the way Kling writes them: seconds with one decimal ("4.2"). */
const seconds = (value) => (Math.round(value * 10) / 10).toFixed(1);

/** Where a task of the kind `name` is created and read: POST/GET /kling/v1/<action>/<name>. */
const paths = (action, name) => ({
	createPath: `/kling/v1/${action}/${name}`,
	readPaths: [`/kling/v1/${action}/${name}`],
});

module.exports = {
	catalog,
	refusal,
	invalid,
	isObject,
	isUrl,
	checkText,
	checkEnum,
	checkRange,
	first,
	logged,
	videoResult,
	soundResult,
	soundFile,
	exactlyOne,
	loadSound,
	seconds,
	validateVideo,
	videoLogBody,
	paths,
};
