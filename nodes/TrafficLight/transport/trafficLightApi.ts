import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import { callWithRetries, type ApiConnection, type CallOptions } from '../../shared/apiRequest';
import { checkBaseUrl } from '../../shared/baseUrl';
import { parseJsonData, secretMasker, shortJson, shorten, type SecretMasker } from '../../shared/outsideData';
import { newRunAllowance, NOT_DELIVERED_STATUSES, type CallResult } from '../../shared/waits';

export { callWithRetries, isWorthRepeating } from '../../shared/apiRequest';
export {
	deadlineFailure,
	isRefusalForLoad,
	RATE_LIMIT_ALLOWANCE_TIMEOUTS,
	rateLimitAllowanceMs,
	startDeadline,
	untilAborted,
	wait,
	type CallFailure,
	type CallResult,
	type Deadline,
} from '../../shared/waits';

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
/** Longest answer text a message quotes. */
const MAX_PREVIEW_CHARS = 120;
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

function preview(text: string, mask: SecretMasker): string {
	return shorten(mask(text.slice(0, MAX_PREVIEW_CHARS * 2)).replace(/\s+/g, ' ').trim(), MAX_PREVIEW_CHARS);
}

function parsed(text: string, mask: SecretMasker): unknown {
	try {
		return parseJsonData(text, mask);
	} catch {
		// Not JSON, or nested deeper than the parser's stack: never an answer to act on.
		return undefined;
	}
}

/** Reads Traffic Light's answer whatever the HTTP status: a non-empty errmsg wins, then the status. */
export function classifyAnswer(statusCode: number, text: string, mask: SecretMasker = secretMasker(''), call?: Pick<CallOptions, 'path'>): CallResult {
	const body = parsed(text, mask);
	const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
	const errmsg = isObject ? (body as IDataObject).errmsg : undefined;
	if (typeof errmsg === 'string' && errmsg.trim() !== '') {
		return { ok: false, failure: { kind: 'errmsg', notDelivered: true, statusCode, errmsg: shorten(errmsg, MAX_ERRMSG_CHARS) } };
	}
	if (KEY_REJECTED_STATUSES.has(statusCode)) return { ok: false, failure: { kind: 'keyRejected', notDelivered: true, statusCode, detail: `HTTP ${statusCode}` } };
	if (statusCode < 200 || statusCode > 299) {
		return { ok: false, failure: { kind: 'http', notDelivered: NOT_DELIVERED_STATUSES.has(statusCode), statusCode, detail: `HTTP ${statusCode}` } };
	}
	if (!isObject) return { ok: false, failure: { kind: 'notAnObject', notDelivered: false, statusCode, detail: preview(text, mask) || 'an empty body' } };
	if (call?.path === SEND_PATH && leadIdOf(body as IDataObject) === undefined) {
		const detail = shortJson(body, MAX_PREVIEW_CHARS);
		return { ok: false, failure: { kind: 'incomplete', notDelivered: false, statusCode, missing: 'a lead id', detail } };
	}
	return { ok: true, statusCode, body: body as IDataObject };
}

/** One call, not repeated. */
export async function callTrafficLight(this: IExecuteFunctions, connection: TrafficLightConnection, options: CallOptions): Promise<CallResult> {
	return (await callWithRetries.call(this, connection, options, 0)).result;
}
