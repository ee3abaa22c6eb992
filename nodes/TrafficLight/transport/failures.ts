import type { IDataObject } from 'n8n-workflow';

/**
 * How a call to Traffic Light ended, in the terms that matter for a lead:
 * did it certainly not arrive (safe to resend), or may it have arrived?
 */
export type CallFailure =
	| { kind: 'refused' | 'dns'; notDelivered: true; detail: string }
	| { kind: 'timeout' | 'connectionLost' | 'network' | 'cancelled'; notDelivered: false; detail: string }
	/** `retryAfterMs`: how long a 429/503 asked to wait (its Retry-After header), when it said. */
	| { kind: 'http'; notDelivered: boolean; statusCode: number; detail: string; retryAfterMs?: number }
	| { kind: 'nonJson'; notDelivered: false; statusCode: number; detail: string }
	| { kind: 'errmsg'; notDelivered: true; statusCode: number; errmsg: string }
	/** HTTP 401/403 without an errmsg: the key was refused before anything was stored. */
	| { kind: 'keyRejected'; notDelivered: true; statusCode: number; detail: string }
	/** A 3xx, not followed: the server that sent it may have stored the lead first (post/redirect/get). */
	| { kind: 'redirect'; notDelivered: false; statusCode: number; location: string; detail: string }
	/** The answer was longer than `maxBytes` and was cut off unread. */
	| { kind: 'tooLarge'; notDelivered: false; statusCode: number; maxBytes: number; detail: string }
	/** The answer held more than MAX_ANSWER_OBJECTS objects and arrays (feed rows included); none of it was used. */
	| { kind: 'tooManyObjects'; notDelivered: false; statusCode: number; maxObjects: number; detail: string }
	/** Valid JSON without what the call needs: `missing` says what ('a lead id', 'a "leads" list'). */
	| { kind: 'incomplete'; notDelivered: false; statusCode: number; missing: string; detail: string }
	/** The lead feed answered, but its rows cannot be matched to the Lead IDs asked for. */
	| { kind: 'unverifiable'; notDelivered: false; detail: string }
	/** Not sent: the item's time budget was used up before the request could go out. */
	| { kind: 'outOfTime'; notDelivered: true; budgetMs: number; detail: string }
	/** Not sent: 429/503 refusals held the run back for its whole allowance (see throttle.ts). */
	| { kind: 'rateLimited'; notDelivered: true; detail: string };

export type CallResult = { ok: true; statusCode: number; body: IDataObject } | { ok: false; failure: CallFailure };

// Statuses that a server or proxy sends before it has taken the request in:
// 429 (rate limited) and 503 (unavailable). Other 5xx and 502/504 from a
// proxy may come after Traffic Light already stored the lead.
export const NOT_DELIVERED_STATUSES = new Set([429, 503]);
export const KEY_REJECTED_STATUSES = new Set([401, 403]);

/** A 429/503: Traffic Light refused the request for load before taking it in. */
export function isRefusalForLoad(failure: CallFailure): boolean {
	return failure.kind === 'http' && NOT_DELIVERED_STATUSES.has(failure.statusCode);
}

/**
 * A Retry-After header (whole seconds, or an HTTP date) as milliseconds from now; undefined unless
 * it asks for a wait in the future, so that 0, -5, 1.5, junk or a past date get the node's own back-off.
 */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
	const text = header?.trim() ?? '';
	let ms = Number.NaN;
	if (/^\d+$/.test(text)) ms = Number(text) * 1000;
	else if (/[a-z]/i.test(text)) ms = Date.parse(text) - now;
	return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

type ErrorLike = { code?: unknown; httpCode?: unknown; message?: unknown; messages?: unknown; cause?: unknown };

const SOCKET_CODE = /^E[A-Z_]+$|^ERR_[A-Z_]+$/;

/**
 * The socket error code and all messages of the error and its causes: httpRequestWithAuthentication
 * wraps the socket error in a NodeApiError. n8n 1.x keeps no cause: the code survives only as the
 * NodeApiError's httpCode, and the original message (replaced by n8n's wording) in `messages`.
 */
function codeAndText(error: unknown): { code: string; text: string } {
	let code = '';
	const parts: string[] = [];
	let link = error as ErrorLike | undefined;
	for (let depth = 0; link && typeof link === 'object' && depth < 5; depth++, link = link.cause as ErrorLike | undefined) {
		for (const candidate of [link.code, link.httpCode]) {
			if (!code && typeof candidate === 'string' && SOCKET_CODE.test(candidate)) code = candidate;
		}
		for (const message of [link.message, ...(Array.isArray(link.messages) ? link.messages : [])]) {
			if (typeof message === 'string') parts.push(message);
		}
	}
	return { code, text: parts.join(' | ') };
}

const CANCELLED_DETAIL = 'the execution was cancelled while the request was under way';
export const CANCELLED: CallFailure = { kind: 'cancelled', notDelivered: false, detail: CANCELLED_DETAIL };
export const TIMED_OUT: CallFailure = { kind: 'timeout', notDelivered: false, detail: 'no complete answer within the timeout' };

/** Turns a thrown request error into what we know about the lead's fate. */
export function classifyThrown(error: unknown): CallFailure {
	const { code, text } = codeAndText(error);
	if (code === 'ECONNREFUSED') return { kind: 'refused', notDelivered: true, detail: 'connection refused' };
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
		return { kind: 'dns', notDelivered: true, detail: `the host name could not be resolved (${code})` };
	}
	if (code === 'ERR_CANCELED' || /\bcancel(l)?ed\b|aborted by user/i.test(text)) {
		return { ...CANCELLED };
	}
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || /timeout/i.test(text)) {
		return { kind: 'timeout', notDelivered: false, detail: 'no answer within the timeout' };
	}
	if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(text)) {
		return { kind: 'connectionLost', notDelivered: false, detail: 'the connection was closed before an answer arrived' };
	}
	return { kind: 'network', notDelivered: false, detail: code ? `network error ${code}` : 'network error' };
}
