import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { normalizePhone } from '../../../webhookIntake/values';
import { klientiksGet, type KlientiksConnection } from '../../transport/klientiksApi';
import { rowsOf } from '../../transport/klientiksAnswers';
import { optionsCollection, readOptions, requiredText, withTimeout } from '../common';
import { typedRow } from '../rows';

export const description: INodeProperties[] = [
	{
		displayName: 'Phone',
		name: 'phone',
		type: 'string',
		required: true,
		default: '',
		placeholder: '+7 (999) 123-45-67',
		displayOptions: { show: { resource: ['client'], operation: ['findByPhone'] } },
		description: 'In any format the Klientiks Trigger accepts; read as digits, a leading 8 of an 11-digit number becomes 7. No match outputs nothing.',
	},
	optionsCollection('client', 'findByPhone'),
];

export async function execute(this: IExecuteFunctions, c: KlientiksConnection, itemIndex: number): Promise<IDataObject[]> {
	const fix = 'Set Phone to the client\'s phone number, e.g. +7 999 123-45-67 or 79991234567.';
	const text = requiredText(this, 'phone', 'Phone', itemIndex, fix);
	const digits = normalizePhone(text);
	if (digits === null || digits.length > 15) {
		throw new NodeOperationError(this.getNode(), `Phone "${text.slice(0, 40)}" is not a phone number`, { itemIndex, description: fix });
	}
	const options = readOptions(this, itemIndex);
	const body = await klientiksGet.call(this, withTimeout(c, options), 'list', [['m', 'getClientByPhone'], ['phone', digits]], undefined, itemIndex);
	return rowsOf(body).map((row) => typedRow(row, options.includeHeavyFields === true));
}
