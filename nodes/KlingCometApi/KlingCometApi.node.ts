import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import * as account from './actions/account';
import { router } from './actions/router';
import * as video from './actions/video';
import { RESUME_WEBHOOKS, resumeOnCallback } from './actions/video/callback';

export class KlingCometApi implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kling (CometAPI)',
		name: 'klingCometApi',
		icon: { light: 'file:kling.svg', dark: 'file:kling.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle:
			'={{ { create: "Create Video", imageToVideo: "Create Video From Image", multiImageToVideo: "Create Video From Several Images", get: "Get Task", getBalance: "Get Balance" }[$parameter["operation"]] }}',
		description:
			'Create videos with Kling through CometAPI from a prompt or images, read their tasks, and check the balance',
		defaults: { name: 'Kling (CometAPI)' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'cometApiKlingApi', required: true }],
		// Wait Mode "Pause Until Callback": CometAPI's callbacks reach the paused execution here.
		webhooks: RESUME_WEBHOOKS,
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Account', value: 'account' },
					{ name: 'Video', value: 'video' },
				],
				// Workflows saved before the Account resource have no value here: they stay on Video.
				default: 'video',
			},
			...video.description,
			...account.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await resumeOnCallback.call(this);
	}
}
