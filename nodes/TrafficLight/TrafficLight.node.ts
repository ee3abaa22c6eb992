import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { getBalance } from './actions/account/getBalance.operation';
import { getBalanceFields } from './actions/account/getBalance.description';
import { getLeadStatuses } from './actions/lead/getStatus.operation';
import { getStatusFields } from './actions/lead/getStatus.description';
import { sendLeads } from './actions/lead/send.operation';
import { sendLeadFields } from './actions/lead/send.description';

// The node only assembles: each operation's fields sit beside its code in operations/.
// Programmatic rather than declarative: a lead send needs validation before any
// request, reading Traffic Light's body whatever the HTTP status, bounded
// parallel sends, a duplicate check batched over the run and a feed check
// after an unknown outcome — none of which routing rules can express.
export class TrafficLight implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Traffic Light',
		name: 'trafficLight',
		icon: { light: 'file:trafficLight.svg', dark: 'file:trafficLight.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Send leads to the Traffic Light (cpa.tl) CPA network and read their statuses',
		defaults: { name: 'Traffic Light' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'trafficLightApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Account', value: 'account' },
					{ name: 'Lead', value: 'lead' },
				],
				default: 'lead',
			},
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
						description: 'Read the balance of your Traffic Light account',
						action: 'Get the account balance',
					},
				],
				default: 'getBalance',
			},
			...sendLeadFields,
			...getStatusFields,
			...getBalanceFields,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const resource = this.getNodeParameter('resource', 0) as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		if (resource === 'lead' && operation === 'send') return [await sendLeads.call(this)];
		if (resource === 'lead' && operation === 'getStatus') return [await getLeadStatuses.call(this)];
		if (resource === 'account' && operation === 'getBalance') return [await getBalance.call(this)];
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not known for "${resource}"`, {
			itemIndex: 0,
		});
	}
}
