import {
	NodeApiError,
	NodeOperationError,
	type ICredentialDataDecryptedObject,
	type IDataObject,
	type INode,
	type JsonObject,
} from 'n8n-workflow';

import { callWithRetries, isWorthRepeating, type ApiConnection, type RequestContext } from '../../shared/apiRequest';
import { checkBaseUrl, parseJsonData, secretMasker, type SecretMasker, shorten } from '../../shared/outsideData';
import { newPace, newRunAllowance, NOT_DELIVERED_STATUSES, rateLimitAllowanceMs, type CallFailure, type CallResult, type Deadline } from '../../shared/waits';

/**
 * The Klientiks REST API (research klientiks.md §3, §6): the URL with the token in its path, the
 * answers (`items` as rows, one row, "No data" or the API's error words), paging and the pace.
 * Requests, caps, masking, deadlines and back-off are the shared transport's (nodes/shared/apiRequest.ts, waits.ts).
 */

export const KLIENTIKS_CREDENTIAL_TYPE = 'klientiksApi';
export const KLIENTIKS_DEFAULT_BASE_URL = 'https://klientiks.ru';
/** Rows asked per page; the answer's own `limit` echo wins when smaller. */
export const PAGE_SIZE = 100;
/** Default pace: at most one request per second per account (every public client throttles itself; the official limit is unknown). */
export const MIN_REQUEST_GAP_MS = 1000;
export const DEFAULT_TIMEOUT_MS = 30_000;
/** Repeats of a request that failed for a reason a repeat may fix (timeouts, 429, 5xx). */
export const RETRY_ATTEMPTS = 3;
/**
 * A page of PAGE_SIZE client rows with a small json_data is about 105 KB. The cap is what keeps
 * JSON.parse of the worst shape within it (an array of small numbers, masked) one short turn; a page
 * of heavier rows that exceeds it is asked again with half the limit (klientiksList).
 */
export const MAX_ANSWER_BYTES = 192 * 1024;
export const NO_DATA = 'No data';

/** Process-wide, shared by every node and execution: the next time each account may be asked. */
export const klientiksPace = newPace(MIN_REQUEST_GAP_MS);

/**
 * Process-wide: one formatter per time zone. Building one costs a hundred times its use, and a poll
 * reads several stamps per row: built per stamp, a 1,000-row poll held the event loop over half a second.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Zones are few (one per account); the bound only keeps odd input from growing the map. */
const MAX_FORMATTERS = 64;

