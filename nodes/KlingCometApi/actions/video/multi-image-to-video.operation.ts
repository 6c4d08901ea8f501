/**
 * Create Video from Several Images: `POST /kling/v1/videos/multi-image2video`. Two to four
 * images (each from a binary field or a URL) and a prompt make one video.
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import {
	buildMultiImage2VideoBody,
	MAX_IMAGES,
	MIN_IMAGES,
	MULTI_IMAGE_MODELS,
	ParameterError,
} from '../../helpers/validation';
import type { RunContext } from '../types';
import type { PreparedCreate } from './creating';
import { createOperation, createProperties, readCreateInput } from './creating';
import { checkImageInput, imageEntryInput, imageEntryValues } from './images';
import { parameterError, readWaitParameters } from './wait';

const imageList: INodeProperties = {
	displayName: 'Images',
	name: 'images',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true, maxAllowedFields: MAX_IMAGES },
	placeholder: 'Add Image',
	required: true,
	default: {},
	description: `${MIN_IMAGES} to ${MAX_IMAGES} JPG or PNG images (each at most 10 MB, 300 px per side, aspect ratio 1:2.5 to 2.5:1)`,
	options: [
		{
			displayName: 'Image',
			name: 'image',
			values: imageEntryValues({
				defaultProperty: 'data',
				binaryDescription: 'Name of the binary field of the input item that holds this image',
				urlDescription: 'A public http(s) URL of the image (Kling downloads it), or the image as base64 text',
				urlPlaceholder: 'https://example.com/scene-1.jpg',
			}),
		},
	],
};

const properties = createProperties({
	kind: 'multi-image2video',
	promptRequired: true,
	promptDescription: 'What the video should show, using the images as its references',
	models: MULTI_IMAGE_MODELS,
	defaultModel: MULTI_IMAGE_MODELS[0],
	additional: ['aspectRatio', 'callbackUrl', 'duration', 'externalTaskId', 'mode', 'negativePrompt'],
	inputs: [imageList],
});

export const description = updateDisplayOptions(
	{ show: { resource: ['video'], operation: ['multiImageToVideo'] } },
	properties,
);

async function prepare(this: IExecuteFunctions, itemIndex: number, run: RunContext): Promise<PreparedCreate> {
	try {
		const waitParameters = readWaitParameters(this, itemIndex, 'create');
		const entries = this.getNodeParameter('images.image', itemIndex, []) as IDataObject[];
		if (!Array.isArray(entries) || entries.length < MIN_IMAGES || entries.length > MAX_IMAGES) {
			const count = Array.isArray(entries) ? entries.length : 0;
			throw new ParameterError(
				'images',
				`Images: Kling makes a video from ${MIN_IMAGES} to ${MAX_IMAGES} images; ${count} ${count === 1 ? 'is' : 'are'} set. ${count < MIN_IMAGES ? 'Add Image' : 'Remove images'} until there are ${MIN_IMAGES} to ${MAX_IMAGES}`,
			);
		}
		const body = buildMultiImage2VideoBody({ ...readCreateInput(this, itemIndex, run, waitParameters) });
		const list = [];
		for (const [k, entry] of entries.entries()) {
			list.push(await checkImageInput(this, itemIndex, imageEntryInput(entry, 'data'), 'images', `Image ${k + 1}`));
		}
		return { taskKind: 'multi-image2video', body, images: { list }, ...waitParameters };
	} catch (error) {
		throw parameterError(this, error, itemIndex);
	}
}

export const multiImageToVideo = createOperation(description, prepare);
