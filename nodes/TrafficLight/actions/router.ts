import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import * as getBalance from './account/getBalance.operation';
import * as getStatus from './lead/getStatus.operation';
import * as send from './lead/send.operation';

const operations = new Map<string, { execute: (this: IExecuteFunctions) => Promise<INodeExecutionData[]> }>([
	['lead/send', send],
	['lead/getStatus', getStatus],
	['account/getBalance', getBalance],
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
