import { createHash, hash, timingSafeEqual } from 'node:crypto';

import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { findQueryValues } from './queryString';
import { REQUEST_LIMITS } from './limits';
import { bodyBytesOf, hasBody, headerValue, oversizedJsonBody, rawQueryOf, readIncomingRequest, requestOf, TOKEN_QUERY_KEY, type IncomingRequest } from './webhookRequest';

/**
 * A call's admission and answers: the Secret Token, the JSON body's size, the repeat door
 * (process-wide memory, below) and the three answers a trigger gives. Both senders only look at the status
 * code (Traffic Light retries every minute until it sees 200), so the bodies
 * are short JSON meant for a person testing with curl.
 *
 * The webhook descriptions set `responseData: ''`: without it n8n answers the
 * literal text `firstEntryJson` and ignores `webhookResponse` (n8n's webhook
 * helper treats a missing responseData in onReceived mode that way).
 */

/** 200 and an execution. */
export function acceptCall(json: IDataObject, answer: IDataObject): IWebhookResponseData {
	return {
		webhookResponse: { received: true, ...answer },
		workflowData: [[{ json, pairedItem: { item: 0 } }]],
	};
}

/** 200 and no execution: the sender stops retrying, the workflow does not run. */
export function ignoreCall(reason: string): IWebhookResponseData {
	return { webhookResponse: { received: true, ignored: true, reason } };
}

/**
 * 403 (or `status`) and no execution. n8n sends `webhookResponse` with the webhook's fixed
 * status code, so a different code has to be written on the response object
 * directly, after which n8n must be told not to answer again.
 */
export function rejectCall(context: IWebhookFunctions, reason: string, status = 403): IWebhookResponseData {
	const response = context.getResponseObject();
	response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
	response.end(JSON.stringify({ received: false, error: reason }));
	return { noWebhookResponse: true };
}

/**
 * Name of the node parameter that holds the saved Secret Token. Workflows
 * store parameters by this name, so it must never change.
 */
export const SECRET_TOKEN_NODE_PARAMETER = 'secretToken';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export type TokenCheck = 'notRequired' | 'accepted' | 'missing' | 'repeated' | 'wrong';

/**
 * `sentTokens` holds every value the URL query carried under the token key.
 * Exactly one is allowed: with several, a sender could try many guesses in
 * one call. The saved token is trimmed (a pasted one often ends in a space
 * or new line); the sent value is compared as sent.
 */
export function checkSecretToken(savedToken: string, sentTokens: readonly string[]): TokenCheck {
	const saved = savedToken.trim();
	if (saved === '') return 'notRequired';
	if (sentTokens.length > 1) return 'repeated';
	if (sentTokens.length === 0 || sentTokens[0] === '') return 'missing';
	// Compared in constant time. Both sides are hashed first so the buffers have equal length
	// (timingSafeEqual demands it) and the time does not reveal the saved token's length either.
	return timingSafeEqual(digest(saved), digest(sentTokens[0])) ? 'accepted' : 'wrong';
}

const TOKEN_REJECTIONS: Record<Exclude<TokenCheck, 'notRequired' | 'accepted'>, string> = {
	missing: `The ${TOKEN_QUERY_KEY} parameter is missing.`,
	repeated: `The ${TOKEN_QUERY_KEY} parameter is sent more than once; send it once.`,
	wrong: `The ${TOKEN_QUERY_KEY} parameter is wrong.`,
};

/** The answer to a call without the token in its query but with a body, where the sender may have put it. */
const TOKEN_ONLY_IN_QUERY = `The ${TOKEN_QUERY_KEY} parameter is missing from the URL query; it is read from the URL query only, not from the body.`;

/**
 * Checks the token sent in the query against the node's saved Secret Token
 * before anything else: only the token's own pairs of the query string are
 * decoded, so a call without the right token costs next to nothing and an
 * outsider learns nothing about events or statuses. The token counts only in
 * the URL query, the one place to look for it being the line pasted into the sender.
 * Then a JSON body over REQUEST_LIMITS.maxJsonBodyBytes gets 413 and a
 * repeat of a call accepted lately is answered at the door, before the call
 * is read; only a call that passes all three is read whole, and it is
 * remembered at the door only when it starts an execution.
 */
export function admitCall(
	context: IWebhookFunctions,
): { request: IncomingRequest; rememberAccepted(): void } | { answer: IWebhookResponseData } {
	const savedToken = String(context.getNodeParameter(SECRET_TOKEN_NODE_PARAMETER, '') ?? '');
	const query = findQueryValues(rawQueryOf(context), TOKEN_QUERY_KEY);
	const check = checkSecretToken(savedToken, query.values);
	if (check !== 'notRequired' && check !== 'accepted') {
		const reason = check === 'missing' && hasBody(context) ? TOKEN_ONLY_IN_QUERY : TOKEN_REJECTIONS[check];
		return { answer: rejectCall(context, reason) };
	}
	const jsonBytes = oversizedJsonBody(context);
	if (jsonBytes > 0) {
		const reason = `The JSON body holds ${jsonBytes} bytes; this trigger reads JSON bodies of up to ${REQUEST_LIMITS.maxJsonBodyBytes / 1_048_576} MB (a Klientiks or Traffic Light call is a few KB). Send the event's fields in the URL query or a form body.`;
		return { answer: rejectCall(context, reason, 413) };
	}
	const door = checkRepeat(context, query.rest);
	if ('repeat' in door) return { answer: door.repeat };
	return { request: readIncomingRequest(context), rememberAccepted: door.rememberAccepted };
}

// ---- The repeat door ----

