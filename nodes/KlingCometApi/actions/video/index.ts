import type { INodeProperties } from 'n8n-workflow';

import { create } from './create.operation';
import { get } from './get.operation';
import { imageToVideo } from './image-to-video.operation';
import { multiImageToVideo } from './multi-image-to-video.operation';

export const operations = { create, imageToVideo, multiImageToVideo, get };

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
				name: 'Create Video From Image',
				value: 'imageToVideo',
				action: 'Create a video from an image',
				description:
					'Animate a start frame (and optionally an end frame) from a binary field or a URL; by default wait for the video',
			},
			{
				name: 'Create Video From Several Images',
				value: 'multiImageToVideo',
				action: 'Create a video from several images',
				description: 'Make one video from 2 to 4 reference images and a prompt; by default wait for the video',
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
	...imageToVideo.description,
	...multiImageToVideo.description,
	...get.description,
];
