import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeProperties,
} from 'n8n-workflow';

import { MAX_FEED_RANGE_BYTES } from '../../transport/boundedBody';
import { EventLoopTurns } from '../../utils/eventLoopTurns';
import { readError } from '../nodeErrors';
import { FEED_BATCH_SIZE, readFeed } from '../../transport/feed';
import { openConnection } from '../../transport/connection';
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
		return [{ date: [from, to] }];
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

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const connection = await openConnection.call(this);
	return await mapEachItem(this, async (i) => {
		const timeoutMs = timeoutMsOf(readOptions(this, i));
		const leads: IDataObject[] = [];
		const turns = new EventLoopTurns();
		for (const query of queriesFor(this, i)) {
			// A date range may list many leads, so its answer may be longer than a look-up by ID.
			const maxAnswerBytes = 'date' in query ? MAX_FEED_RANGE_BYTES : undefined;
			const result = await readFeed.call(this, connection, query, timeoutMs, 0, maxAnswerBytes);
			if (!result.ok) throw readError(this.getNode(), result.failure, timeoutMs, 'lead feed', i);
			// One by one: a date range may list many thousands of rows.
			for (const lead of result.leads) {
				leads.push({ trafficLightId: lead.id ?? null, leadId: lead.id2 ?? null, status: lead.status ?? null, ...lead });
				if (turns.due()) await turns.pause();
			}
		}
		return leads;
	});
}
