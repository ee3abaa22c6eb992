import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { itemError } from './nodeErrors';

/**
 * The n8n item loop for the read-only operations: each input item yields any
 * number of output items paired with it; a failure either stops the node or,
 * with "On Error: Continue", becomes an error item and the loop goes on.
 */
export async function mapEachItem(
	ctx: IExecuteFunctions,
	handler: (itemIndex: number) => Promise<IDataObject[]>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	const count = ctx.getInputData().length;
	for (let i = 0; i < count; i++) {
		try {
			for (const json of await handler(i)) out.push({ json, pairedItem: { item: i } });
		} catch (thrown) {
			const error = itemError(ctx.getNode(), thrown, i);
			if (!ctx.continueOnFail()) throw error;
			out.push({ json: { error: error.message }, error, pairedItem: { item: i } });
		}
	}
	return out;
}
