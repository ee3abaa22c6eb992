import { NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties } from 'n8n-workflow';

import { wallToInstant, type KlientiksConnection } from '../../transport/klientiksApi';
import { dateTimeText, optionsCollection, readList, returnAllAndLimit } from '../common';

/** The visits-and-sales feed (research §3.2): rows changed after `?date=` (unix seconds); `is_sale` tells a sale from a visit. */
export const VISITS_FEED: Array<[string, string]> = [
	['m', 'AppointmentClientLinks'],
	['ik', 'orders'],
	['rvwk', 'status,statuses'],
];
/** What public code sends to read the whole feed (research §6 #6). */
const EVERYTHING = '10';

export const description: INodeProperties[] = [
	...returnAllAndLimit('visit', 'getMany'),
	{
		displayName: 'Changed Since',
		name: 'changedSince',
		type: 'dateTime',
		default: '',
		displayOptions: { show: { resource: ['visit'], operation: ['getMany'] } },
		description: 'Only visits and sales changed at or after this time (a time without an offset is in the workflow\'s time zone); empty reads the whole feed',
	},
	optionsCollection('visit', 'getMany'),
];

/** An instant from a dateTime text: with its own offset as written, without one in `timeZone`. */
export function instantOf(text: string, timeZone: string): number {
	if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return Number.NaN;
	if (/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return Date.parse(text);
	const wall = Date.parse(`${text.length === 10 ? `${text}T00:00:00` : text}Z`);
	if (Number.isNaN(wall)) return wall;
	try {
		return wallToInstant(wall, timeZone);
	} catch {
		return Number.NaN;
	}
}

export async function execute(this: IExecuteFunctions, c: KlientiksConnection, itemIndex: number): Promise<IDataObject[]> {
	const since = dateTimeText(this.getNodeParameter('changedSince', itemIndex, ''));
	let date = EVERYTHING;
	if (since !== '') {
		const ms = instantOf(since, this.getTimezone());
		if (Number.isNaN(ms)) {
			throw new NodeOperationError(this.getNode(), `Changed Since "${since.slice(0, 40)}" is not a date and time`, {
				itemIndex,
				description: 'Pick a time in Changed Since, or write it as YYYY-MM-DDTHH:MM:SS (with +03:00 or Z for another zone); leave it empty to read the whole feed.',
			});
		}
		date = String(Math.max(0, Math.floor(ms / 1000)));
	}
	return await readList(this, c, VISITS_FEED, { date }, itemIndex);
}
