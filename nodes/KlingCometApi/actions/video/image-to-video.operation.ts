/**
 * Create Video from Image: `POST /kling/v1/videos/image2video`. A start frame (and optionally an
 * end frame), each from a binary field of the input item or a URL; checked before anything is sent.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { ImageHeader } from '../../helpers/image';
import {
	buildImage2VideoBody,
	IMAGE_MODELS,
	MAX_DYNAMIC_MASKS,
	ParameterError,
	parseTrajectory,
} from '../../helpers/validation';
import type { RunContext } from '../types';
import type { PreparedCreate } from './creating';
import { createOperation, createProperties, readCreateInput } from './creating';
import type { ImageInput, ImageRef } from './images';
import { checkImageInput, imageEntryInput, imageEntryValues, imageSourceProperties, readImageInput } from './images';
import { parameterError, readWaitParameters } from './wait';

/** Where a mask comes from, inside a Motion Brush entry. */
const maskSource = imageEntryValues({
	defaultProperty: 'mask',
	binaryDescription: 'Binary field of the input item holding the mask (JPG or PNG with the image’s aspect ratio)',
	urlDescription: 'A public http(s) URL of the mask, or the mask as base64 text',
});

const motionBrush: INodeProperties[] = [
	{
		displayName: 'Motion Brush: Static Mask',
		name: 'staticMask',
		type: 'fixedCollection',
		default: {},
		description:
			"A mask image painting the area that stays still. Kling's Motion Brush: kling-v1 (5 s) and kling-v1-5 (pro, 5 s); not with an End Frame or Camera Control.",
		options: [{ displayName: 'Mask', name: 'mask', values: maskSource }],
	},
	{
		displayName: 'Motion Brush: Dynamic Masks',
		name: 'dynamicMasks',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true, maxAllowedFields: MAX_DYNAMIC_MASKS },
		default: {},
		description: `Up to ${MAX_DYNAMIC_MASKS} mask images, each painting an area that moves along its trajectory. Masks need the image's aspect ratio and one resolution for all.`,
		options: [
			{
				displayName: 'Mask',
				name: 'mask',
				values: [
					...maskSource,
					{
						displayName: 'Trajectory',
						name: 'trajectory',
						type: 'string',
						default: '',
						placeholder: '120,300 180,320 260,340',
						description:
							'2 to 77 points "x,y" in pixels of the image, origin at its bottom-left corner, separated by spaces (or JSON [{"x":120,"y":300}, ...])',
					},
				],
			},
		],
	},
];

const properties = createProperties({
	kind: 'image2video',
	promptRequired: false,
	promptDescription: 'What should happen in the video (optional: without it Kling animates the image on its own)',
	models: IMAGE_MODELS,
	defaultModel: 'kling-v2-6',
	additional: [
		'callbackUrl',
		'cameraControl',
		'cfgScale',
		'duration',
		'externalTaskId',
		'mode',
		'negativePrompt',
		'sound',
	],
	moreAdditional: motionBrush,
	inputs: [
		...imageSourceProperties({ prefix: 'image', label: 'Image', defaultProperty: 'data' }),
		...imageSourceProperties({ prefix: 'endFrame', label: 'End Frame', defaultProperty: 'end_frame', withNone: true }),
	],
});

export const description = updateDisplayOptions(
	{ show: { resource: ['video'], operation: ['imageToVideo'] } },
	properties,
);

/** The parameter to name in an error about this image. */
const fieldOf = (prefix: string, input: ImageInput) =>
	`${prefix}${input.source === 'binary' ? 'BinaryProperty' : 'Url'}`;

const entryInput = (entry: IDataObject) => imageEntryInput(entry, 'mask');

const ratioText = (h: ImageHeader) => `${h.width}×${h.height} px`;
const headerOf = (ref: ImageRef | undefined) => (ref && ref.kind !== 'url' ? ref.header : undefined);

/** Kling fails the task when masks differ from the image's aspect ratio or from each other's size. */
function checkMaskSizes(image: ImageHeader | undefined, masks: Array<{ label: string; field: string; ref: ImageRef }>) {
	let first: { label: string; header: ImageHeader } | undefined;
	for (const { label, field, ref } of masks) {
		const header = headerOf(ref);
		if (!header) continue;
		if (
			image &&
			Math.abs(header.width / header.height - image.width / image.height) > 0.01 * (image.width / image.height)
		) {
			throw new ParameterError(
				field,
				`${label} is ${ratioText(header)} but the image is ${ratioText(image)}: Kling needs masks with the image's aspect ratio (same size is simplest)`,
			);
		}
		if (first && (first.header.width !== header.width || first.header.height !== header.height)) {
			throw new ParameterError(
				field,
				`${label} is ${ratioText(header)} but ${first.label} is ${ratioText(first.header)}: Kling needs all masks at one resolution`,
			);
		}
		first ??= { label, header };
	}
}

async function prepare(this: IExecuteFunctions, itemIndex: number, run: RunContext): Promise<PreparedCreate> {
	try {
		const waitParameters = readWaitParameters(this, itemIndex, 'create');
		const start = readImageInput(this, itemIndex, 'image');
		const end = readImageInput(this, itemIndex, 'endFrame');
		if (!start)
			throw new ParameterError('imageSource', 'Image Source must be "binary" or "url": the start frame is required');
		const fields = this.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject;
		const staticEntry = (fields.staticMask as IDataObject | undefined)?.mask as IDataObject | undefined;
		const dynamicEntries = ((fields.dynamicMasks as IDataObject | undefined)?.mask ?? []) as IDataObject[];
		if (dynamicEntries.length > MAX_DYNAMIC_MASKS) {
			throw new ParameterError(
				'dynamicMasks',
				`Motion Brush: Dynamic Masks has ${dynamicEntries.length} masks; Kling takes at most ${MAX_DYNAMIC_MASKS}`,
			);
		}
		// Parameters first (no I/O), then the images' headers.
		const body = buildImage2VideoBody({
			...readCreateInput(this, itemIndex, run, waitParameters),
			endFrame: Boolean(end),
			masks: Boolean(staticEntry) || dynamicEntries.length > 0,
		});
		const image = await checkImageInput(this, itemIndex, start, fieldOf('image', start), 'Image');
		const imageTail = end && (await checkImageInput(this, itemIndex, end, fieldOf('endFrame', end), 'End Frame'));
		const staticMask =
			staticEntry && (await checkImageInput(this, itemIndex, entryInput(staticEntry), 'staticMask', 'Static Mask'));
		const dynamicMasks = [];
		for (const [k, entry] of dynamicEntries.entries()) {
			const label = `Dynamic Mask ${k + 1}`;
			const mask = await checkImageInput(this, itemIndex, entryInput(entry), 'dynamicMasks', label);
			dynamicMasks.push({ mask, trajectories: parseTrajectory(entry.trajectory, label, headerOf(image)) });
		}
		checkMaskSizes(headerOf(image), [
			...(staticMask ? [{ label: 'Static Mask', field: 'staticMask', ref: staticMask }] : []),
			...dynamicMasks.map(({ mask }, k) => ({ label: `Dynamic Mask ${k + 1}`, field: 'dynamicMasks', ref: mask })),
		]);
		return {
			taskKind: 'image2video',
			body,
			images: {
				image,
				...(imageTail ? { imageTail } : {}),
				...(staticMask ? { staticMask } : {}),
				...(dynamicMasks.length ? { dynamicMasks } : {}),
			},
			...waitParameters,
		};
	} catch (error) {
		throw parameterError(this, error, itemIndex);
	}
}

export const imageToVideo = createOperation(description, prepare);
