'use strict';
/**
 * Video to audio (a soundtrack for a video): POST /kling/v1/audio/video-to-audio, read at
 * audio/video-to-audio/{id}. Exactly one of video_id (a video this simulator made, 3-20 s) or
 * video_url (http(s); not downloaded, so its length is known only for this simulator's own links);
 * sound_effect_prompt and bgm_prompt <= 200 and asmr_mode true|false (Kling's fields). The result
 * carries the video with its new sound (videos [{id, url, duration}]) and the sound alone (audios,
 * see shared.soundResult): Kling's own shape, CometAPI documents none.
 */
const {
	checkText,
	exactlyOne,
	first,
	invalid,
	isUrl,
	paths,
	soundFile,
	soundResult,
	videoResult,
} = require('./shared');

module.exports = {
	kind: 'audio/video-to-audio',
	action: 'audio',
	...paths('audio', 'video-to-audio'),
	makesVideo: true,
	defaultModel: 'kling-audio',
	directiveText: (body) => [body.sound_effect_prompt, body.bgm_prompt].filter((t) => typeof t === 'string').join(' '),
	validate(body, ctx) {
		return first(
			() => exactlyOne(body, 'video_id', 'video_url'),
			() =>
				body.video_url !== undefined && !isUrl(body.video_url)
					? invalid('video_url must be an http(s) URL')
					: undefined,
			() => checkText(body, 'sound_effect_prompt', 200),
			() => checkText(body, 'bgm_prompt', 200),
			() =>
				body.asmr_mode !== undefined && typeof body.asmr_mode !== 'boolean'
					? invalid('asmr_mode must be true or false')
					: undefined,
			() => ctx.checkTaskOptions(body),
		);
	},
	inputs(body, ctx) {
		const source = body.video_id !== undefined ? ctx.findVideo(body.video_id) : ctx.findVideoByUrl(body.video_url);
		if (body.video_id !== undefined && !source)
			return invalid(`video_id ${body.video_id} is not a video Kling made (unknown, not finished, or expired)`);
		const length = source ? source.durationS : 5;
		if (length < 3 || length > 20)
			return invalid(`the video is ${length}s long; video-to-audio takes videos of 3 to 20 seconds`);
		ctx.prepared.sourceDurationS = length;
		return undefined;
	},
	duration: (body, prepared) => String(prepared.sourceDurationS),
	logBody: (body) => ({ ...body }),
	result: (task, ctx) => ({ ...videoResult(task, ctx), ...soundResult(task, ctx) }),
	file: soundFile,
};
