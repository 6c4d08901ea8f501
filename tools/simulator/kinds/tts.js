'use strict';
/**
 * Text to speech: POST /kling/v1/audio/tts. text <= 1000, voice_id, voice_language zh|en (the
 * voice must speak it: else "Voice id not found", CometAPI's documented error), voice_speed
 * 0.8..2.0, which CometAPI documents as clamped into that range, not refused.
 *
 * Answers at once or as a task? Kling's own API documents only a create whose answer already
 * carries task_status and task_result.audios [{id, url, duration}], and public clients treat TTS
 * as immediate; a sister gateway documents a task to poll. Both are plausible, so the option
 * ttsMode picks: 'immediate' (default: the create answers with the finished task, one callback)
 * or 'task' (submitted → processing → succeed, read at audio/tts/{id}). Reads work in both modes.
 * The audio's id (a-<task_id>) is an audio_id for avatar and lip sync.
 *
 * Refusals have CometAPI's documented TTS shape, the Kling code nested at data.data.code:
 *   {message, data: {data: {code, message, request_id}, message}}.
 */
const { checkText, first, invalid, paths, refusal, seconds } = require('./shared');

/**
 * Voices the simulator knows → the languages each speaks. A few of Kling's published voice ids
 * (its list has dozens and changes; several ids exist in both the Chinese and the English list):
 * an illustrative subset, not the full list. The option ttsVoices replaces it.
 */
const VOICES = {
	genshin_vindi2: ['zh', 'en'],
	genshin_klee2: ['zh', 'en'],
	genshin_kirara: ['zh', 'en'],
	ai_kaiya: ['zh', 'en'],
	zhinen_xuesheng: ['zh'],
	ai_shatang: ['zh'],
	oversea_male1: ['en'],
	AOT: ['en'],
	uk_boy1: ['en'],
	calm_story1: ['en'],
};

const speedOf = (body) => Math.round(Math.min(2, Math.max(0.8, body.voice_speed ?? 1)) * 10) / 10;

/** About how long the text takes to say: 15 characters a second in English, 5 in Chinese, over the speed. */
const speechSeconds = (body) =>
	Math.max(0.5, body.text.length / (body.voice_language === 'en' ? 15 : 5) / speedOf(body));

module.exports = {
	kind: 'audio/tts',
	action: 'audio',
	...paths('audio', 'tts'),
	makesAudioId: true,
	defaultModel: 'kling-tts',
	VOICES,
	options: {
		ttsMode: { default: 'immediate', values: ['immediate', 'task'] },
		ttsVoices: { default: () => structuredClone(VOICES) },
	},
	answersAtOnce: (config) => config.ttsMode === 'immediate',
	directiveText: (body) => body.text,
	validate(body, ctx) {
		return first(
			() => checkText(body, 'text', 1000, { required: true }),
			() => (typeof body.voice_id === 'string' && body.voice_id ? undefined : invalid('voice_id is required')),
			() => (body.voice_language === undefined ? invalid('voice_language is required') : undefined),
			() =>
				['zh', 'en'].includes(body.voice_language)
					? undefined
					: invalid(`voice_language ${body.voice_language} is invalid`),
			() =>
				body.voice_speed !== undefined && !(typeof body.voice_speed === 'number' && Number.isFinite(body.voice_speed))
					? invalid('voice_speed must be a number')
					: undefined,
			() =>
				(ctx.config.ttsVoices[body.voice_id] || []).includes(body.voice_language)
					? undefined
					: refusal(1201, 'Voice id not found'),
			() => ctx.checkTaskOptions(body),
		);
	},
	duration: (body) => seconds(speechSeconds(body)),
	logBody: (body) => ({ ...body }),
	result(task, ctx) {
		if (task.noVideo) return { audios: [] };
		return { audios: [{ id: `a-${task.id}`, url: ctx.fileUrl(task, 'audio.mp3'), duration: task.duration }] };
	},
	file(task, name, ctx) {
		if (task.noVideo || name !== 'audio.mp3') return undefined;
		return { contentType: 'audio/mpeg', body: ctx.media.mp3(Number(task.duration)) };
	},
	errorBody: (code, message, requestId) => ({
		message,
		data: { data: { code, message, request_id: requestId }, message },
	}),
};
