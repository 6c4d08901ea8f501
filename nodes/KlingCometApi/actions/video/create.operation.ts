/**
 * Create Video (from text): `POST /kling/v1/videos/text2video` (https://api.cometapi.com/doc).
 * validate → create → wait → download → output; the flow is shared with the image operations.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { buildText2VideoBody, KNOWN_MODELS } from '../../helpers/validation';
import type { RunContext } from '../types';
import type { PreparedCreate } from './creating';
import { createOperation, createProperties, readCreateInput } from './creating';
import { parameterError, readWaitParameters } from './wait';

const properties = createProperties({
	kind: 'text2video',
	promptRequired: true,
	promptDescription: 'What the video should show',
	models: KNOWN_MODELS,
	defaultModel: 'kling-v2-6',
	additional: [
		'aspectRatio',
		'callbackUrl',
		'cameraControl',
		'cfgScale',
		'duration',
		'externalTaskId',
		'mode',
		'negativePrompt',
		'sound',
	],
});

export const description = updateDisplayOptions({ show: { resource: ['video'], operation: ['create'] } }, properties);

function prepare(this: IExecuteFunctions, itemIndex: number, run: RunContext): PreparedCreate {
	try {
		const waitParameters = readWaitParameters(this, itemIndex, 'create');
		const body = buildText2VideoBody(readCreateInput(this, itemIndex, run, waitParameters));
		return { taskKind: 'text2video', body, ...waitParameters };
	} catch (error) {
		throw parameterError(this, error, itemIndex);
	}
}

export const create = createOperation(description, prepare);
