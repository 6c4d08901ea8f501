import type { INodeProperties } from 'n8n-workflow';

import { create } from './create.operation';
import { get } from './get.operation';

export const operations = { create, get };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['video'] } },
		options: [
			{
				name: 'Create Video',
				value: 'create',
				action: 'Create a video from a text prompt',
				description: 'Start a Kling text-to-video task and, by default, wait for the finished video',
			},
			{
				name: 'Get Task',
				value: 'get',
				action: 'Get a video task',
				description: 'Read a task by its ID; optionally wait until it is done and download the video',
			},
		],
		default: 'create',
	},
	...create.description,
	...get.description,
];
