import type { IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';

import { shorten } from '../../shared/outsideData';
import { classifyAnswer } from './answer';
import { discardBody, MAX_ANSWER_BYTES, readBounded } from './boundedBody';
import { CREDENTIAL_TYPE, type TrafficLightConnection } from './connection';
import { deadlineFailure, wait, type Deadline } from './deadline';
import { CANCELLED, classifyThrown, isRefusalForLoad, retryAfterMs, TIMED_OUT, type CallFailure, type CallResult } from './failures';
import { endTurn, pauseFor, takeTurn } from './throttle';

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

/** A Location header could be of any length; messages keep this much. */
const MAX_LOCATION_CHARS = 200;

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
	return value === undefined || value === null ? undefined : String(Array.isArray(value) ? value[0] : value);
}

type RawResponse = { statusCode?: number; headers?: unknown; body?: unknown };

/** The longest Retry-After honoured as asked; a longer one is cut to this (and to the request's Timeout). */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Waits before retry `attempt` of a call that provably changed nothing: the Retry-After Traffic
 * Light sent with a 429/503, cut to a minute and to the Timeout; without one 1 s, 2 s, 4 s, … capped at 8 s.
 */
export function retryDelayMs(attempt: number, failure: CallFailure, timeoutMs: number): number {
	const asked = failure.kind === 'http' ? failure.retryAfterMs : undefined;
	if (asked !== undefined) return Math.min(asked, MAX_RETRY_AFTER_MS, timeoutMs);
	return Math.min(1000 * 2 ** (attempt - 1), 8000);
}

// Failures that the same request again cannot fix: a refusal, a redirect, an
// oversized answer, a feed that ignores its filter, a cancelled execution, no time or allowance left.
const NOT_WORTH_REPEATING = new Set<CallFailure['kind']>([
	'errmsg', 'keyRejected', 'redirect', 'tooLarge', 'tooManyObjects',
	'unverifiable', 'cancelled', 'outOfTime', 'rateLimited',
]);

/** Whether repeating the same request may give a different answer. */
export function isWorthRepeating(failure: CallFailure): boolean {
	return !NOT_WORTH_REPEATING.has(failure.kind);
}

/**
 * The one retry loop: calls Traffic Light through n8n's credential-aware HTTP helper again while
 * `retryable` accepts the failure and attempts are left. Never throws: every outcome comes back as
 * a CallResult, so callers decide about feed checks with the full picture. Every wait and request
 * ends with the call's deadline. A refusal for load (429/503) pauses every request of the
 * execution, not only this one: the others, sent at full speed meanwhile, would only be refused as
 * well and use up their attempts.
 *
 * Nothing in the answer is taken on trust: redirects are not followed, the
 * whole request (not only each silence) is bounded by the Timeout, the body is
 * read up to a cap, and the API key is masked in everything read.
 */
export async function callWithRetries(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	options: CallOptions,
	retryAttempts: number,
	retryable: (failure: CallFailure) => boolean = isWorthRepeating,
): Promise<{ result: CallResult; attempts: number }> {
	const cancel = this.getExecutionCancelSignal?.();
	const signal = options.deadline?.signal ?? cancel;
	for (let attempts = 1; ; attempts++) {
		const startedAt = await takeTurn(connection.throttle, signal);
		if (startedAt === undefined) return { result: { ok: false, failure: notStarted(connection, options.deadline, cancel) }, attempts };
		const result = await requestOnce.call(this, connection, options);
		const again = !result.ok && retryable(result.failure) && attempts <= retryAttempts;
		const refused = !result.ok && isRefusalForLoad(result.failure);
		const delayMs = result.ok ? 0 : retryDelayMs(attempts, result.failure, options.timeoutMs);
		if (again && refused) pauseFor(connection.throttle, delayMs);
		endTurn(connection.throttle, startedAt, refused);
		if (!again) return { result, attempts };
		if (!refused) await wait(delayMs, signal);
	}
}

/** One call, not repeated. */
export async function callTrafficLight(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	options: CallOptions,
): Promise<CallResult> {
	return (await callWithRetries.call(this, connection, options, 0)).result;
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
			// Not followed: we say where it pointed (key masked).
			discardBody(response?.body);
			const location = shorten(connection.maskKey(headerOf(response?.headers, 'location') ?? '(no Location header)'), MAX_LOCATION_CHARS);
			return { ok: false, failure: { kind: 'redirect', notDelivered: false, statusCode, location, detail: `a redirect to ${location}` } };
		}
		const announced = Number(headerOf(response?.headers, 'content-length'));
		const body = await readBounded(response?.body, maxBytes, signal, Number.isFinite(announced) ? announced : undefined);
		if (!body.ok) {
			const detail = `an answer of more than ${maxBytes} bytes`;
			return { ok: false, failure: { kind: 'tooLarge', notDelivered: false, statusCode, maxBytes, detail } };
		}
		// Only a cancel stops the reading: an answer that has fully arrived is read even when the item's budget ends meanwhile.
		const result = await classifyAnswer(statusCode, body.text, connection.maskKey, cancel);
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
