import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { callWithRetries } from '../../../shared/apiRequest';
import { openConnection } from '../../transport/trafficLightApi';
import { readError } from '../nodeErrors';
import { optionsCollection, readOptions, timeoutMsOf, timeoutOption } from '../options';
import { mapEachItem } from '../perItem';

export const description: INodeProperties[] = [
	optionsCollection({ show: { resource: ['account'], operation: ['getBalance'] } }, [timeoutOption()]),
];

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const connection = await openConnection.call(this);
	return await mapEachItem(this, async (i) => {
		const timeoutMs = timeoutMsOf(readOptions(this, i));
		const { result } = await callWithRetries.call(this, connection, { method: 'GET', path: '/api/user/balance', timeoutMs }, 0);
		if (!result.ok) throw readError(this.getNode(), result.failure, timeoutMs, 'balance', i);
		// The fields of the balance answer are not documented: pass them through as they come.
		return [result.body];
	});
}
