import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { readError } from '../nodeErrors';
import { FEED_BATCH_SIZE, FEED_DAY_BYTES, openConnection, readFeed } from '../../transport/trafficLightApi';
import { optionsCollection, readOptions, timeoutMsOf, timeoutOption } from '../options';
import { mapEachItem } from '../perItem';

const displayOptions = { show: { resource: ['lead'], operation: ['getStatus'] } };
const whenLookingUpBy = (lookupBy: string) => ({
	show: { ...displayOptions.show, lookupBy: [lookupBy] },
});

export const description: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookupBy',
		type: 'options',
		default: 'leadId',
		displayOptions,
		options: [
			{ name: 'Date Range', value: 'dateRange', description: 'All leads created in a range of days' },
			{ name: 'Lead ID', value: 'leadId', description: 'Your own IDs, sent as "ID" and returned as ID2' },
			{ name: 'Traffic Light ID', value: 'trafficLightId', description: 'IDs Traffic Light gave the leads' },
		],
	},
	{
		displayName: 'Lead IDs',
		name: 'leadIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'klx-appointment-12345, klx-client-678',
		description: 'One or more of your Lead IDs, separated by commas',
		displayOptions: whenLookingUpBy('leadId'),
	},
	{
		displayName: 'Traffic Light IDs',
		name: 'trafficLightIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: '500001, 500002',
		description: 'One or more Traffic Light lead IDs, separated by commas',
		displayOptions: whenLookingUpBy('trafficLightId'),
	},
	{
		displayName: 'From',
		name: 'dateFrom',
		type: 'dateTime',
		default: '',
		required: true,
		description: 'First day of the range (only the date part is used)',
		displayOptions: whenLookingUpBy('dateRange'),
	},
	{
		displayName: 'To',
		name: 'dateTo',
		type: 'dateTime',
		default: '',
		description: 'Last day of the range, included; empty means the same day as From',
		displayOptions: whenLookingUpBy('dateRange'),
	},
	optionsCollection(displayOptions, [timeoutOption()]),
];

/** Accepts "1, 2 3", a newline list, a number or an array from an expression. */
export function parseIdList(value: unknown): string[] {
	const parts = Array.isArray(value) ? value : String(value ?? '').split(/[\s,;]+/);
	return [...new Set(parts.map((part) => String(part ?? '').trim()).filter((part) => part !== ''))];
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every day from `from` to `to` (YYYY-MM-DD, both included): a range is read one day per request, so each answer stays under its cap. */
function daysOf(from: string, to: string): string[] {
	const days: string[] = [];
	for (let at = Date.parse(`${from}T00:00:00Z`); at <= Date.parse(`${to}T00:00:00Z`); at += DAY_MS) days.push(new Date(at).toISOString().slice(0, 10));
	return days;
}

/** Traffic Light's feed filters by day: YYYY-MM-DD. */
export function toFeedDate(value: unknown): string | null {
	const text = String(value ?? '').trim();
	const isoDay = /^(\d{4}-\d{2}-\d{2})/.exec(text);
	if (isoDay) return isoDay[1];
	const ruDay = /^(\d{2})\.(\d{2})\.(\d{4})/.exec(text);
	if (ruDay) return `${ruDay[3]}-${ruDay[2]}-${ruDay[1]}`;
	return null;
}

function queriesFor(ctx: IExecuteFunctions, itemIndex: number): Array<Record<string, string | string[]>> {
	const lookupBy = ctx.getNodeParameter('lookupBy', itemIndex) as string;
	if (lookupBy === 'dateRange') {
		const fromRaw = ctx.getNodeParameter('dateFrom', itemIndex, '');
		const toRaw = ctx.getNodeParameter('dateTo', itemIndex, '') || fromRaw;
		const from = toFeedDate(fromRaw);
		const to = toFeedDate(toRaw);
		if (!from || !to) {
			throw new NodeOperationError(ctx.getNode(), `Date range "${String(fromRaw)}" – "${String(toRaw)}" is not a pair of dates`, {
				itemIndex,
				description: 'Set From and To to dates, e.g. 2026-11-01 and 2026-11-30 (To may stay empty for a single day).',
			});
		}
		if (from > to) {
			throw new NodeOperationError(ctx.getNode(), `Date range starts after it ends (${from} > ${to})`, {
				itemIndex,
				description: 'Swap From and To.',
			});
		}
		return daysOf(from, to).map((day) => ({ date: [day, day] }));
	}
	const isOurs = lookupBy === 'leadId';
	const ids = parseIdList(ctx.getNodeParameter(isOurs ? 'leadIds' : 'trafficLightIds', itemIndex, ''));
	if (ids.length === 0) {
		throw new NodeOperationError(ctx.getNode(), isOurs ? 'Lead IDs is empty' : 'Traffic Light IDs is empty', {
			itemIndex,
			description: isOurs
				? 'Enter one or more of your Lead IDs (the "id" you sent, returned by Traffic Light as id2), separated by commas.'
				: 'Enter one or more Traffic Light lead IDs (the "trafficLightId" of Lead → Send), separated by commas.',
		});
	}
	const queries: Array<Record<string, string | string[]>> = [];
	for (let start = 0; start < ids.length; start += FEED_BATCH_SIZE) {
		queries.push({ [isOurs ? 'id2' : 'id']: ids.slice(start, start + FEED_BATCH_SIZE) });
	}
	return queries;
}

function dayTooLarge(ctx: IExecuteFunctions, day: string, maxBytes: number, itemIndex: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), `The lead feed for ${day} alone is longer than ${Math.round(maxBytes / 1024)} KB; none of it was used`, {
		itemIndex,
		description: `A date range is read one day at a time, and ${day} holds more leads than one answer may carry. Look those leads up with Look Up By → Lead ID or Traffic Light ID instead (up to ${FEED_BATCH_SIZE} IDs per request).`,
	});
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const connection = await openConnection.call(this);
	return await mapEachItem(this, async (i) => {
		const timeoutMs = timeoutMsOf(readOptions(this, i));
		const leads: IDataObject[] = [];
		for (const query of queriesFor(this, i)) {
			const day = 'date' in query ? query.date[0] : undefined;
			const result = await readFeed.call(this, connection, query, timeoutMs, 0, day ? FEED_DAY_BYTES : undefined);
			if (!result.ok && day && result.failure.kind === 'tooLarge') throw dayTooLarge(this, day, result.failure.maxBytes, i);
			if (!result.ok) throw readError(this.getNode(), result.failure, timeoutMs, 'lead feed', i);
			for (const lead of result.leads) leads.push({ trafficLightId: lead.id ?? null, leadId: lead.id2 ?? null, status: lead.status ?? null, ...lead });
		}
		return leads;
	});
}
