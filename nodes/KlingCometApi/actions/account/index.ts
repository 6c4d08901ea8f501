import type { INodeProperties } from 'n8n-workflow';

import { getBalance } from './balance.operation';

export const operations = { getBalance };

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['account'] } },
		options: [
			{
				name: 'Get Balance',
				value: 'getBalance',
				action: 'Get the account balance',
				description: "Read the CometAPI account's balance in USD and its keys' quotas (free)",
			},
		],
		default: 'getBalance',
	},
	...getBalance.description,
];
