// One request to an outside API and the one retry loop, for any API of the package: it brings its credential, secret to mask and `classify`.
import { type ICredentialsDecrypted, type IHttpRequestMethods, type IAllExecuteFunctions, type IHttpRequestOptions, type RequestHelperFunctions } from 'n8n-workflow';

import { shorten, type SecretMasker } from './outsideData';
import { CANCELLED, deadlineFailure, endTurn, isRefusalForLoad, pauseRun, retryAfterMs, retryDelayMs, takeTurn, TIMED_OUT, untilAborted, waitForSlot, type CallFailure, type CallResult, type Deadline, type Pace, type RunAllowance } from './waits';

/**
 * What a request needs of the node's context: n8n's request helper and, when the context has one, the
 * execution's cancel signal. IExecuteFunctions and IPollFunctions (which has none in n8n 1.x) both fit.
 */
export interface RequestContext {
	helpers: Pick<RequestHelperFunctions, 'httpRequestWithAuthentication'>;
	getExecutionCancelSignal?: () => AbortSignal | undefined;
}

/** Where to send and with what: read once per execution, used for every request of it. */
export interface ApiConnection {
	baseUrl: string;
	credentialType: string;
	credentials: ICredentialsDecrypted;
	/** Replaces the API's secret, in any encoding, in text that came from outside. */
	mask: SecretMasker;
	/** Reads a complete answer (already masked and parsed) as the API means it. */
	classify: (statusCode: number, text: string, mask: SecretMasker, call: CallOptions) => CallResult;
	/** The answer cap of a call that names none. */
	maxAnswerBytes: number;
	/** Shared by every request of the execution: 429/503 pauses and how long they may hold the run. */
	allowance: RunAllowance;
	/** The API's own pace, when it asks for one: every attempt waits for its slot first. */
	pace?: { of: Pace; key: string };
}

export interface CallOptions {
	method: IHttpRequestMethods;
	path: string;
	/** Form fields of a POST; the credential adds its own. */
	form?: Record<string, string>;
	/** Query of a GET; arrays are sent as `name[]=a&name[]=b` as PHP expects. */
	query?: Record<string, string | string[]>;
	/** Bounds the whole request, from connecting to the last byte of the answer. */
	timeoutMs: number;
	/** Longest answer read: what this call's answer can hold; the connection's when not said. */
	maxAnswerBytes?: number;
	/** The item's deadline: bounds the wait for a pause and the request on top of the Timeout. */
	deadline?: Deadline;
}

// ---- Thrown errors ----

type ErrorLike = { code?: unknown; httpCode?: unknown; message?: unknown; messages?: unknown; cause?: unknown };

const SOCKET_CODE = /^E[A-Z_]+$|^ERR_[A-Z_]+$/;

/** The socket code and all messages of the error and its causes (n8n 1.x keeps the code only as httpCode). */
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

/** Turns a thrown request error into what we know about the record's fate. */
export function classifyThrown(error: unknown): CallFailure {
	const { code, text } = codeAndText(error);
	if (code === 'ECONNREFUSED') return { kind: 'refused', notDelivered: true, detail: 'connection refused' };
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
		return { kind: 'dns', notDelivered: true, detail: `the host name could not be resolved (${code})` };
	}
	if (code === 'ERR_CANCELED' || /\bcancel(l)?ed\b|aborted by user/i.test(text)) return { ...CANCELLED };
	if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || /timeout/i.test(text)) {
		return { kind: 'timeout', notDelivered: false, detail: 'no answer within the timeout' };
	}
	if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(text)) {
		return { kind: 'connectionLost', notDelivered: false, detail: 'the connection was closed before an answer arrived' };
	}
	return { kind: 'network', notDelivered: false, detail: code ? `network error ${code}` : 'network error' };
}

// ---- Reading the answer ----

interface ByteStream extends AsyncIterable<unknown> {
	destroy(error?: Error): unknown;
}

function isByteStream(value: unknown): value is ByteStream {
	const candidate = value as Partial<ByteStream> | null;
	return typeof candidate === 'object' && candidate !== null && typeof candidate[Symbol.asyncIterator] === 'function' && typeof candidate.destroy === 'function';
}

