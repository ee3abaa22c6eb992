import {
	NodeApiError,
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
} from 'n8n-workflow';

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
			const error =
				thrown instanceof NodeApiError || thrown instanceof NodeOperationError
					? thrown
					: new NodeOperationError(ctx.getNode(), thrown as Error, { itemIndex: i });
			// n8n names the failing item from this; errors from parameter reads do not always carry it.
			error.context.itemIndex ??= i;
			if (!ctx.continueOnFail()) throw error;
			out.push({ json: { error: error.message }, error, pairedItem: { item: i } });
		}
	}
	return out;
}
