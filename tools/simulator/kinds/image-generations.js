'use strict';
/**
 * Image generation: POST /kling/v1/images/generations, read at images/generations/{id}. prompt
 * <= 500 (required), negative_prompt <= 200, image (a reference, URL or base64, checked like every
 * Kling image) with image_fidelity 0..1 (human_fidelity too), n 1..9, aspect_ratio, resolution,
 * model_name. The result is task_result.images [{index, url}]: n PNGs of one colour each, sized to
 * the aspect ratio with a 300 px short side (so they are valid Kling inputs themselves).
 */
const { checkEnum, checkRange, checkText, first, invalid, logged, paths } = require('./shared');

/** Kling's image ratios (its image API adds 21:9 to the video list). */
const RATIOS = ['16:9', '9:16', '1:1', '4:3', '3:4', '3:2', '2:3', '21:9'];
const COLOURS = [
	[0x3a, 0x7b, 0xd5],
	[0xd5, 0x5a, 0x3a],
	[0x4c, 0xaf, 0x50],
	[0xff, 0xc1, 0x07],
	[0x9c, 0x27, 0xb0],
	[0x00, 0x96, 0x88],
	[0x79, 0x55, 0x48],
	[0x60, 0x7d, 0x8b],
	[0xe9, 0x1e, 0x63],
];
const count = (task) => task.body.n ?? 1;

module.exports = {
	kind: 'images/generations',
	action: 'images',
	...paths('images', 'generations'),
	defaultModel: 'kling-v1',
	validate(body, ctx) {
		return first(
			() => checkText(body, 'prompt', 500, { required: true }),
			() => checkText(body, 'negative_prompt', 200),
			() => checkRange(body, 'image_fidelity', 0, 1),
			() => checkRange(body, 'human_fidelity', 0, 1),
			() =>
				body.n !== undefined && !(Number.isInteger(body.n) && body.n >= 1 && body.n <= 9)
					? invalid('n must be a whole number from 1 to 9')
					: undefined,
			() => checkEnum(body, 'aspect_ratio', RATIOS),
			() => checkEnum(body, 'resolution', ['1k', '2k']),
			() => checkEnum(body, 'image_reference', ['subject', 'face']),
			() => ctx.checkTaskOptions(body),
		);
	},
	imageFields: (body) => (body.image !== undefined ? [['image', body.image]] : []),
	duration: () => undefined,
	logBody: (body) => (body.image !== undefined ? { ...body, image: logged(body.image) } : { ...body }),
	result(task, ctx) {
		if (task.noVideo) return { images: [] };
		return {
			images: Array.from({ length: count(task) }, (_, index) => ({
				index,
				url: ctx.fileUrl(task, `image-${index}.png`),
			})),
		};
	},
	file(task, name, ctx) {
		const match = /^image-(\d+)\.png$/.exec(name);
		if (task.noVideo || !match || Number(match[1]) >= count(task)) return undefined;
		const { width, height } = ctx.media.imageSize(task.body.aspect_ratio);
		return { contentType: 'image/png', body: ctx.media.png(width, height, COLOURS[Number(match[1]) % COLOURS.length]) };
	},
};
