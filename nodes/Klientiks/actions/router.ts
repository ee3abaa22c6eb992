import { NodeApiError, NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import { openKlientiks, type KlientiksConnection } from '../transport/klientiksApi';
import * as appointmentGet from './appointment/get.operation';
import * as clientFindByPhone from './client/findByPhone.operation';
import * as clientGet from './client/get.operation';
import * as clientGetMany from './client/getMany.operation';
import * as visitGetMany from './visit/getMany.operation';

type Operation = (this: IExecuteFunctions, c: KlientiksConnection, itemIndex: number) => Promise<IDataObject[]>;

const operations = new Map<string, Operation>([
	['client/get', clientGet.execute],
	['client/findByPhone', clientFindByPhone.execute],
	['client/getMany', clientGetMany.execute],
	['appointment/get', appointmentGet.execute],
	['visit/getMany', visitGetMany.execute],
]);

/** Runs the chosen operation for every item: outputs paired with their item; with Continue On Fail an error item instead of a stop. */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const resource = this.getNodeParameter('resource', 0) as string;
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = operations.get(`${resource}/${operation}`);
	if (!run) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not known for "${resource}"`, { itemIndex: 0 });
	// The credential is read once; every request of the execution shares its allowance and the account's pace.
	const connection = await openKlientiks.call(this);
	const out: INodeExecutionData[] = [];
	const count = this.getInputData().length;
	for (let i = 0; i < count; i++) {
		try {
			for (const json of await run.call(this, connection, i)) out.push({ json, pairedItem: { item: i } });
		} catch (thrown) {
			const error = thrown instanceof NodeApiError || thrown instanceof NodeOperationError ? thrown : new NodeOperationError(this.getNode(), thrown as Error, { itemIndex: i });
			error.context.itemIndex = i;
			if (!this.continueOnFail()) throw error;
			out.push({ json: { error: error.message }, error, pairedItem: { item: i } });
		}
	}
	return [out];
}