/** Milliseconds the zone is ahead of UTC at this instant. */
export function zoneOffsetMs(ms: number, timeZone: string): number {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
		if (formatters.size >= MAX_FORMATTERS) formatters.clear();
		formatters.set(timeZone, formatter);
	}
	const parts = formatter.formatToParts(new Date(ms));
	const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) - Math.floor(ms / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in `timeZone`, the wall time written as if it were UTC: Klientiks
 * writes times in the account's zone, without the zone. The offset is taken again at the corrected
 * instant, for a change of offset in between.
 */
export function wallToInstant(wallMs: number, timeZone: string): number {
	return wallMs - zoneOffsetMs(wallMs - zoneOffsetMs(wallMs, timeZone), timeZone);
}

/** What openKlientiks needs of the node's context: IExecuteFunctions and IPollFunctions both fit. */
export interface KlientiksContext extends RequestContext {
	getNode(): INode;
	getCredentials(type: string): Promise<ICredentialDataDecryptedObject>;
}

/** Read once per execution or poll, used for every request of it. The token stays inside `credentials`. */
export type KlientiksConnection = ApiConnection & {
	accountId: string;
	userId: string;
	timeoutMs: number;
	/** Bounds every request and wait of this connection (a poll's budget, the execution's cancel). */
	deadline?: Deadline;
};

const CREDENTIAL_FIX =
	'Open the Klientiks API credential and copy Account ID, User ID and Access Token again from Klientiks: Настройки → API (the API needs the PRO+ or API tariff and «Включить api» ticked there).';

/** Reads the credential once and checks it before any request. */
export async function openKlientiks(this: KlientiksContext, options: { timeoutMs?: number; deadline?: Deadline } = {}): Promise<KlientiksConnection> {
	const node = this.getNode();
	const data = await this.getCredentials(KLIENTIKS_CREDENTIAL_TYPE);
	const token = String(data?.accessToken ?? '').trim();
	const mask = secretMasker(token);
	const accountId = String(data?.accountId ?? '').trim();
	const userId = String(data?.userId ?? '').trim();
	const missing = [accountId === '' && 'Account ID', userId === '' && 'User ID', token === '' && 'Access Token'].filter(Boolean);
	if (missing.length) {
		throw new NodeOperationError(node, `The Klientiks API credential has no ${missing.join(', ')}`, { itemIndex: 0, description: CREDENTIAL_FIX });
	}
	const checked = checkBaseUrl(String(data?.baseUrl ?? ''), KLIENTIKS_DEFAULT_BASE_URL);
	if (!checked.ok) {
		throw new NodeOperationError(node, `Base URL "${mask(checked.value)}" ${checked.problem}`, {
			itemIndex: 0,
			description: `Open the Klientiks API credential and set Base URL to ${KLIENTIKS_DEFAULT_BASE_URL}, or to the root address of your proxy or test server (http:// or https://, no "?…" or "#…"). Nothing was sent.`,
		});
	}
	const reference = node.credentials?.[KLIENTIKS_CREDENTIAL_TYPE];
	const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	return {
		baseUrl: checked.baseUrl,
		credentialType: KLIENTIKS_CREDENTIAL_TYPE,
		credentials: { id: reference?.id ?? '', name: reference?.name ?? '', type: KLIENTIKS_CREDENTIAL_TYPE, data: { ...data, accessToken: token } },
		mask,
		classify: classifyKlientiksAnswer,
		maxAnswerBytes: MAX_ANSWER_BYTES,
		allowance: newRunAllowance(rateLimitAllowanceMs(timeoutMs)),
		pace: { of: klientiksPace, key: accountId },
		accountId,
		userId,
		timeoutMs,
		deadline: options.deadline,
	};
}

// ---- The URL ----

/** `/clientix/Restapi/{action}/a/{account}/u/{user}/t/{token}/{name}/{value}/…/`: every segment encoded. */
export function klientiksPath(c: KlientiksConnection, action: string, params: Array<[string, string]>): string {
	const token = String(c.credentials.data?.accessToken ?? '');
	const pairs: Array<[string, string]> = [['a', c.accountId], ['u', c.userId], ['t', token], ...params];
	return `/clientix/Restapi/${encodeURIComponent(action)}/${pairs.map(([name, value]) => `${encodeURIComponent(name)}/${encodeURIComponent(value)}`).join('/')}/`;
}

// ---- Answers ----

/** An API's error words could be of any length; messages keep this much. */
const MAX_ERROR_CHARS = 300;
const MAX_PREVIEW_CHARS = 120;

function preview(text: string, mask: SecretMasker): string {
	return shorten(mask(text.slice(0, MAX_PREVIEW_CHARS * 2)).replace(/\s+/g, ' ').trim(), MAX_PREVIEW_CHARS);
}

/** Reads a Klientiks answer: an `items` string other than "No data" is the API's error, whatever the status. */
export function classifyKlientiksAnswer(statusCode: number, text: string, mask: SecretMasker): CallResult {
	let body: unknown;
	try {
		body = parseJsonData(text, mask);
	} catch {
		// Not JSON, or nested deeper than the parser's stack.
		body = undefined;
	}
	const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
	const items = isObject ? (body as IDataObject).items : undefined;
	if (typeof items === 'string' && items !== NO_DATA) {
		return { ok: false, failure: { kind: 'errmsg', notDelivered: true, statusCode, errmsg: shorten(items, MAX_ERROR_CHARS) } };
	}
	if (statusCode === 401 || statusCode === 403) return { ok: false, failure: { kind: 'keyRejected', notDelivered: true, statusCode, detail: `HTTP ${statusCode}` } };
	if (statusCode < 200 || statusCode > 299) {
		return { ok: false, failure: { kind: 'http', notDelivered: NOT_DELIVERED_STATUSES.has(statusCode), statusCode, detail: `HTTP ${statusCode}` } };
	}
	if (!isObject) return { ok: false, failure: { kind: 'notAnObject', notDelivered: false, statusCode, detail: preview(text, mask) || 'an empty body' } };
	return { ok: true, statusCode, body: body as IDataObject };
}

/** The rows of an answer: `items` array = rows, object = one row, "No data" or absent = none. */
export function rowsOf(body: IDataObject): IDataObject[] {
	const items = body.items;
	if (Array.isArray(items)) return items as IDataObject[];
	if (typeof items === 'object' && items !== null) return [items as IDataObject];
	return [];
}

// A repeat helps after a timeout, a lost connection, a 429 or a 5xx; not after another 4xx.
function worthRepeating(failure: CallFailure): boolean {
	if (failure.kind === 'http' && failure.statusCode < 500 && !NOT_DELIVERED_STATUSES.has(failure.statusCode)) return false;
	return isWorthRepeating(failure);
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

// ---- Calls ----

interface NodeContext extends RequestContext {
	getNode(): INode;
}

function toQuery(query: Record<string, string> | undefined): Record<string, string> | undefined {
	return query && Object.keys(query).length ? query : undefined;
}

/**
 * One GET; `action` e.g. 'list' | 'getAppointment'; `params` are path pairs after /a/…/u/…/t/… e.g.
 * [['m','clients'],['date','2026-12-01']]. Resolves to the parsed object answer (masked, `__proto__`-safe,
 * capped) or throws NodeApiError (masked, names what failed, itemIndex).
 */
export async function klientiksGet(
	this: NodeContext,
	c: KlientiksConnection,
	action: string,
	params: Array<[string, string]>,
	query?: Record<string, string>,
	itemIndex = 0,
): Promise<IDataObject> {
	const result = await getOnce.call(this, c, action, params, query);
	if (!result.ok) throw klientiksError(this.getNode(), result.failure, c.timeoutMs, describeCall(action, params), itemIndex);
	return result.body;
}

async function getOnce(this: NodeContext, c: KlientiksConnection, action: string, params: Array<[string, string]>, query?: Record<string, string>): Promise<CallResult> {
	const path = klientiksPath(c, action, params);
	const call = { method: 'GET' as const, path, query: toQuery(query), timeoutMs: c.timeoutMs, deadline: c.deadline };
	return (await callWithRetries.call(this, c, call, RETRY_ATTEMPTS, worthRepeating)).result;
}

/** What a call read, for messages: the action and its model, never the token. */
function describeCall(action: string, params: Array<[string, string]>): string {
	const model = params.find(([name]) => name === 'm')?.[1];
	return model ? `${action} ${model}` : action;
}

export interface ListBounds {
	startOffset?: number;
	maxRows?: number;
	maxPages?: number;
}

export interface ListResult {
	rows: IDataObject[];
	/** The item index to ask for next (resume here when not complete). */
	nextOffset: number;
	/** True when the list was read to its end; false when a bound stopped it. */
	complete: boolean;
	totalCount?: number;
}

const isRow = (row: unknown): row is IDataObject => typeof row === 'object' && row !== null && !Array.isArray(row);

/**
 * Pages a list: `offset` is an item index; stops on count 0, on a page shorter than the answer's
 * limit, at total_count, at `maxRows` or `maxPages`. "No data" is empty; any other string in `items`
 * is the API's error (NodeApiError quoting it, masked).
 */
export async function klientiksList(
	this: NodeContext,
	c: KlientiksConnection,
	params: Array<[string, string]>,
	query: Record<string, string>,
	bounds: ListBounds,
	itemIndex = 0,
): Promise<ListResult> {
	const rows: IDataObject[] = [];
	const maxRows = bounds.maxRows ?? Infinity;
	const maxPages = bounds.maxPages ?? Infinity;
	let offset = Math.max(0, Math.floor(bounds.startOffset ?? 0));
	let totalCount: number | undefined;
	let pageSize = PAGE_SIZE;
	for (let pages = 0; ; pages++) {
		if (rows.length >= maxRows || pages >= maxPages) return { rows, nextOffset: offset, complete: false, totalCount };
		const asked = Math.min(pageSize, maxRows - rows.length);
		const result = await getOnce.call(this, c, 'list', params, { ...query, offset: String(offset), limit: String(asked) });
		if (!result.ok && result.failure.kind === 'tooLarge' && asked > 1) {
			// Heavy rows: the same offset again with half the rows, and so on for the rest of the list.
			pageSize = Math.ceil(asked / 2);
			continue;
		}
		if (!result.ok) throw klientiksError(this.getNode(), result.failure, c.timeoutMs, describeCall('list', params), itemIndex);
		const body = result.body;
		const page = rowsOf(body);
		if (!page.every(isRow)) {
			const failure: CallFailure = { kind: 'incomplete', notDelivered: false, statusCode: 200, missing: 'rows', detail: 'an "items" list holding something that is not a row' };
			throw klientiksError(this.getNode(), failure, c.timeoutMs, describeCall('list', params), itemIndex);
		}
		const total = Number(body.total_count);
		if (body.total_count !== undefined && body.total_count !== null && Number.isSafeInteger(total) && total >= 0) totalCount = total;
		// An API that ignores `limit` may send more than asked: what is kept sets the next offset.
		const kept = page.slice(0, asked);
		for (const row of kept) rows.push(row);
		offset += kept.length;
		const echoed = Number(body.limit);
		const pageLimit = Number.isSafeInteger(echoed) && echoed > 0 ? Math.min(echoed, asked) : asked;
		const ended = page.length === 0 || page.length < pageLimit || (totalCount !== undefined && offset >= totalCount);
		if (ended) return { rows, nextOffset: offset, complete: true, totalCount };
	}
}
