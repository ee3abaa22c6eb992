import type {
	ICredentialsDecrypted,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
} from 'n8n-workflow';

export const CREDENTIAL_TYPE = 'trafficLightApi';
export const DEFAULT_BASE_URL = 'https://api.cpa.tl';

/** Where to send and with which credential: read once per execution, used for every request of it. */
export interface TrafficLightConnection {
	baseUrl: string;
	credentials: ICredentialsDecrypted;
}

/**
 * How a call to Traffic Light ended, in the terms that matter for a lead:
 * did it certainly not arrive (safe to resend), or may it have arrived?
 */
export type CallFailure =
	| { kind: 'refused' | 'dns'; notDelivered: true; detail: string }
	| { kind: 'timeout' | 'connectionLost' | 'network' | 'cancelled'; notDelivered: false; detail: string }
	| { kind: 'http'; notDelivered: boolean; statusCode: number; detail: string }
	| { kind: 'nonJson'; notDelivered: false; statusCode: number; detail: string }
	| { kind: 'errmsg'; notDelivered: true; statusCode: number; errmsg: string };

export type CallResult = { ok: true; statusCode: number; body: IDataObject } | { ok: false; failure: CallFailure };

export interface CallOptions {
	method: IHttpRequestMethods;
	path: string;
	/** Form fields of a POST; the credential adds `key`. */
	form?: Record<string, string>;
	/** Query of a GET; arrays are sent as `name[]=a&name[]=b` as Traffic Light's PHP expects. */
	query?: Record<string, string | string[]>;
	timeoutMs: number;
}

/** Waits before each retry of a call that provably changed nothing: 1 s, 2 s, 4 s, … capped at 8 s. */
export function retryDelayMs(attempt: number): number {
	return Math.min(1000 * 2 ** (attempt - 1), 8000);
}

// Statuses that a server or proxy sends before it has taken the request in:
// 429 (rate limited) and 503 (unavailable). Other 5xx and 502/504 from a
// proxy may come after Traffic Light already stored the lead.
const NOT_DELIVERED_STATUSES = new Set([429, 503]);

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
		if (Array.isArray(link.messages)) parts.push(...link.messages.filter((m): m is string => typeof m === 'string'));
	}
	return parts.join(' | ');
}

/** Turns a thrown request error into what we know about the lead's fate. */
export function classifyThrown(error: unknown): CallFailure {
	const code = errorCode(error);
	const text = errorText(error);
	if (code === 'ECONNREFUSED') return { kind: 'refused', notDelivered: true, detail: 'connection refused' };
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
		return { kind: 'dns', notDelivered: true, detail: `the host name could not be resolved (${code})` };
	}
	if (code === 'ERR_CANCELED' || /\bcancel(l)?ed\b|aborted by user/i.test(text)) {
		return { kind: 'cancelled', notDelivered: false, detail: 'the execution was cancelled while the request was under way' };
	}
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || /timeout/i.test(text)) {
		return { kind: 'timeout', notDelivered: false, detail: 'no answer within the timeout' };
	}
	if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(text)) {
		return { kind: 'connectionLost', notDelivered: false, detail: 'the connection was closed before an answer arrived' };
	}
	return { kind: 'network', notDelivered: false, detail: code ? `network error ${code}` : 'network error' };
}

/** Reads Traffic Light's answer whatever the HTTP status: `errmsg` wins, then the status. */
export function classifyAnswer(statusCode: number, rawBody: unknown): CallResult {
	let body: unknown = rawBody;
	if (typeof rawBody === 'string') {
		try {
			body = JSON.parse(rawBody);
		} catch {
			body = undefined;
		}
	} else if (Buffer.isBuffer(rawBody)) {
		try {
			body = JSON.parse(rawBody.toString('utf8'));
		} catch {
			body = undefined;
		}
	}
	const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
	const errmsg = isObject ? (body as IDataObject).errmsg : undefined;
	if (errmsg !== undefined && errmsg !== null && String(errmsg) !== '') {
		return { ok: false, failure: { kind: 'errmsg', notDelivered: true, statusCode, errmsg: String(errmsg) } };
	}
	if (statusCode < 200 || statusCode > 299) {
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
		const preview = typeof rawBody === 'string' ? rawBody.replace(/\s+/g, ' ').trim().slice(0, 120) : typeof rawBody;
		return {
			ok: false,
			failure: { kind: 'nonJson', notDelivered: false, statusCode, detail: preview || 'an empty body' },
		};
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
 * One request to Traffic Light through n8n's credential-aware HTTP helper.
 * Never throws: every outcome comes back as a CallResult, so callers decide
 * about retries and feed checks with the full picture.
 */
export async function callTrafficLight(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	options: CallOptions,
): Promise<CallResult> {
	const queryString = options.query ? toQueryString(options.query) : '';
	const request: IHttpRequestOptions = {
		method: options.method,
		url: `${connection.baseUrl}${options.path}${queryString ? `?${queryString}` : ''}`,
		timeout: options.timeoutMs,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// Read the body as text: Traffic Light or a proxy in front of it may answer
		// HTML, and we want to say so instead of failing on a parse error.
		encoding: 'text',
		json: false,
	};
	if (options.form) {
		request.headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
		request.body = { ...options.form };
	}
	let response: { statusCode?: number; body?: unknown };
	try {
		// Handing over the credential read once per execution spares n8n a database
		// read and a decryption per request (measured in bench/results.md).
		response = (await this.helpers.httpRequestWithAuthentication.call(this, CREDENTIAL_TYPE, request, {
			credentialsDecrypted: connection.credentials,
		})) as { statusCode?: number; body?: unknown };
	} catch (error) {
		return { ok: false, failure: classifyThrown(error) };
	}
	return classifyAnswer(Number(response?.statusCode ?? 200), response?.body);
}

export async function openConnection(this: IExecuteFunctions): Promise<TrafficLightConnection> {
	const data = await this.getCredentials(CREDENTIAL_TYPE);
	const reference = this.getNode().credentials?.[CREDENTIAL_TYPE];
	const configured = String(data?.baseUrl ?? '').trim();
	return {
		baseUrl: (configured || DEFAULT_BASE_URL).replace(/\/+$/, ''),
		credentials: { id: reference?.id ?? '', name: reference?.name ?? '', type: CREDENTIAL_TYPE, data },
	};
}
