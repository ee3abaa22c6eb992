import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { callWithRetries, FEED_BY_ID_BYTES, type CallFailure, type Deadline, type TrafficLightConnection } from './trafficLightApi';

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
 * Reads the lead feed. Reading changes nothing, so any failure that a second
 * try may not repeat (not a refusal, redirect or oversized answer) is retried,
 * up to `retryAttempts` times with backoff.
 */
export async function readFeed(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	query: Record<string, string | string[]>,
	timeoutMs: number,
	retryAttempts = 0,
	maxAnswerBytes = FEED_BY_ID_BYTES,
	deadline?: Deadline,
): Promise<FeedResult> {
	const call = { method: 'GET' as const, path: '/api/lead/feed', query, timeoutMs, maxAnswerBytes, deadline };
	const { result } = await callWithRetries.call(this, connection, call, retryAttempts);
	if (!result.ok) return result;
	const leads = leadsOf(result.body);
	if (leads === null) {
		const missing = 'a "leads" list';
		const detail = `a feed answer without ${missing}`;
		return { ok: false, failure: { kind: 'incomplete', notDelivered: false, statusCode: result.statusCode, missing, detail } };
	}
	return { ok: true, leads };
}

export type LeadIdLookup = { ok: true; found: Map<string, FeedLead> } | { ok: false; failure: CallFailure };

/** A row's id2 as text; an object or array there matches no Lead ID. */
function id2Of(lead: FeedLead): string | undefined {
	const id2 = lead.id2;
	if (id2 === undefined || id2 === null) return undefined;
	return typeof id2 === 'object' ? '(not an id)' : String(id2);
}

/**
 * A row whose id2 is not one of the Lead IDs asked for means the feed did not
 * apply the id2[] filter (or does not return id2): then a missing Lead ID
 * proves nothing (the feed may list only some leads), and a row cannot be
 * told apart from the lead asked for.
 */
function unmatchedRows(leads: FeedLead[], asked: string[]): CallFailure | undefined {
	const ids = leads.map(id2Of);
	const withoutId2 = ids.filter((id2) => id2 === undefined).length;
	const foreign = ids.filter((id2) => id2 !== undefined && !asked.includes(id2)).length;
	if (withoutId2 === 0 && foreign === 0) return undefined;
	const parts = [];
	if (withoutId2 > 0) parts.push(`${withoutId2} row(s) without id2`);
	if (foreign > 0) parts.push(`${foreign} row(s) with an id2 that was not asked for`);
	return { kind: 'unverifiable', notDelivered: false, detail: `the feed answered ${parts.join(' and ')}` };
}

/**
 * Finds which of the given Lead IDs (your `id`, Traffic Light's `id2`)
 * Traffic Light already has, in batches of FEED_BATCH_SIZE. A row counts only
 * when its id2 equals a Lead ID asked for; anything else makes the whole
 * answer unverifiable rather than a guess.
 */
export async function findByLeadIds(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	leadIds: string[],
	timeoutMs: number,
	retryAttempts = 0,
	deadline?: Deadline,
): Promise<LeadIdLookup> {
	const found = new Map<string, FeedLead>();
	const unique = [...new Set(leadIds)];
	for (let start = 0; start < unique.length; start += FEED_BATCH_SIZE) {
		const batch = unique.slice(start, start + FEED_BATCH_SIZE);
		const result = await readFeed.call(this, connection, { id2: batch }, timeoutMs, retryAttempts, undefined, deadline);
		if (!result.ok) return result;
		const unverifiable = unmatchedRows(result.leads, batch);
		if (unverifiable) return { ok: false, failure: unverifiable };
		for (const lead of result.leads) {
			const id2 = id2Of(lead) as string;
			if (!found.has(id2)) found.set(id2, lead);
		}
	}
	return { ok: true, found };
}
