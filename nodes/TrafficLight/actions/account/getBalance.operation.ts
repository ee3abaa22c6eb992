import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { readError } from '../nodeErrors';
import { readOptions, timeoutMsOf } from '../options';
import { callTrafficLight, openConnection } from '../../transport/request';
import { mapEachItem } from '../perItem';

export async function getBalance(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const connection = await openConnection.call(this);
	return await mapEachItem(this, async (i) => {
		const timeoutMs = timeoutMsOf(readOptions(this, i));
		const result = await callTrafficLight.call(this, connection, { method: 'GET', path: '/api/user/balance', timeoutMs });
		if (!result.ok) throw readError(this.getNode(), result.failure, timeoutMs, 'balance', i);
		// The fields of the balance answer are not documented: pass them through as they come.
		return [result.body];
	});
}
