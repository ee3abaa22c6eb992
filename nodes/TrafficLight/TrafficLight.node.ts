import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as account from './actions/account/Account.resource';
import * as lead from './actions/lead/Lead.resource';
import { router } from './actions/router';

// The node only declares: each operation's fields, defaults and code sit in actions/<resource>/<operation>.operation.ts.
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
			...lead.description,
			...account.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
