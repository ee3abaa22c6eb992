// Reading a Klientiks answer: rows or the API's error words, and the message and fix for any failed call.
import { NodeApiError, type IDataObject, type INode, type JsonObject } from 'n8n-workflow';

import { answerPreview, parseJsonData, shorten, type SecretMasker } from '../../shared/outsideData';
import { NOT_DELIVERED_STATUSES, type CallFailure, type CallResult } from '../../shared/waits';

// Named in the messages below, so they live here; the connection (klientiksApi.ts) uses them too.
export const KLIENTIKS_DEFAULT_BASE_URL = 'https://klientiks.ru';
/** Repeats of a request that failed for a reason a repeat may fix (timeouts, 429, 5xx). */
export const RETRY_ATTEMPTS = 3;
export const NO_DATA = 'No data';

export const CREDENTIAL_FIX =
	'Open the Klientiks API credential and copy Account ID, User ID and Access Token again from Klientiks: Настройки → API (the API needs the PRO+ or API tariff and «Включить api» ticked there).';

/** An API's error words could be of any length; messages keep this much. */
const MAX_ERROR_CHARS = 300;

/** Reads a Klientiks answer: an `items` string other than "No data" is the API's error, whatever the status. */
export function classifyKlientiksAnswer(statusCode: number, text: string, mask: SecretMasker): CallResult {
	const body = parseJsonData(text, mask);
	const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
	const items = isObject ? (body as IDataObject).items : undefined;
	if (typeof items === 'string' && items !== NO_DATA) {
		return { ok: false, failure: { kind: 'errmsg', notDelivered: true, statusCode, errmsg: shorten(items, MAX_ERROR_CHARS) } };
	}
	if (statusCode === 401 || statusCode === 403) return { ok: false, failure: { kind: 'keyRejected', notDelivered: true, statusCode, detail: `HTTP ${statusCode}` } };
	if (statusCode < 200 || statusCode > 299) {
		return { ok: false, failure: { kind: 'http', notDelivered: NOT_DELIVERED_STATUSES.has(statusCode), statusCode, detail: `HTTP ${statusCode}` } };
	}
	if (!isObject) return { ok: false, failure: { kind: 'notAnObject', notDelivered: false, statusCode, detail: answerPreview(text, mask) || 'an empty body' } };
	return { ok: true, statusCode, body: body as IDataObject };
}

/** The rows of an answer: `items` array = rows, object = one row, "No data" or absent = none. */
export function rowsOf(body: IDataObject): IDataObject[] {
	const items = body.items;
	if (Array.isArray(items)) return items as IDataObject[];
	if (typeof items === 'object' && items !== null) return [items as IDataObject];
	return [];
}

// ---- Errors ----

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const CHECK_REACHABLE = `Check the Base URL in the Klientiks API credential (normally ${KLIENTIKS_DEFAULT_BASE_URL}) and that this n8n can reach it.`;

/** What happened on the wire, and the fix. */
export function describeFailure(failure: CallFailure, timeoutMs: number): { message: string; description: string } {
	switch (failure.kind) {
		case 'errmsg':
			return {
				message: `Klientiks refused the request: "${failure.errmsg}"`,
				description: `These are the Klientiks API's own words. A wrong Account ID, User ID or Access Token, an API that is not enabled, or a tariff without the API all answer this way. ${CREDENTIAL_FIX}`,
			};
		case 'keyRejected':
			return { message: `Klientiks did not accept the credential (HTTP ${failure.statusCode})`, description: CREDENTIAL_FIX };
		case 'refused':
		case 'dns':
		case 'network':
			return { message: `Could not reach Klientiks (${failure.detail})`, description: CHECK_REACHABLE };
		case 'timeout':
			return { message: `Klientiks did not answer within ${seconds(timeoutMs)}`, description: `Reading is safe to repeat: run it again later, or raise the Timeout option. ${CHECK_REACHABLE}` };
		case 'connectionLost':
			return { message: 'The connection to Klientiks was closed before it answered', description: `Reading is safe to repeat. ${CHECK_REACHABLE}` };
		case 'http':
			return {
				message: `Klientiks answered HTTP ${failure.statusCode}`,
				description: NOT_DELIVERED_STATUSES.has(failure.statusCode) || failure.statusCode >= 500
					? `Klientiks was busy or failing and still was after ${RETRY_ATTEMPTS} repeats. Run it again later.`
					: `The Klientiks API does not answer this request. ${CHECK_REACHABLE}`,
			};
		case 'rateLimited':
			return { message: 'Klientiks kept refusing requests for load (HTTP 429/503)', description: 'Run it again later, or read fewer rows at once (Limit).' };
		case 'redirect':
			return {
				message: `Klientiks answered with a redirect (HTTP ${failure.statusCode}) to ${failure.location}`,
				description: `The node does not follow redirects, so the token did not go to that address. Set the Base URL in the Klientiks API credential to the address that answers directly (normally ${KLIENTIKS_DEFAULT_BASE_URL}).`,
			};
		case 'tooLarge':
			return {
				message: `Klientiks answered with more than ${Math.round(failure.maxBytes / 1024)} KB (HTTP ${failure.statusCode}); the rest was not read`,
				description: `Not even one row fitted: a Klientiks row is far smaller. ${CHECK_REACHABLE}`,
			};
		case 'notAnObject':
			return {
				message: `Klientiks answered with something that is not a JSON object (HTTP ${failure.statusCode})`,
				description: `The answer began with: ${failure.detail}. ${CHECK_REACHABLE}`,
			};
		case 'cancelled':
			return { message: 'The request to Klientiks was cancelled with the execution', description: 'Nothing to fix: the execution was stopped.' };
		case 'outOfTime':
			return { message: `Time budget of ${seconds(failure.budgetMs)} used up before Klientiks answered`, description: 'Reading resumes at the next run or poll.' };
		default:
			return { message: `Klientiks could not be read (${failure.detail})`, description: CHECK_REACHABLE };
	}
}

/** Built from our own plain object, never from the request: the token cannot reach it. */
export function klientiksError(node: INode, failure: CallFailure, timeoutMs: number, what: string, itemIndex: number): NodeApiError {
	const { message, description } = describeFailure(failure, timeoutMs);
	const httpCode = 'statusCode' in failure ? String(failure.statusCode) : undefined;
	const safe: JsonObject = { message, kind: failure.kind };
	if (failure.kind === 'errmsg') safe.errmsg = failure.errmsg;
	return new NodeApiError(node, safe, { message: `${message} (while reading ${what})`, description, httpCode, itemIndex });
}
