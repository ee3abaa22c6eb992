import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import type { KlientiksConnection } from '../../transport/klientiksApi';
import { dateTimeText, optionsCollection, readList, returnAllAndLimit } from '../common';

export const description: INodeProperties[] = [
	...returnAllAndLimit('client', 'getMany'),
	{
		displayName: 'Changed Since',
		name: 'changedSince',
		type: 'dateTime',
		default: '',
		displayOptions: { show: { resource: ['client'], operation: ['getMany'] } },
		description: 'Only clients changed on or after this day (its date, in the account\'s time zone); empty lists all clients',
	},
	optionsCollection('client', 'getMany'),
];

export async function execute(this: IExecuteFunctions, c: KlientiksConnection, itemIndex: number): Promise<IDataObject[]> {
	const since = dateTimeText(this.getNodeParameter('changedSince', itemIndex, ''));
	const params: Array<[string, string]> = [['m', 'clients']];
	if (since !== '') {
		const day = /^(\d{4}-\d{2}-\d{2})/.exec(since)?.[1];
		if (!day) {
			throw new NodeOperationError(this.getNode(), `Changed Since "${since.slice(0, 40)}" is not a date`, {
				itemIndex,
				description: 'Pick a date in Changed Since, or write it as YYYY-MM-DD; leave it empty to list all clients.',
			});
		}
		// The API filters by the account's local day (research §3.2).
		params.push(['date', day]);
	}
	return await readList(this, c, params, {}, itemIndex);
}
