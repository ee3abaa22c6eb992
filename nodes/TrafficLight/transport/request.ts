import {
	NodeOperationError,
	type ICredentialsDecrypted,
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestMethods,
	type IHttpRequestOptions,
} from 'n8n-workflow';

import { checkBaseUrl, DEFAULT_BASE_URL } from './baseUrl';
import { discardBody, MAX_ANSWER_BYTES, readBounded } from './boundedBody';
import { MAX_ANSWER_OBJECTS, parseAnswer } from './answerJson';
import { deadlineFailure, type Deadline } from './deadline';
import { secretMasker, type KeyMasker } from './secretMask';
import { shortJson, shorten } from '../utils/shortText';
import { endTurn, newThrottle, takeTurn, type Throttle } from './throttle';

export { DEFAULT_BASE_URL };
export const CREDENTIAL_TYPE = 'trafficLightApi';

/** Where to send and with which credential: read once per execution, used for every request of it. */
export interface TrafficLightConnection {
	baseUrl: string;
	credentials: ICredentialsDecrypted;
	/** Replaces the API key, in any encoding, in text that came from the API. */
	maskKey: KeyMasker;
	/** Shared by every request of the execution: backs off when Traffic Light refuses one for load. */
	throttle: Throttle;
}

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

export interface CallOptions {
	method: IHttpRequestMethods;
	path: string;
	/** Form fields of a POST; the credential adds `key`. */
	form?: Record<string, string>;
	/** Query of a GET; arrays are sent as `name[]=a&name[]=b` as Traffic Light's PHP expects. */
	query?: Record<string, string | string[]>;
	/** Bounds the whole request, from connecting to the last byte of the answer. */
	timeoutMs: number;
	/** Longest answer read; MAX_ANSWER_BYTES unless said otherwise. */
	maxAnswerBytes?: number;
	/** The item's deadline: bounds the wait for a turn and the request on top of the Timeout. */
	deadline?: Deadline;
}

// Statuses that a server or proxy sends before it has taken the request in:
// 429 (rate limited) and 503 (unavailable). Other 5xx and 502/504 from a
// proxy may come after Traffic Light already stored the lead.
const NOT_DELIVERED_STATUSES = new Set([429, 503]);
const KEY_REJECTED_STATUSES = new Set([401, 403]);

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

/** An errmsg or an echo could be of any length; messages keep this much. */
const MAX_ERRMSG_CHARS = 300;
const MAX_LOCATION_CHARS = 200;

type ErrorLike = { code?: unknown; httpCode?: unknown; message?: unknown; messages?: unknown; cause?: unknown };

/** The error and its causes: httpRequestWithAuthentication wraps the socket error in a NodeApiError. */
function errorChain(error: unknown): ErrorLike[] {
	const chain: ErrorLike[] = [];
	let current = error as ErrorLike | undefined;
	for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
		chain.push(current);
		current = current.cause as ErrorLike | undefined;
	}
	return chain;
}

const SOCKET_CODE = /^E[A-Z_]+$|^ERR_[A-Z_]+$/;

function errorCode(error: unknown): string {
	for (const link of errorChain(error)) {
		if (typeof link.code === 'string' && SOCKET_CODE.test(link.code)) return link.code;
		// n8n 1.x keeps no cause: the socket code survives only as the NodeApiError's httpCode.
		if (typeof link.httpCode === 'string' && SOCKET_CODE.test(link.httpCode)) return link.httpCode;
	}
	return '';
}

function errorText(error: unknown): string {
	const parts: string[] = [];
	for (const link of errorChain(error)) {
		if (typeof link.message === 'string') parts.push(link.message);
		// n8n replaces a known socket error's message with its own wording and keeps the original here.
		if (Array.isArray(link.messages)) for (const m of link.messages) if (typeof m === 'string') parts.push(m);
	}
	return parts.join(' | ');
}

const CANCELLED: CallFailure = {
	kind: 'cancelled',
	notDelivered: false,
	detail: 'the execution was cancelled while the request was under way',
};
const TIMED_OUT: CallFailure = { kind: 'timeout', notDelivered: false, detail: 'no complete answer within the timeout' };