function toBuffer(chunk: unknown): Buffer {
	if (Buffer.isBuffer(chunk)) return chunk;
	if (chunk instanceof Uint8Array) return Buffer.from(chunk);
	return Buffer.from(String(chunk), 'utf8');
}

/**
 * Reads at most `maxBytes` of the body into one preallocated buffer (no join of pieces); undefined
 * when it is longer. When `signal` aborts the stream is destroyed and the read throws.
 */
async function readBounded(body: unknown, maxBytes: number, signal: AbortSignal, announced: number): Promise<string | undefined> {
	if (!isByteStream(body)) {
		// An n8n version that ignored `encoding: 'stream'`: already in memory, still capped.
		const text = typeof body === 'string' || Buffer.isBuffer(body) ? body.toString() : body == null ? '' : JSON.stringify(body);
		return Buffer.byteLength(text) > maxBytes ? undefined : text;
	}
	if (announced > maxBytes) {
		body.destroy();
		return undefined;
	}
	const stop = () => body.destroy(new Error('The request was aborted'));
	if (signal.aborted) stop();
	else signal.addEventListener('abort', stop, { once: true });
	try {
		const bytes = Buffer.allocUnsafe(maxBytes);
		let size = 0;
		for await (const chunk of body) {
			const piece = toBuffer(chunk);
			if (size + piece.length > maxBytes) {
				body.destroy();
				return undefined;
			}
			size += piece.copy(bytes, size);
		}
		// A stream destroyed by the abort may simply end; the answer is then incomplete.
		if (signal.aborted) throw new Error('The request was aborted');
		return bytes.toString('utf8', 0, size);
	} finally {
		signal.removeEventListener('abort', stop);
	}
}

// ---- The request ----

/** A Location header could be of any length; messages keep this much. */
const MAX_LOCATION_CHARS = 200;

function toQueryString(query: Record<string, string | string[]>): string {
	const params = new URLSearchParams();
	for (const [name, value] of Object.entries(query)) {
		if (Array.isArray(value)) for (const v of value) params.append(`${name}[]`, v);
		else params.append(name, value);
	}
	return params.toString();
}

/**
 * n8n's request helper replaces `abortSignal` with `this.getExecutionCancelSignal()` (1.x and 2.x
 * alike), so the signal that also carries our Timeout is handed over through a context answering it.
 */
function contextWithSignal(ctx: RequestContext, signal: AbortSignal): IAllExecuteFunctions {
	// `ctx` is the node's own context (execute or poll): n8n's helper reads only what it has.
	return Object.create(ctx, { getExecutionCancelSignal: { value: () => signal } }) as IAllExecuteFunctions;
}

function headerOf(headers: unknown, name: string): string | undefined {
	const value = (headers as Record<string, unknown> | undefined)?.[name];
	return value === undefined || value === null ? undefined : String(Array.isArray(value) ? value[0] : value);
}

type RawResponse = { statusCode?: number; headers?: unknown; body?: unknown };

