import { sleep, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { callTrafficLight, retryDelayMs, type CallFailure, type TrafficLightConnection } from './transport';

/** A lead as the feed returns it. Only `id` and `status` are known for sure; the rest is passed through. */
export type FeedLead = IDataObject;

export type FeedResult = { ok: true; leads: FeedLead[] } | { ok: false; failure: CallFailure };

// Many id2[] in one GET keeps the duplicate check to one request per 50
// leads, while the URL stays far below the 8 KB that servers usually accept.
export const FEED_BATCH_SIZE = 50;

function leadsOf(body: IDataObject): FeedLead[] | null {
	const leads = body.leads;
	if (Array.isArray(leads)) return leads.filter((l): l is FeedLead => typeof l === 'object' && l !== null);
	// Some PHP APIs encode a list keyed by id as an object.
	if (typeof leads === 'object' && leads !== null) return Object.values(leads) as FeedLead[];
	if (leads === undefined && (body.count === 0 || body.count === '0')) return [];
	return null;
}

/**
 * Reads the lead feed. Reading changes nothing, so any failure but a refusal
 * (errmsg) may be retried, up to `retryAttempts` times with backoff.
 */
export async function readFeed(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	query: Record<string, string | string[]>,
	timeoutMs: number,
	retryAttempts = 0,
): Promise<FeedResult> {
	let result = await callTrafficLight.call(this, connection, { method: 'GET', path: '/api/lead/feed', query, timeoutMs });
	for (let attempt = 1; !result.ok && result.failure.kind !== 'errmsg' && attempt <= retryAttempts; attempt++) {
		await sleep(retryDelayMs(attempt));
		result = await callTrafficLight.call(this, connection, { method: 'GET', path: '/api/lead/feed', query, timeoutMs });
	}
	if (!result.ok) return result;
	const leads = leadsOf(result.body);
	if (leads === null) {
		return {
			ok: false,
			failure: {
				kind: 'nonJson',
				notDelivered: false,
				statusCode: result.statusCode,
				detail: 'a feed answer without a "leads" list',
			},
		};
	}
	return { ok: true, leads };
}

export type LeadIdLookup = { ok: true; found: Map<string, FeedLead> } | { ok: false; failure: CallFailure };

/**
 * Finds which of the given Lead IDs (your `id`, Traffic Light's `id2`)
 * Traffic Light already has, in batches of FEED_BATCH_SIZE.
 */
export async function findByLeadIds(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	leadIds: string[],
	timeoutMs: number,
	retryAttempts = 0,
): Promise<LeadIdLookup> {
	const found = new Map<string, FeedLead>();
	const unique = [...new Set(leadIds)];
	for (let start = 0; start < unique.length; start += FEED_BATCH_SIZE) {
		const batch = unique.slice(start, start + FEED_BATCH_SIZE);
		const result = await readFeed.call(this, connection, { id2: batch }, timeoutMs, retryAttempts);
		if (!result.ok) return result;
		const carriesId2 = result.leads.every((lead) => lead.id2 !== undefined && lead.id2 !== null);
		if (carriesId2) {
			for (const lead of result.leads) {
				const id2 = String(lead.id2);
				if (batch.includes(id2) && !found.has(id2)) found.set(id2, lead);
			}
			continue;
		}
		// The feed's lead fields are not documented. If it does not echo id2, a
		// batched answer cannot be matched to the ids asked for: ask one by one.
		if (batch.length === 1) {
			if (result.leads.length > 0) found.set(batch[0], result.leads[0]);
			continue;
		}
		for (const leadId of batch) {
			const single = await readFeed.call(this, connection, { id2: [leadId] }, timeoutMs, retryAttempts);
			if (!single.ok) return single;
			if (single.leads.length > 0) found.set(leadId, single.leads[0]);
		}
	}
	return { ok: true, found };
}
