import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import * as account from './account/Account.resource';
import * as lead from './lead/Lead.resource';

const operations = new Map<string, { execute: (this: IExecuteFunctions) => Promise<INodeExecutionData[]> }>([
	['lead/send', lead.send],
	['lead/getStatus', lead.getStatus],
	['account/getBalance', account.getBalance],
]);

/** Runs the operation chosen in the node; resource and operation are the same for every item. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = operations.get(`${resource}/${operation}`);
	if (!run) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not known for "${resource}"`, {
			itemIndex: 0,
		});
	}
	return [await run.execute.call(this)];
}
