import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { klientiksGet, type KlientiksConnection } from '../../transport/klientiksApi';
import { rowsOf } from '../../transport/klientiksAnswers';
import { answerError, optionsCollection, readOptions, requiredId, withTimeout } from '../common';
import { typedRow } from '../rows';

export const description: INodeProperties[] = [
	{
		displayName: 'Appointment ID',
		name: 'appointmentId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '918201',
		displayOptions: { show: { resource: ['appointment'], operation: ['get'] } },
		description: 'The appointment\'s ID in Klientiks (the Klientiks Trigger\'s appointment.ID; for a paid visit, its appointment_id)',
	},
	optionsCollection('appointment', 'get'),
];

export async function execute(this: IExecuteFunctions, c: KlientiksConnection, itemIndex: number): Promise<IDataObject[]> {
	const id = requiredId(this, 'appointmentId', 'Appointment ID', itemIndex);
	const options = readOptions(this, itemIndex);
	const body = await klientiksGet.call(this, withTimeout(c, options), 'getAppointment', [['id', id]], undefined, itemIndex);
	const [row] = rowsOf(body);
	if (!row) throw answerError(this, `No appointment with ID ${id}`, 'Check Appointment ID: Klientiks has no appointment with it (for a paid visit, use its appointment_id).', itemIndex);
	return [typedRow(row, options.includeHeavyFields === true)];
}
