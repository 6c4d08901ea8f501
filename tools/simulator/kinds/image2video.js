'use strict';
/**
 * Image to video: POST /kling/v1/videos/image2video, read at videos/image2video/{id}. A start
 * and/or end frame, or masks (static_mask, dynamic_masks with trajectories), or camera_control:
 * never two of those three together; no aspect_ratio (the image decides).
 */
const { paths, validateVideo, videoLogBody, videoResult } = require('./shared');

function own(body) {
	if (!body.image && !body.image_tail) return [1201, 'image and image_tail cannot both be empty'];
	if (body.aspect_ratio !== undefined) return [1201, 'aspect_ratio is not a parameter of image2video'];
	const features = [
		body.image_tail && 'image_tail',
		(body.static_mask || body.dynamic_masks) && 'masks',
		body.camera_control && 'camera_control',
	].filter(Boolean);
	if (features.length > 1) return [1201, `${features.join(', ')} cannot be used together`];
	if (body.dynamic_masks !== undefined) {
		const masks = body.dynamic_masks;
		if (!Array.isArray(masks) || masks.length < 1 || masks.length > 6)
			return [1201, 'dynamic_masks must hold 1 to 6 masks'];
		for (const entry of masks) {
			const points = entry && entry.trajectories;
			if (!Array.isArray(points) || points.length < 2 || points.length > 77)
				return [1201, 'each dynamic mask needs 2 to 77 trajectory points'];
			if (points.some((p) => !p || !Number.isInteger(p.x) || !Number.isInteger(p.y)))
				return [1201, 'trajectory points must be integer {x, y}'];
		}
	}
	return undefined;
}

module.exports = {
	kind: 'image2video',
	action: 'videos',
	...paths('videos', 'image2video'),
	makesVideo: true,
	defaultModel: 'kling-v1',
	validate: (body, ctx) => validateVideo(body, 'image2video', ctx, own),
	/** Every image of the create, checked by the core like Kling checks them. */
	imageFields: (body) => [
		...['image', 'image_tail', 'static_mask'].filter((f) => body[f] !== undefined).map((f) => [f, body[f]]),
		...(Array.isArray(body.dynamic_masks) ? body.dynamic_masks : []).map((entry, k) => [
			`dynamic_masks[${k}].mask`,
			entry && entry.mask,
		]),
	],
	logBody: videoLogBody,
	result: videoResult,
};