/** Turns a thrown request error into what we know about the lead's fate. */
export function classifyThrown(error: unknown): CallFailure {
	const code = errorCode(error);
	const text = errorText(error);
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

/** Longest answer text a message quotes. */
export const MAX_PREVIEW_CHARS = 120;

/** The start of an answer's text for a message: masked, whitespace collapsed, shortened. */
export function answerPreview(text: string, mask: KeyMasker): string {
	const start = mask.start(text, MAX_PREVIEW_CHARS * 2);
	const collapsed = start.text.replace(/\s+/g, ' ').trim();
	return shorten(start.cut ? `${collapsed}…` : collapsed, MAX_PREVIEW_CHARS);
}

/**
 * Reads Traffic Light's answer whatever the HTTP status: `errmsg` wins, then the status.
 * Every string of it is masked while it is read, so an echoed API key never reaches a message or the output.
 */
export async function classifyAnswer(statusCode: number, text: string, mask: KeyMasker = secretMasker('')): Promise<CallResult> {
	const parsed = await parseAnswer(text, mask);
	const success = statusCode >= 200 && statusCode <= 299;
	if (!parsed.ok && parsed.problem === 'tooManyObjects' && success) {
		const detail = `an answer of more than ${MAX_ANSWER_OBJECTS} objects`;
		return { ok: false, failure: { kind: 'tooManyObjects', notDelivered: false, statusCode, maxObjects: MAX_ANSWER_OBJECTS, detail } };
	}
	const body = parsed.ok ? parsed.value : undefined;
	const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
	const errmsg = isObject ? (body as IDataObject).errmsg : undefined;
	if (errmsg !== undefined && errmsg !== null && errmsg !== '') {
		const quoted = shorten(typeof errmsg === 'string' ? errmsg : shortJson(errmsg, MAX_ERRMSG_CHARS), MAX_ERRMSG_CHARS);
		return { ok: false, failure: { kind: 'errmsg', notDelivered: true, statusCode, errmsg: quoted } };
	}
	if (KEY_REJECTED_STATUSES.has(statusCode)) {
		return { ok: false, failure: { kind: 'keyRejected', notDelivered: true, statusCode, detail: `HTTP ${statusCode}` } };
	}
	if (!success) {
		return {
			ok: false,
			failure: {
				kind: 'http',
				notDelivered: NOT_DELIVERED_STATUSES.has(statusCode),
				statusCode,
				detail: `HTTP ${statusCode}`,
			},
		};
	}
	if (!isObject) {
		const detail = answerPreview(text, mask) || 'an empty body';
		return { ok: false, failure: { kind: 'nonJson', notDelivered: false, statusCode, detail } };
	}
	return { ok: true, statusCode, body: body as IDataObject };
}

export function toQueryString(query: Record<string, string | string[]>): string {
	const params = new URLSearchParams();
	for (const [name, value] of Object.entries(query)) {
		if (Array.isArray(value)) for (const v of value) params.append(`${name}[]`, v);
		else params.append(name, value);
	}
	return params.toString();
}

/**
 * n8n's request helper replaces `abortSignal` in the request options with the
 * execution's cancel signal, read from `this.getExecutionCancelSignal()` (n8n
 * 1.x and 2.x alike). So the signal that also carries our Timeout is handed
 * over the same way: a context that inherits everything from the node's own
 * and answers only that method differently.
 */
function contextWithSignal(ctx: IExecuteFunctions, signal: AbortSignal): IExecuteFunctions {
	return Object.create(ctx, { getExecutionCancelSignal: { value: () => signal } }) as IExecuteFunctions;
}

function headerOf(headers: unknown, name: string): string | undefined {
	const value = (headers as Record<string, unknown> | undefined)?.[name];
	if (value === undefined || value === null) return undefined;
	return Array.isArray(value) ? String(value[0]) : String(value);
}

type RawResponse = { statusCode?: number; headers?: unknown; body?: unknown };

/** What a 3xx means here: we did not follow it, and we say where it pointed (key masked). */
function redirectFailure(statusCode: number, headers: unknown, mask: KeyMasker): CallFailure {
	const location = shorten(mask(headerOf(headers, 'location') ?? '(no Location header)'), MAX_LOCATION_CHARS);
	return { kind: 'redirect', notDelivered: false, statusCode, location, detail: `a redirect to ${location}` };
}

/**
 * One request to Traffic Light through n8n's credential-aware HTTP helper.
 * Never throws: every outcome comes back as a CallResult, so callers decide
 * about retries and feed checks with the full picture.
 *
 * Nothing in the answer is taken on trust: redirects are not followed, the
 * whole request (not only each silence) is bounded by the Timeout, the body is
 * read up to a cap, and the API key is masked in everything read.
 */
export async function callTrafficLight(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	options: CallOptions,
): Promise<CallResult> {
	const cancel = this.getExecutionCancelSignal?.();
	const startedAt = await takeTurn(connection.throttle, options.deadline?.signal ?? cancel);
	if (startedAt === undefined) return { ok: false, failure: notStarted(connection, options.deadline, cancel) };
	let result: CallResult | undefined;
	try {
		result = await requestOnce.call(this, connection, options);
		return result;
	} finally {
		endTurn(connection.throttle, startedAt, result?.ok === false && isRefusalForLoad(result.failure));
	}
}

/** Why a request never went out: its deadline, the execution's cancel, or the run's used-up 429/503 allowance. */
function notStarted(connection: TrafficLightConnection, deadline: Deadline | undefined, cancel: AbortSignal | undefined): CallFailure {
	if (deadline?.signal.aborted) return deadlineFailure(deadline);
	if (cancel?.aborted) return { ...CANCELLED };
	const held = Math.round(connection.throttle.heldBackMs / 1000);
	return { kind: 'rateLimited', notDelivered: true, detail: `Traffic Light refused requests for load (HTTP 429/503) until this run had waited ${held} s in all` };
}

async function requestOnce(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	options: CallOptions,
): Promise<CallResult> {
	const queryString = options.query ? toQueryString(options.query) : '';
	const maxBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
	// axios' own `timeout` restarts with every byte received; this one does not.
	const deadline = AbortSignal.timeout(options.timeoutMs);
	const cancel = this.getExecutionCancelSignal?.();
	const outer = options.deadline?.signal ?? cancel;
	const signal = outer ? AbortSignal.any([deadline, outer]) : deadline;
	const request: IHttpRequestOptions = {
		method: options.method,
		url: `${connection.baseUrl}${options.path}${queryString ? `?${queryString}` : ''}`,
		timeout: options.timeoutMs,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// A redirect would re-post the form, key included, to wherever it points
		// (307/308), or turn the send into a GET whose answer we would misread (301/302).
		disableFollowRedirect: true,
		// Read as a stream so that the size cap applies before anything is buffered.
		encoding: 'stream',
		json: false,
	};
	if (options.form) {
		request.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
		request.body = { ...options.form };
	}
	try {
		// Handing over the credential read once per execution spares n8n a database
		// read and a decryption per request (measured in bench/results.md).
		const response = (await this.helpers.httpRequestWithAuthentication.call(
			contextWithSignal(this, signal),
			CREDENTIAL_TYPE,
			request,
			{ credentialsDecrypted: connection.credentials },
		)) as RawResponse;
		const statusCode = Number(response?.statusCode ?? 200);
		if (statusCode >= 300 && statusCode <= 399) {
			discardBody(response?.body);
			return { ok: false, failure: redirectFailure(statusCode, response?.headers, connection.maskKey) };
		}
		const announced = Number(headerOf(response?.headers, 'content-length'));
		const body = await readBounded(response?.body, maxBytes, signal, Number.isFinite(announced) ? announced : undefined);
		if (!body.ok) {
			const detail = `an answer of more than ${maxBytes} bytes`;
			return { ok: false, failure: { kind: 'tooLarge', notDelivered: false, statusCode, maxBytes, detail } };
		}
		const result = await classifyAnswer(statusCode, body.text, connection.maskKey);
		if (!result.ok && result.failure.kind === 'http' && result.failure.notDelivered) {
			result.failure.retryAfterMs = retryAfterMs(headerOf(response?.headers, 'retry-after'));
		}
		return result;
	} catch (error) {
		// Our Timeout aborts the request the same way a cancelled execution does; tell them apart by the signal.
		if (cancel?.aborted) return { ok: false, failure: { ...CANCELLED } };
		// The item's budget ending mid-request leaves the same unknown outcome as the Timeout.
		if (deadline.aborted || outer?.aborted) return { ok: false, failure: { ...TIMED_OUT } };
		return { ok: false, failure: classifyThrown(error) };
	}
}

const BASE_URL_FIX =
	'Open the Traffic Light API credential and set Base URL to https://api.cpa.tl, or to the root address of your proxy or local test server (http:// or https://, no "?…" or "#…"). Nothing was sent.';

/**
 * Reads the credential once per execution and checks its Base URL before any
 * request, so a typo is a configuration error, not a lead of unknown fate.
 */
export async function openConnection(this: IExecuteFunctions, rateLimitAllowanceMs?: number): Promise<TrafficLightConnection> {
	const data = await this.getCredentials(CREDENTIAL_TYPE);
	const reference = this.getNode().credentials?.[CREDENTIAL_TYPE];
	const maskKey = secretMasker(String(data?.apiKey ?? ''));
	const checked = checkBaseUrl(String(data?.baseUrl ?? ''));
	if (!checked.ok) {
		throw new NodeOperationError(this.getNode(), `Base URL "${maskKey(checked.value)}" ${checked.problem}`, {
			itemIndex: 0,
			description: BASE_URL_FIX,
		});
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
		credentials: { id: reference?.id ?? '', name: reference?.name ?? '', type: CREDENTIAL_TYPE, data },
		maskKey,
		throttle: newThrottle(rateLimitAllowanceMs),
	};
}
