import type { INodeProperties } from 'n8n-workflow';

import { timeoutOption } from './leadDescription';

export const accountOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['account'] } },
	options: [
		{
			name: 'Get Balance',
			value: 'getBalance',
			description: 'Read the balance of your Traffic Light account',
			action: 'Get the account balance',
		},
	],
	default: 'getBalance',
};

export const accountFields: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { resource: ['account'], operation: ['getBalance'] } },
		options: [timeoutOption],
	},
];