async function requestOnce(this: RequestContext, connection: ApiConnection, options: CallOptions): Promise<CallResult> {
	const queryString = options.query ? toQueryString(options.query) : '';
	// axios' own `timeout` restarts with every byte received; this one does not.
	const timeoutSignal = AbortSignal.timeout(options.timeoutMs);
	const cancel = this.getExecutionCancelSignal?.();
	const outer = options.deadline?.signal ?? cancel;
	const signal = outer ? AbortSignal.any([timeoutSignal, outer]) : timeoutSignal;
	const request: IHttpRequestOptions = {
		method: options.method,
		url: `${connection.baseUrl}${options.path}${queryString ? `?${queryString}` : ''}`,
		timeout: options.timeoutMs,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// A redirect would re-post the form, secret included, to wherever it points, or turn a POST into a GET.
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
		// The credential read once per execution spares n8n a database read and a decryption per request.
		const response = (await this.helpers.httpRequestWithAuthentication.call(contextWithSignal(this, signal), connection.credentialType, request, {
			credentialsDecrypted: connection.credentials,
		})) as RawResponse;
		const statusCode = Number(response?.statusCode ?? 200);
		if (statusCode >= 300 && statusCode <= 399) {
			if (isByteStream(response?.body)) response.body.destroy();
			const location = shorten(connection.mask(headerOf(response?.headers, 'location') ?? '(no Location header)'), MAX_LOCATION_CHARS);
			return { ok: false, failure: { kind: 'redirect', notDelivered: false, statusCode, location, detail: `a redirect to ${location}` } };
		}
		const maxBytes = options.maxAnswerBytes ?? connection.maxAnswerBytes;
		const text = await readBounded(response?.body, maxBytes, signal, Number(headerOf(response?.headers, 'content-length') ?? 0) || 0);
		if (text === undefined) {
			return { ok: false, failure: { kind: 'tooLarge', notDelivered: false, statusCode, maxBytes, detail: `an answer of more than ${maxBytes} bytes` } };
		}
		const result = connection.classify(statusCode, text, connection.mask, options);
		if (!result.ok && result.failure.kind === 'http' && result.failure.notDelivered) {
			result.failure.retryAfterMs = retryAfterMs(headerOf(response?.headers, 'retry-after'), connection.allowance.now());
		}
		return result;
	} catch (error) {
		// Our Timeout aborts the request the same way a cancelled execution does; tell them apart by the signal.
		if (cancel?.aborted) return { ok: false, failure: { ...CANCELLED } };
		// The item's budget ending mid-request leaves the same unknown outcome as the Timeout.
		if (timeoutSignal.aborted || outer?.aborted) return { ok: false, failure: { ...TIMED_OUT } };
		return { ok: false, failure: classifyThrown(error) };
	}
}

// Failures the same request again cannot fix.
const NOT_WORTH_REPEATING = new Set<CallFailure['kind']>(['errmsg', 'keyRejected', 'redirect', 'tooLarge', 'unverifiable', 'cancelled', 'outOfTime', 'rateLimited']);

/** Whether repeating the same request may give a different answer. */
export function isWorthRepeating(failure: CallFailure): boolean {
	return !NOT_WORTH_REPEATING.has(failure.kind);
}

/** Why a request never went out: its deadline, the execution's cancel, or the run's used-up 429/503 allowance. */
function notStarted(run: RunAllowance, deadline: Deadline | undefined, cancel: AbortSignal | undefined): CallFailure {
	if (deadline?.signal.aborted) return deadlineFailure(deadline);
	if (cancel?.aborted) return { ...CANCELLED };
	const held = Math.round(run.heldBackMs / 1000);
	return { kind: 'rateLimited', notDelivered: true, detail: `the API refused requests for load (HTTP 429/503) until this run had waited ${held} s in all` };
}

/**
 * The one retry loop: repeats the request while `retryable` accepts the failure and attempts are
 * left. Never throws. A 429/503 pauses every request of the run, not only this one: the others,
 * sent meanwhile, would only be refused as well and use up their attempts.
 */
export async function callWithRetries(
	this: RequestContext,
	connection: ApiConnection,
	options: CallOptions,
	retryAttempts: number,
	retryable: (failure: CallFailure) => boolean = isWorthRepeating,
): Promise<{ result: CallResult; attempts: number }> {
	const cancel = this.getExecutionCancelSignal?.();
	const signal = options.deadline?.signal ?? cancel;
	const run = connection.allowance;
	for (let attempts = 1; ; attempts++) {
		const startedAt = await takeTurn(run, signal);
		if (startedAt === undefined) return { result: { ok: false, failure: notStarted(run, options.deadline, cancel) }, attempts };
		if (connection.pace && !(await waitForSlot(connection.pace.of, connection.pace.key, signal))) {
			endTurn(run, startedAt, false);
			return { result: { ok: false, failure: notStarted(run, options.deadline, cancel) }, attempts };
		}
		const result = await requestOnce.call(this, connection, options);
		const refused = !result.ok && isRefusalForLoad(result.failure);
		const retry = !result.ok && retryable(result.failure) && attempts <= retryAttempts;
		const delayMs = result.ok ? 0 : retryDelayMs(attempts, result.failure, options.timeoutMs);
		// The pause is set before the place is handed on, so no waiting request goes out ahead of it.
		if (refused && retry) pauseRun(run, delayMs);
		endTurn(run, startedAt, refused);
		if (!retry) return { result, attempts };
		// The run's wait, so that a test's clock drives the back-off as it drives the pauses.
		if (!refused) await untilAborted(run.sleep(delayMs), signal);
	}
}
