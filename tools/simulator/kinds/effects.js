'use strict';
/**
 * Video effects: POST /kling/v1/videos/effects, read at videos/effects/{id}.
 *
 * {effect_scene, input: {model_name, mode, duration, image | images}}: a one-image scene takes
 * input.image, a two-person scene exactly two input.images. CometAPI rejects scenes it does not
 * know, and says not to rely on a fixed list (availability changes by model and scene family):
 * EFFECT_SCENES below is the one list of scenes the simulator knows, with the input each takes;
 * the option effectScenes replaces it. Images are checked like every Kling image, but as CometAPI
 * documents for effects, a bad image is "rejected by the generation task": the create is accepted
 * and the task fails with the reason.
 */
const { checkEnum, first, invalid, isObject, logged, paths, videoResult } = require('./shared');

/**
 * Known effect scenes → 'image' (one picture) or 'images' (two people, exactly two pictures). The
 * two-person scenes and fuzzyfuzzy, squish, expansion are CometAPI's examples; bloombloom and
 * dizzydizzy are in Kling's own list of one-image effects. Kling adds scenes often: not complete.
 */
const EFFECT_SCENES = {
	bloombloom: 'image',
	dizzydizzy: 'image',
	fuzzyfuzzy: 'image',
	squish: 'image',
	expansion: 'image',
	hug: 'images',
	kiss: 'images',
	heart_gesture: 'images',
};

function checkInput(body, scenes) {
	const scene = body.effect_scene;
	const input = body.input;
	if (!isObject(input)) return invalid('input is required');
	if (scenes[scene] === 'image') {
		if (input.images !== undefined)
			return invalid(`input.images is for two-person scenes; effect_scene ${scene} takes one input.image`);
		if (typeof input.image !== 'string' || !input.image)
			return invalid(`input.image is required for effect_scene ${scene}`);
	} else {
		if (input.image !== undefined)
			return invalid(`input.image is for one-image scenes; effect_scene ${scene} takes two input.images`);
		if (!Array.isArray(input.images) || input.images.length !== 2)
			return invalid(`input.images must hold exactly 2 images for effect_scene ${scene}`);
	}
	if (input.duration === undefined) return invalid('input.duration is required');
	if (!['5', '10'].includes(String(input.duration))) return invalid(`input.duration ${input.duration} is invalid`);
	return first(
		() => (checkEnum(input, 'mode', ['std', 'pro']) ? invalid(`input.mode ${input.mode} is invalid`) : undefined),
		() =>
			input.model_name !== undefined && typeof input.model_name !== 'string'
				? invalid('input.model_name must be a string')
				: undefined,
	);
}

module.exports = {
	kind: 'effects',
	action: 'videos',
	...paths('videos', 'effects'),
	makesVideo: true,
	defaultModel: 'kling-v1-6',
	EFFECT_SCENES,
	options: { effectScenes: { default: () => ({ ...EFFECT_SCENES }) } },
	modelName: (body) => (isObject(body.input) ? body.input.model_name : undefined),
	// No prompt: nothing to steer with [sim:…] directives.
	directiveText: () => '',
	validate(body, ctx) {
		const scenes = ctx.config.effectScenes;
		return first(
			() =>
				typeof body.effect_scene === 'string' && body.effect_scene ? undefined : invalid('effect_scene is required'),
			() =>
				Object.hasOwn(scenes, body.effect_scene)
					? undefined
					: invalid(`effect_scene ${body.effect_scene} is not supported`),
			() => checkInput(body, scenes),
			() => ctx.checkTaskOptions(body),
		);
	},
	imageFields: (body) =>
		body.input.image !== undefined
			? [['input.image', body.input.image]]
			: body.input.images.map((image, k) => [`input.images[${k}]`, image]),
	imageProblems: 'failTask',
	duration: (body) => String(body.input.duration),
	logBody(body) {
		if (!isObject(body.input)) return { ...body };
		const { image, images, ...input } = body.input;
		if (image !== undefined) input.image = logged(image);
		if (images !== undefined) input.images = Array.isArray(images) ? images.map((i) => logged(i)) : images;
		return { ...body, input };
	},
	result: videoResult,
};
