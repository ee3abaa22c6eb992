import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { isUnfilledPlaceholder } from './placeholders';
import { combineEncodings, parseQueryString, type DetectedEncoding, type ParsedQuery } from './queryString';
import { SECRET_TOKEN_PARAMETER } from './secretToken';

/**
 * One webhook call, read the same way by both triggers: the query string
 * decoded from its raw form, merged with a form or JSON body, with the
 * secret token taken out so that it can never reach the output.
 */
export interface IncomingRequest {
	method: string;
	/** Every value received per parameter name: body values first, then query values. */
	values: Map<string, unknown[]>;
	/** Values of the secret-token parameter (removed from `values`). */
	tokenValues: unknown[];
	/** The query string as received, minus the secret token. */
	rawQuery: string;
	encoding: DetectedEncoding;
	warnings: string[];
}

/** The parts of express' Request the triggers read; n8n types it loosely. */
interface RequestLike {
	method?: unknown;
	originalUrl?: unknown;
	url?: unknown;
	rawBody?: unknown;
	headers?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * n8n hands the node an express request whose `originalUrl` still holds the
 * query string exactly as it was sent; only that form lets us decode cp1251
 * and report malformed escapes. Without it (never in n8n, sometimes in a
 * test harness) the already-parsed query is re-encoded as UTF-8.
 */
function rawQueryOf(request: RequestLike, parsedQuery: unknown): string {
	const url =
		typeof request.originalUrl === 'string'
			? request.originalUrl
			: typeof request.url === 'string'
				? request.url
				: undefined;
	if (url !== undefined) {
		// Everything after the first "?" is data, "#" included: clients never send a
		// fragment, so a "#" here is a value the sender forgot to escape.
		const questionMark = url.indexOf('?');
		return questionMark === -1 ? '' : url.slice(questionMark + 1);
	}
	if (!isRecord(parsedQuery)) return '';
	const parts: string[] = [];
	for (const [key, value] of Object.entries(parsedQuery)) {
		for (const item of Array.isArray(value) ? value : [value]) {
			parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item ?? ''))}`);
		}
	}
	return parts.join('&');
}

function headerValue(headers: unknown, name: string): string {
	if (!isRecord(headers)) return '';
	const value = headers[name];
	return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : '';
}

interface BodyValues {
	pairs: Array<[string, unknown]>;
	parsed?: ParsedQuery;
	warnings: string[];
}

/**
 * A form body is decoded from its raw bytes (n8n keeps them as
 * `req.rawBody`) for the same cp1251 reason as the query; a JSON body is
 * taken as n8n parsed it; a text body is read as a query string.
 */
function readBody(context: IWebhookFunctions, request: RequestLike): BodyValues {
	const contentType = headerValue(request.headers, 'content-type').toLowerCase();
	const rawBody = request.rawBody;
	if (
		contentType.startsWith('application/x-www-form-urlencoded') &&
		rawBody instanceof Uint8Array &&
		rawBody.length > 0
	) {
		const parsed = parseQueryString(rawBody, 'body');
		return { pairs: parsed.pairs.map(({ key, value }) => [key, value]), parsed, warnings: [] };
	}
	const body: unknown = context.getBodyData();
	if (typeof body === 'string') {
		const parsed = parseQueryString(body, 'body');
		return { pairs: parsed.pairs.map(({ key, value }) => [key, value]), parsed, warnings: [] };
	}
	if (isRecord(body)) {
		return { pairs: Object.entries(body), warnings: [] };
	}
	if (body === undefined || body === null) return { pairs: [], warnings: [] };
	return { pairs: [], warnings: ['The request body is not an object or form data; it was ignored.'] };
}

export function readIncomingRequest(context: IWebhookFunctions): IncomingRequest {
	const request = (context.getRequestObject() ?? {}) as RequestLike;
	const method = typeof request.method === 'string' ? request.method.toUpperCase() : 'GET';

	const query = parseQueryString(rawQueryOf(request, context.getQueryData()));
	const body = readBody(context, request);

	const values = new Map<string, unknown[]>();
	const add = (key: string, value: unknown) => {
		const list = values.get(key);
		if (list) list.push(value);
		else values.set(key, [value]);
	};
	for (const [key, value] of body.pairs) add(key, value);
	for (const { key, value } of query.pairs) add(key, value);

	const tokenValues = values.get(SECRET_TOKEN_PARAMETER) ?? [];
	values.delete(SECRET_TOKEN_PARAMETER);
	const rawQuery = query.pairs
		.filter(({ key }) => key !== SECRET_TOKEN_PARAMETER)
		.map(({ rawPair }) => rawPair)
		.join('&');

	return {
		method,
		values,
		tokenValues,
		rawQuery,
		encoding: body.parsed ? combineEncodings(query.encoding, body.parsed.encoding) : query.encoding,
		warnings: [...query.warnings, ...(body.parsed?.warnings ?? []), ...body.warnings],
	};
}

/** Sets a property even when its name is `__proto__` or `constructor` (keys come from strangers). */
export function setOwn(target: IDataObject, key: string, value: unknown): void {
	Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function describeKey(key: string): string {
	return JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
}

/**
 * Reads single values out of a request and records every oddity it meets
 * (repeated parameter, placeholder the sender left unfilled, value that is
 * not plain text) as a warning on the item.
 */
export class ParameterReader {
	readonly warnings: string[] = [];

	constructor(private readonly values: Map<string, unknown[]>) {}

	has(key: string): boolean {
		return this.values.has(key);
	}

	/**
	 * The text of a parameter, or null when it is absent, is an unfilled
	 * placeholder, or is not plain text. A repeated parameter yields its last
	 * value (PHP's rule, which cpa.tl and most senders follow).
	 */
	text(key: string): string | null {
		const list = this.values.get(key);
		if (list === undefined || list.length === 0) return null;
		const value = list[list.length - 1];
		if (list.length > 1) {
			this.warn(`Parameter ${describeKey(key)} was sent ${list.length} times; the last value is used.`);
		}
		if (typeof value === 'number' || typeof value === 'boolean') return String(value);
		if (value === null || value === undefined) return null;
		if (typeof value !== 'string') {
			this.warn(`Parameter ${describeKey(key)} is not a plain value; it was read as null.`);
			return null;
		}
		if (isUnfilledPlaceholder(value)) {
			this.warn(`Parameter ${describeKey(key)} holds the unfilled placeholder ${value.trim()}; it was read as null.`);
			return null;
		}
		return value;
	}

	/** Like `text` but an empty or blank value is null too. */
	nonEmptyText(key: string): string | null {
		const value = this.text(key);
		if (value === null) return null;
		const trimmed = value.trim();
		return trimmed === '' ? null : trimmed;
	}

	warn(message: string): void {
		if (!this.warnings.includes(message)) this.warnings.push(message);
	}

	/**
	 * Every parameter as an object for the output: one value stays a value,
	 * a repeated one becomes an array, an unfilled placeholder becomes null.
	 */
	allParameters(): IDataObject {
		const result: IDataObject = {};
		for (const [key, list] of this.values) {
			const cleaned = list.map((value) => {
				if (typeof value === 'string' && isUnfilledPlaceholder(value)) {
					this.warn(`Parameter ${describeKey(key)} holds the unfilled placeholder ${value.trim()}; it was read as null.`);
					return null;
				}
				return value;
			});
			setOwn(result, key, cleaned.length === 1 ? cleaned[0] : cleaned);
		}
		return result;
	}
}
