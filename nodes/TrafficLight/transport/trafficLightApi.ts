import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { callWithRetries, type ApiConnection, type CallOptions } from '../../shared/apiRequest';
import { answerPreview, checkBaseUrl, MAX_PREVIEW_CHARS, parseJsonData, secretMasker, type SecretMasker, shorten, shortJson } from '../../shared/outsideData';
import { newRunAllowance, NOT_DELIVERED_STATUSES, type CallFailure, type CallResult, type Deadline } from '../../shared/waits';

export const CREDENTIAL_TYPE = 'trafficLightApi';
/** The one default Base URL: the credential's default, the empty Base URL and every message take it from here. */
export const DEFAULT_BASE_URL = 'https://api.cpa.tl';

/** Read once per execution, used for every request of it. */
export type TrafficLightConnection = ApiConnection;

/**
 * Answer caps, each what that answer can hold and small enough that JSON.parse of the worst shape
 * within it is one short turn of the event loop: a send or balance answer is a few fields; a feed
 * by FEED_BATCH_SIZE Lead IDs holds that many rows; Get Status by date range asks one day at a time.
 */
export const SEND_ANSWER_BYTES = 16 * 1024;
export const FEED_BY_ID_BYTES = 64 * 1024;
export const FEED_DAY_BYTES = 128 * 1024;

// ---- The Base URL ----

const BASE_URL_FIX = `Open the Traffic Light API credential and set Base URL to ${DEFAULT_BASE_URL}, or to the root address of your proxy or local test server (http:// or https://, no "?…" or "#…"). Nothing was sent.`;

/** Reads the credential once per execution and checks its Base URL before any request. */
export async function openConnection(this: IExecuteFunctions, rateLimitAllowanceMs?: number): Promise<TrafficLightConnection> {
	const data = await this.getCredentials(CREDENTIAL_TYPE);
	const reference = this.getNode().credentials?.[CREDENTIAL_TYPE];
	const mask = secretMasker(String(data?.apiKey ?? ''));
	const checked = checkBaseUrl(String(data?.baseUrl ?? ''), DEFAULT_BASE_URL);
	if (!checked.ok) {
		throw new NodeOperationError(this.getNode(), `Base URL "${mask(checked.value)}" ${checked.problem}`, { itemIndex: 0, description: BASE_URL_FIX });
	}
	// A warning, not an error: plain http:// is right for a proxy on the same host or a test server.
	if (checked.unencrypted && typeof this.addExecutionHints === 'function') {
		this.addExecutionHints({
			type: 'warning',
			location: 'outputPane',
			message: `The Base URL ${checked.baseUrl} uses http://: the API key and the leads are not encrypted on the way. Use https:// unless this address is on a network you trust.`,
		});
	}
	return {
		baseUrl: checked.baseUrl,
		credentialType: CREDENTIAL_TYPE,
		credentials: { id: reference?.id ?? '', name: reference?.name ?? '', type: CREDENTIAL_TYPE, data },
		mask,
		classify: classifyAnswer,
		maxAnswerBytes: SEND_ANSWER_BYTES,
		allowance: newRunAllowance(rateLimitAllowanceMs),
	};
}

// ---- Traffic Light's answers ----

const KEY_REJECTED_STATUSES = new Set([401, 403]);
/** An errmsg could be of any length; messages keep this much. */
const MAX_ERRMSG_CHARS = 300;
/** A lead id is short; a longer string is junk, not an id to report as delivered. */
const MAX_LEAD_ID_CHARS = 64;
export const SEND_PATH = '/api/lead/send';

/**
 * The one rule for Traffic Light's id of a lead, in a send answer or a feed row: the first of `id` and
 * the landing kit's `order_id` that is given, when it is a positive integer or a short non-blank string.
 */
export function leadIdOf(body: IDataObject): string | number | undefined {
	const named = ['id', 'order_id'].map((key) => body[key]).find((value) => typeof value === 'number' || (typeof value === 'string' && value !== ''));
	if (typeof named === 'number') return Number.isSafeInteger(named) && named > 0 ? named : undefined;
	return typeof named === 'string' && named.trim() !== '' && named.length <= MAX_LEAD_ID_CHARS ? named : undefined;
}

/** Reads Traffic Light's answer whatever the HTTP status: a non-empty errmsg wins, then the status. */
export function classifyAnswer(statusCode: number, text: string, mask: SecretMasker = secretMasker(''), call?: Pick<CallOptions, 'path'>): CallResult {
	const body = parseJsonData(text, mask);
	const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
	const errmsg = isObject ? (body as IDataObject).errmsg : undefined;
	if (typeof errmsg === 'string' && errmsg.trim() !== '') {
		return { ok: false, failure: { kind: 'errmsg', notDelivered: true, statusCode, errmsg: shorten(errmsg, MAX_ERRMSG_CHARS) } };
	}
	if (KEY_REJECTED_STATUSES.has(statusCode)) return { ok: false, failure: { kind: 'keyRejected', notDelivered: true, statusCode, detail: `HTTP ${statusCode}` } };
	if (statusCode < 200 || statusCode > 299) {
		return { ok: false, failure: { kind: 'http', notDelivered: NOT_DELIVERED_STATUSES.has(statusCode), statusCode, detail: `HTTP ${statusCode}` } };
	}
	if (!isObject) return { ok: false, failure: { kind: 'notAnObject', notDelivered: false, statusCode, detail: answerPreview(text, mask) || 'an empty body' } };
	if (call?.path === SEND_PATH && leadIdOf(body as IDataObject) === undefined) {
		const detail = shortJson(body, MAX_PREVIEW_CHARS);
		return { ok: false, failure: { kind: 'incomplete', notDelivered: false, statusCode, missing: 'a lead id', detail } };
	}
	return { ok: true, statusCode, body: body as IDataObject };
}

// ---- The lead feed ----

/** A lead as the feed returns it. Only `id` and `status` are known for sure; the rest is passed through. */
export type FeedLead = IDataObject;

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
): Promise<{ ok: true; leads: FeedLead[] } | { ok: false; failure: CallFailure }> {
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
