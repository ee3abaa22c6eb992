import type { INodeProperties } from 'n8n-workflow';

import * as getStatus from './getStatus.operation';
import * as send from './send.operation';

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['lead'] } },
		options: [
			{
				name: 'Get Status',
				value: 'getStatus',
				description: 'Look up leads and their statuses in the Traffic Light lead feed',
				action: 'Get lead statuses',
			},
			{
				name: 'Send',
				value: 'send',
				description: 'Send a lead to a Traffic Light offer',
				action: 'Send a lead',
			},
		],
		default: 'send',
	},
	...send.description,
	...getStatus.description,
];
