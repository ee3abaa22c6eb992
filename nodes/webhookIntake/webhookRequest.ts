// Reading one webhook call: the raw query and body from n8n's request, decoded by queryString.ts, bounded by limits.ts.
import type { IWebhookFunctions } from 'n8n-workflow';

import { isDroppedKey } from '../shared/outsideData';
import { boundedJson, ItemBudget, preview, REQUEST_LIMITS, WarningList } from './limits';
import { parseQueryString, type DecodedPair, type DetectedEncoding } from './queryString';

/**
 * Neither Klientiks nor Traffic Light can sign a request or send a header: all the user controls is
 * the URL. So the secret travels as a query parameter the user appends (`&token=…`); this is its key,
 * checked by `admitCall` and never part of an item.
 */
export const TOKEN_QUERY_KEY = 'token';

/** The parts of express' Request the triggers read, raw (n8n types it loosely): query string as sent, headers, body bytes. */
interface RequestLike {
	method?: unknown;
	originalUrl?: unknown;
	rawBody?: unknown;
	headers?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requestOf(context: IWebhookFunctions): RequestLike {
	return (context.getRequestObject() ?? {}) as RequestLike;
}

/**
 * n8n hands the node an express request whose `originalUrl` still holds the
 * query string exactly as it was sent; only that form lets us decode cp1251
 * and report malformed escapes.
 */
export function rawQueryOf(context: IWebhookFunctions): string {
	const url = requestOf(context).originalUrl;
	if (typeof url !== 'string') return '';
	// Everything after the first "?" is data, "#" included: clients never send a
	// fragment, so a "#" here is a value the sender forgot to escape.
	const questionMark = url.indexOf('?');
	return questionMark === -1 ? '' : url.slice(questionMark + 1);
}

export function headerValue(headers: unknown, name: string): string {
	if (!isRecord(headers)) return '';
	const value = headers[name];
	return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : '';
}

/** Whether the call carries a body, told by its headers alone (HTTP/1.1 marks every body one of these two ways). */
export function hasBody(context: IWebhookFunctions): boolean {
	const { headers } = requestOf(context);
	const length = Number(headerValue(headers, 'content-length'));
	return length > 0 || headerValue(headers, 'transfer-encoding') !== '';
}

/** Whether the body is read from its bytes as a form (n8n keeps them as `req.rawBody`) rather than taken as n8n parsed it. */
function isFormWithBytes(request: RequestLike): boolean {
	const contentType = headerValue(request.headers, 'content-type').toLowerCase();
	return contentType.startsWith('application/x-www-form-urlencoded') && request.rawBody instanceof Uint8Array && request.rawBody.length > 0;
}

/**
 * The size of a body n8n parsed into an object (JSON) when it is more than
 * REQUEST_LIMITS.maxJsonBodyBytes, else 0: told by its bytes or its
 * Content-Length, before any of its keys is listed.
 */
export function oversizedJsonBody(context: IWebhookFunctions): number {
	const request = requestOf(context);
	if (isFormWithBytes(request) || !isRecord(context.getBodyData())) return 0;
	const { rawBody } = request;
	const size = rawBody instanceof Uint8Array ? rawBody.length : Number(headerValue(request.headers, 'content-length')) || 0;
	return size > REQUEST_LIMITS.maxJsonBodyBytes ? size : 0;
}

/**
 * The body as received, for telling one call from another: its bytes as n8n
 * keeps them (`req.rawBody`), or undefined when a parsed body came without them.
 */
export function bodyBytesOf(context: IWebhookFunctions): string | Uint8Array | undefined {
	const { rawBody } = requestOf(context);
	if (rawBody instanceof Uint8Array) return rawBody;
	const body: unknown = context.getBodyData();
	if (typeof body === 'string') return body;
	return body === undefined || body === null || (isRecord(body) && Object.keys(body).length === 0) ? '' : undefined;
}

/**
 * One webhook call, read the same way by both triggers: the query string
 * decoded from its raw form, merged with a form or JSON body, bounded by
 * REQUEST_LIMITS, with the secret token taken out so that it can never reach
 * the output.
 */
export interface IncomingRequest {
	method: string;
	/** Every value received per parameter name: body values first, then query values. */
	values: Map<string, unknown[]>;
	/** The query string as received, minus the secret token, at most REQUEST_LIMITS.maxRawQuery characters. */
	rawQuery: string;
	/** What the call's text was read as: one encoding, or `mixed` when its values differ. */
	encoding: DetectedEncoding | 'mixed';
	/** What each non-ASCII parameter was read as, when the call's values were not all read alike. */
	encodings?: Record<string, DetectedEncoding>;
	warnings: WarningList;
}

interface BodyValues {
	/** Decoded pairs of a form or text body, with their encodings. */
	pairs: DecodedPair[];
	/** Top-level entries of a JSON body, bounded. */
	entries: Array<[string, unknown]>;
	/** Form pairs past the text an item keeps were left undecoded. */
	textLeftOut?: boolean;
}

/**
 * A form body is decoded from its raw bytes (n8n keeps them as
 * `req.rawBody`) for the same cp1251 reason as the query; a JSON body is
 * taken as n8n parsed it, bounded; a text body is read as a query string.
 */
function readBody(
	context: IWebhookFunctions,
	request: RequestLike,
	maxPairs: number,
	budget: ItemBudget,
	warnings: WarningList,
): BodyValues {
	const rawBody = request.rawBody;
	let formOrText: string | Uint8Array | undefined = isFormWithBytes(request) ? (rawBody as Uint8Array) : undefined;
	const body: unknown = formOrText === undefined ? context.getBodyData() : undefined;
	// A text body is read from its bytes too when n8n kept them: a 16 MB string is never copied whole.
	if (typeof body === 'string') formOrText = rawBody instanceof Uint8Array && rawBody.length > 0 ? rawBody : body;
	if (formOrText !== undefined) {
		const parsed = parseQueryString(formOrText, 'body', maxPairs);
		warnings.addAll(parsed.warnings);
		return { pairs: parsed.pairs, entries: [], textLeftOut: parsed.textLeftOut };
	}
	if (isRecord(body)) {
		const entries: Array<[string, unknown]> = [];
		let skipped = 0;
		for (const key of Object.keys(body)) {
			if (entries.length >= maxPairs) {
				skipped++;
			} else if (!budget.spent) {
				const boundedKey = budget.take(key.slice(0, REQUEST_LIMITS.maxKeyLength));
				entries.push([boundedKey, boundedJson(body[key], 0, preview(key), budget, warnings)]);
			}
		}
		if (skipped > 0) {
			warnings.add(`The body has more parameters than the ${entries.length} read; the rest were ignored.`);
		}
		return { pairs: [], entries };
	}
	if (body !== undefined && body !== null) {
		warnings.add('The request body is not an object or form data; it was ignored.');
	}
	return { pairs: [], entries: [] };
}

/**
 * Encoding is judged per call: when some values are valid UTF-8 and others
 * only read as Windows-1251, the latter are most likely damaged UTF-8 (a
 * lone `%D0`), and each is named in a warning.
 */
function judgeEncoding(pairs: DecodedPair[], warnings: WarningList): Pick<IncomingRequest, 'encoding' | 'encodings'> {
	const hasUtf8 = pairs.some((pair) => pair.encoding === 'utf-8');
	const hasWindows1251 = pairs.some((pair) => pair.encoding === 'windows-1251');
	if (!(hasUtf8 && hasWindows1251)) {
		return { encoding: hasWindows1251 ? 'windows-1251' : hasUtf8 ? 'utf-8' : 'ascii' };
	}
	const encodings: Record<string, DetectedEncoding> = {};
	for (const pair of pairs) {
		if (pair.encoding === 'ascii' || isDroppedKey(pair.key)) continue;
		encodings[pair.key] = pair.encoding;
		if (pair.encoding === 'windows-1251' && !pair.damagedUtf8) {
			warnings.add(
				`Parameter ${preview(pair.key)} in the ${pair.source} is not valid UTF-8 while the rest of the call is; it was read as Windows-1251 (${preview(pair.value)}) and may be garbled.`,
			);
		}
	}
	return { encoding: 'mixed', encodings };
}

/** The query string minus the token, kept to REQUEST_LIMITS.maxRawQuery characters. */
function boundedRawQuery(pairs: DecodedPair[], fullLength: number, warnings: WarningList): string {
	let raw = '';
	for (const { rawPair } of pairs) {
		if (rawPair === undefined) continue;
		raw += raw === '' ? rawPair : `&${rawPair}`;
		if (raw.length > REQUEST_LIMITS.maxRawQuery) break;
	}
	if (raw.length <= REQUEST_LIMITS.maxRawQuery) return raw;
	warnings.add(
		`raw.query keeps the first ${REQUEST_LIMITS.maxRawQuery} of the query string's ${fullLength} characters.`,
	);
	return `${raw.slice(0, REQUEST_LIMITS.maxRawQuery)}…`;
}

export function readIncomingRequest(context: IWebhookFunctions): IncomingRequest {
	const request = requestOf(context);
	const method = typeof request.method === 'string' ? request.method.toUpperCase() : 'GET';
	const warnings = new WarningList();
	const budget = new ItemBudget(warnings);

	const rawQuery = rawQueryOf(context);
	const query = parseQueryString(rawQuery);
	warnings.addAll(query.warnings);
	const body = readBody(context, request, REQUEST_LIMITS.maxParameters - query.pairs.length, budget, warnings);

	const values = new Map<string, unknown[]>();
	const add = (key: string, value: unknown, source: string) => {
		if (key === TOKEN_QUERY_KEY) {
			if (source === 'body') {
				warnings.add(`The body's ${TOKEN_QUERY_KEY} parameter was left out: the token is read from the URL query only.`);
			}
			return;
		}
		if (isDroppedKey(key)) {
			warnings.add(`The ${source} holds a "__proto__" parameter; it was left out.`);
			return;
		}
		const list = values.get(key);
		if (list) list.push(value);
		else values.set(key, [value]);
	};
	// JSON entries were bounded as they were read; decoded pairs are bounded here.
	for (const [key, value] of body.entries) add(key, value, 'body');
	const addPairs = (decoded: DecodedPair[], textLeftOut: boolean | undefined) => {
		for (const pair of decoded) {
			const key = budget.take(pair.key);
			// A name the budget had to cut is not the name that was sent: leave the pair out.
			if (key.length === pair.key.length) add(key, budget.take(pair.value), pair.source);
		}
		if (textLeftOut) budget.leaveOutTheRest();
	};
	addPairs(body.pairs, body.textLeftOut);
	addPairs(query.pairs, query.textLeftOut);

	const withoutToken = (pair: DecodedPair) => pair.key !== TOKEN_QUERY_KEY;
	const queryWithoutToken = query.pairs.filter(withoutToken);
	return {
		method,
		values,
		rawQuery: boundedRawQuery(queryWithoutToken, rawQuery.length, warnings),
		...judgeEncoding([...body.pairs.filter(withoutToken), ...queryWithoutToken], warnings),
		warnings,
	};
}
