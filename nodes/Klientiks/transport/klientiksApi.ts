// The Klientiks connection: the credential read once, the URL with the token in its path, the paced request and paging.
import { NodeOperationError, type ICredentialDataDecryptedObject, type IDataObject, type INode } from 'n8n-workflow';

import { callWithRetries, isWorthRepeating, type ApiConnection, type RequestContext } from '../../shared/apiRequest';
import { checkBaseUrl, secretMasker } from '../../shared/outsideData';
import { newPace, newRunAllowance, NOT_DELIVERED_STATUSES, rateLimitAllowanceMs, type CallFailure, type CallResult, type Deadline } from '../../shared/waits';
import { classifyKlientiksAnswer, CREDENTIAL_FIX, KLIENTIKS_DEFAULT_BASE_URL, klientiksError, RETRY_ATTEMPTS, rowsOf } from './klientiksAnswers';

/**
 * The Klientiks REST API (research klientiks.md §3, §6): the URL with the token in its path, paging and the pace.
 * Answers (`items` as rows, one row, "No data" or the API's error words) and failure messages are klientiksAnswers.ts'.
 * Requests, caps, masking, deadlines and back-off are the shared transport's (nodes/shared/apiRequest.ts, waits.ts).
 */

export const KLIENTIKS_CREDENTIAL_TYPE = 'klientiksApi';
/** Rows asked per page; the answer's own `limit` echo wins when smaller. */
export const PAGE_SIZE = 100;
/** Default pace: at most one request per second per account (every public client throttles itself; the official limit is unknown). */
export const MIN_REQUEST_GAP_MS = 1000;
export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * A page of PAGE_SIZE client rows with a small json_data is about 105 KB. The cap is what keeps
 * JSON.parse of the worst shape within it (an array of small numbers, masked) one short turn; a page
 * of heavier rows that exceeds it is asked again with half the limit (klientiksList).
 */
export const MAX_ANSWER_BYTES = 160 * 1024;

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

// ---- Calls ----

// A repeat helps after a timeout, a lost connection, a 429 or a 5xx; not after another 4xx.
function worthRepeating(failure: CallFailure): boolean {
	if (failure.kind === 'http' && failure.statusCode < 500 && !NOT_DELIVERED_STATUSES.has(failure.statusCode)) return false;
	return isWorthRepeating(failure);
}

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
