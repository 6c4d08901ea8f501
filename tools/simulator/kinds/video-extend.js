'use strict';
/**
 * Extend a video: POST /kling/v1/videos/video-extend, read at videos/video-extend/{id}. video_id
 * must name a video Kling made (here: a finished video task of this simulator, id v-<task_id>);
 * prompt <= 500, negative_prompt <= 2500 (Kling's limit; CometAPI states none), cfg_scale 0..1.
 * The result is the whole longer video: 4.5 s more than the source (Kling says an extension adds
 * "4 to 5 seconds"; the exact figure is the simulator's choice).
 */
const { checkRange, checkText, first, invalid, paths, seconds, videoResult } = require('./shared');

const EXTENSION_S = 4.5;

module.exports = {
	kind: 'video-extend',
	action: 'videos',
	...paths('videos', 'video-extend'),
	makesVideo: true,
	defaultModel: 'kling-v1',
	validate(body, ctx) {
		return first(
			() => (typeof body.video_id === 'string' && body.video_id ? undefined : invalid('video_id is required')),
			() => checkText(body, 'prompt', 500),
			() => checkText(body, 'negative_prompt', 2500),
			() => checkRange(body, 'cfg_scale', 0, 1),
			() => ctx.checkTaskOptions(body),
		);
	},
	inputs(body, ctx) {
		const source = ctx.findVideo(body.video_id);
		if (!source)
			return invalid(`video_id ${body.video_id} is not a video Kling made (unknown, not finished, or expired)`);
		ctx.prepared.sourceTaskId = source.task.id;
		ctx.prepared.sourceDurationS = source.durationS;
		return undefined;
	},
	duration: (body, prepared) => seconds(prepared.sourceDurationS + EXTENSION_S),
	logBody: (body) => ({ ...body }),
	result: videoResult,
};
