import type { IExecuteFunctions, IDataObject, INodeProperties } from 'n8n-workflow';

import { klientiksGet, type KlientiksConnection } from '../../transport/klientiksApi';
import { rowsOf } from '../../transport/klientiksAnswers';
import { answerError, optionsCollection, readOptions, requiredId, withTimeout } from '../common';
import { typedRow } from '../rows';

export const description: INodeProperties[] = [
	{
		displayName: 'Client ID',
		name: 'clientId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '6439301',
		displayOptions: { show: { resource: ['client'], operation: ['get'] } },
		description: 'The client\'s ID in Klientiks (the Klientiks Trigger\'s client.ID)',
	},
	optionsCollection('client', 'get'),
];

export async function execute(this: IExecuteFunctions, c: KlientiksConnection, itemIndex: number): Promise<IDataObject[]> {
	const id = requiredId(this, 'clientId', 'Client ID', itemIndex);
	const options = readOptions(this, itemIndex);
	// research: NOT FOUND, guessed — the clients list filtered by id in the API's name/value style.
	const body = await klientiksGet.call(this, withTimeout(c, options), 'list', [['m', 'clients'], ['id', id]], { offset: '0', limit: '2' }, itemIndex);
	const rows = rowsOf(body);
	const found = rows.find((row) => String(row.id) === id);
	if (!found && rows.length > 0) {
		throw answerError(
			this,
			'The Klientiks API did not filter by id',
			`Asked for client ${id}, Klientiks answered other clients. Use Client → Find by Phone, or Client → Get Many with "Changed Since", and keep the row you need (docs/klientiks-node.md says which live call settles this).`,
			itemIndex,
		);
	}
	if (!found) throw answerError(this, `No client with ID ${id}`, 'Check Client ID: Klientiks has no client with it (deleted, or from another account).', itemIndex);
	return [typedRow(found, options.includeHeavyFields === true)];
}
