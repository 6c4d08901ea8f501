'use strict';
/** Text to video: POST /kling/v1/videos/text2video, read at videos/text2video/{id}. */
const { paths, validateVideo, videoLogBody, videoResult } = require('./shared');

module.exports = {
	kind: 'text2video',
	action: 'videos',
	...paths('videos', 'text2video'),
	makesVideo: true,
	defaultModel: 'kling-v1',
	validate(body, ctx) {
		return validateVideo(body, 'text2video', ctx, (b) =>
			b.image || b.image_tail || b.image_list ? [1201, 'text2video does not take images'] : undefined,
		);
	},
	imageFields: () => [],
	logBody: videoLogBody,
	result: videoResult,
};