/**
 * The repeat door: a production call identical to one this trigger node accepted
 * within its window starts nothing. The memory is process-wide on purpose: n8n keeps
 * nothing else between two calls of a trigger that can be read and written in one
 * step (workflow static data is saved per execution).
 */

/** The trigger option (in its Options collection) and its default, in seconds; 0 turns the door off. */
export const IGNORE_REPEATS_OPTION = 'ignoreRepeatsWithin';
export const IGNORE_REPEATS_DEFAULT_SECONDS = 60;

/** Calls remembered per trigger node: calls to one trigger never push out another's. */
export const MAX_CALLS_PER_NODE = 10_000;
/** Trigger nodes remembered per process; the one called least lately is forgotten first. */
const MAX_NODES = 100;

/** One trigger node's accepted calls, oldest first; each is compared with the window current at check time. */
class NodeCalls {
	private readonly receivedAt = new Map<string, number>();
	/** Arrival order beside the Map: iterating a Map from its start after many deletions walks their holes. */
	private order: Array<{ identity: string; at: number }> = [];
	private head = 0;

	firstReceivedAt(identity: string, windowMs: number, now: number): number | undefined {
		const at = this.receivedAt.get(identity);
		return at !== undefined && now - at < windowMs ? at : undefined;
	}

	remember(identity: string, windowMs: number, now: number): void {
		this.receivedAt.set(identity, now);
		this.order.push({ identity, at: now });
		while (this.head < this.order.length) {
			const oldest = this.order[this.head];
			// A call remembered anew left its old entry behind; stale entries count against the bound too.
			const current = this.receivedAt.get(oldest.identity) === oldest.at;
			const full = this.receivedAt.size > MAX_CALLS_PER_NODE || this.order.length - this.head > 2 * MAX_CALLS_PER_NODE;
			if (current && !full && now - oldest.at < windowMs) break;
			if (current) this.receivedAt.delete(oldest.identity);
			this.head++;
		}
		if (this.head > 1024 && this.head * 2 > this.order.length) {
			this.order = this.order.slice(this.head);
			this.head = 0;
		}
	}
}

/** Per workflow and node, in order of last use. */
const nodes = new Map<string, NodeCalls>();

function callsOf(nodeKey: string): NodeCalls {
	const calls = nodes.get(nodeKey) ?? new NodeCalls();
	nodes.delete(nodeKey);
	nodes.set(nodeKey, calls);
	if (nodes.size > MAX_NODES) nodes.delete(nodes.keys().next().value as string);
	return calls;
}

function windowSecondsOf(context: IWebhookFunctions): number {
	const options = context.getNodeParameter('options', {}) as IDataObject;
	const seconds = options[IGNORE_REPEATS_OPTION] ?? IGNORE_REPEATS_DEFAULT_SECONDS;
	return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/** Media type and charset: the same bytes as form or JSON, as UTF-8 or Windows-1251, are different calls. */
function contentTypeOf(headers: unknown): string {
	const [mediaType, ...parameters] = headerValue(headers, 'content-type').toLowerCase().split(';');
	const charset = parameters.map((p) => p.trim()).find((p) => p.startsWith('charset='));
	return `${mediaType.trim()};${charset?.slice('charset='.length).replace(/"/g, '').trim() ?? ''}`;
}

/** A digest of everything that makes two calls the same call; its cost grows with the call's size only. */
function callIdentity(head: string, body: string | Uint8Array): string {
	// A text body is hashed in one go with the rest: every separate update is a crossing into native code.
	if (typeof body === 'string') return hash('sha256', head + body, 'base64');
	return createHash('sha256').update(head).update(body).digest('base64');
}

/** A repeat's answer, or how to remember the call once it starts an execution. */
export type DoorCheck = { repeat: IWebhookResponseData } | { rememberAccepted(): void };

const passes: DoorCheck = { rememberAccepted: () => undefined };

/**
 * For a production call the token accepted: the answer to a repeat of a call accepted
 * within the trigger's current window (200, starting nothing), or `rememberAccepted`,
 * to be called only when the call starts an execution (in the same synchronous turn, so
 * of two identical calls arriving together exactly one passes). Test calls (Listen for
 * test event) are never held back and never remembered. `queryWithoutToken` is the
 * query string with the token's pairs cut out.
 */
export function checkRepeat(context: IWebhookFunctions, queryWithoutToken: string): DoorCheck {
	if (context.getMode() === 'manual') return passes;
	const windowSeconds = windowSecondsOf(context);
	if (windowSeconds === 0) return passes;
	const body = bodyBytesOf(context);
	// A body whose bytes n8n did not keep cannot be compared byte for byte: such a call passes.
	if (body === undefined) return passes;
	const node = context.getNode();
	const { method, headers } = requestOf(context);
	const calls = callsOf(`${String(context.getWorkflow().id ?? '')}\0${node.id ?? node.name}`);
	// Each field ends in a NUL, which none of them can hold except the body, which comes last.
	const head = `${typeof method === 'string' ? method.toUpperCase() : 'GET'}\0${contentTypeOf(headers)}\0${queryWithoutToken}\0`;
	const identity = callIdentity(head, body);
	const windowMs = windowSeconds * 1000;
	const firstReceivedAt = calls.firstReceivedAt(identity, windowMs, Date.now());
	if (firstReceivedAt === undefined) return { rememberAccepted: () => calls.remember(identity, windowMs, Date.now()) };
	const webhookResponse = {
		received: true,
		repeat: true,
		firstReceivedAt: new Date(firstReceivedAt).toISOString(),
		message: `An identical call was received within the last ${windowSeconds} s; this repeat starts nothing.`,
	};
	return { repeat: { webhookResponse } };
}
