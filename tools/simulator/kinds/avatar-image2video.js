'use strict';
/**
 * Avatar (a talking picture): POST /kling/v1/videos/avatar/image2video, read at
 * videos/avatar/image2video/{id}. image (URL or raw base64, checked like every Kling image);
 * exactly one of audio_id (a TTS audio of this simulator, 2-60 s) or sound_file (URL or base64;
 * MP3/WAV/M4A/AAC judged by its header bytes, <= 5 MB, 2-60 s where the format states its length);
 * prompt <= 2500 (optional here: one CometAPI locale marks it required, the others do not); mode.
 * The video is as long as the audio (5 s when its length cannot be read, as for AAC).
 */
const {
	checkEnum,
	checkText,
	exactlyOne,
	first,
	invalid,
	loadSound,
	logged,
	paths,
	seconds,
	videoResult,
} = require('./shared');

module.exports = {
	kind: 'avatar/image2video',
	action: 'videos',
	...paths('videos', 'avatar/image2video'),
	makesVideo: true,
	defaultModel: 'kling-avatar',
	validate(body, ctx) {
		return first(
			() => (typeof body.image === 'string' && body.image ? undefined : invalid('image is required')),
			() => exactlyOne(body, 'audio_id', 'sound_file'),
			() => checkText(body, 'prompt', 2500),
			() => checkEnum(body, 'mode', ['std', 'pro']),
			() => ctx.checkTaskOptions(body),
		);
	},
	imageFields: (body) => [['image', body.image]],
	async inputs(body, ctx) {
		const sound = {};
		const problem = await loadSound(body, '', ctx, sound);
		if (problem) return problem;
		ctx.prepared.audioDurationS = sound.durationS ?? 5;
		return undefined;
	},
	duration: (body, prepared) => seconds(prepared.audioDurationS),
	logBody(body) {
		const out = { ...body };
		if (out.image !== undefined) out.image = logged(out.image);
		if (out.sound_file !== undefined) out.sound_file = logged(out.sound_file, '<audio>');
		return out;
	},
	result: videoResult,
};
