'use strict';
/** Several images to video: POST /kling/v1/videos/multi-image2video (image_list of 2 to 4), read at videos/multi-image2video/{id}. */
const { catalog, paths, validateVideo, videoLogBody, videoResult } = require('./shared');

function own(body) {
	const list = body.image_list;
	if (!Array.isArray(list) || list.length < 2 || list.length > 4) return [1201, 'image_list must hold 2 to 4 images'];
	if (body.model_name && !catalog.multiImageModels.includes(body.model_name))
		return [1201, `model_name ${body.model_name} does not support multi-image2video`];
	if (body.aspect_ratio !== undefined && !catalog.multiImageAspectRatios.includes(body.aspect_ratio))
		return [1201, `aspect_ratio ${body.aspect_ratio} is invalid`];
	if (body.camera_control !== undefined) return [1201, 'camera_control is not a parameter of multi-image2video'];
	return undefined;
}

module.exports = {
	kind: 'multi-image2video',
	action: 'videos',
	...paths('videos', 'multi-image2video'),
	makesVideo: true,
	defaultModel: 'kling-v1',
	validate: (body, ctx) => validateVideo(body, 'multi-image2video', ctx, own),
	imageFields: (body) => (body.image_list || []).map((entry, k) => [`image_list[${k}].image`, entry && entry.image]),
	logBody: videoLogBody,
	result: videoResult,
};
