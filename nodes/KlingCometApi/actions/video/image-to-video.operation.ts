/**
 * Create Video from Image: `POST /kling/v1/videos/image2video`. A start frame (and optionally an
 * end frame), each from a binary field of the input item or a URL; checked before anything is sent.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { buildImage2VideoBody, IMAGE_MODELS } from '../../helpers/validation';
import type { Operation, RunContext } from '../types';
import type { PreparedCreate } from './creating';
import {
	createProperties,
	createRequestsAtOnce,
	executeCreate,
	finishAwaitedCreate,
	readCreateInput,
} from './creating';
import type { ImageInput } from './images';
import { checkImageInput, imageSourceProperties, readImageInput } from './images';
import { parameterError, readWaitParameters } from './wait';

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

async function prepare(this: IExecuteFunctions, itemIndex: number, run: RunContext): Promise<PreparedCreate> {
	try {
		const waitParameters = readWaitParameters(this, itemIndex, 'create');
		const start = readImageInput(this, itemIndex, 'image');
		const end = readImageInput(this, itemIndex, 'endFrame');
		if (!start) throw new Error('Image Source must be "binary" or "url"');
		// Parameters first (no I/O), then the images' headers.
		const body = buildImage2VideoBody({
			...readCreateInput(this, itemIndex, run, waitParameters),
			endFrame: Boolean(end),
		});
		const image = await checkImageInput(this, itemIndex, start, fieldOf('image', start), 'Image');
		const imageTail = end && (await checkImageInput(this, itemIndex, end, fieldOf('endFrame', end), 'End Frame'));
		return { taskKind: 'image2video', body, images: { image, ...(imageTail ? { imageTail } : {}) }, ...waitParameters };
	} catch (error) {
		throw parameterError(this, error, itemIndex);
	}
}

export const imageToVideo: Operation<PreparedCreate> = {
	description,
	prepare,
	execute: executeCreate,
	finishAwaited: finishAwaitedCreate,
	createRequestsAtOnce,
};
