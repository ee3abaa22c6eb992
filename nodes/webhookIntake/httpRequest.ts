import type { IWebhookFunctions } from 'n8n-workflow';

/**
 * What the triggers read of n8n's express request, raw: the query string as
 * sent, the headers, the body's bytes. Nothing here decodes a value.
 */

/** The parts of express' Request the triggers read; n8n types it loosely. */
export interface RequestLike {
	method?: unknown;
	originalUrl?: unknown;
	url?: unknown;
	rawBody?: unknown;
	headers?: Record<string, unknown>;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requestOf(context: IWebhookFunctions): RequestLike {
	return (context.getRequestObject() ?? {}) as RequestLike;
}

/**
 * n8n hands the node an express request whose `originalUrl` still holds the
 * query string exactly as it was sent; only that form lets us decode cp1251
 * and report malformed escapes. Without it (never in n8n, sometimes in a
 * test harness) the already-parsed query is re-encoded as UTF-8.
 */
export function rawQueryOf(context: IWebhookFunctions): string {
	const request = requestOf(context);
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
	const parsedQuery: unknown = context.getQueryData();
	if (!isRecord(parsedQuery)) return '';
	const parts: string[] = [];
	for (const [key, value] of Object.entries(parsedQuery)) {
		for (const item of Array.isArray(value) ? value : [value]) {
			parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item ?? ''))}`);
		}
	}
	return parts.join('&');
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
