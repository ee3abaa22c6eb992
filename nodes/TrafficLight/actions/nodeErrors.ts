// The errors every operation shares, built from a failed call: a headline that says what happened on
// the wire and a description with the fix (Send's own wording lives in lead/send/results.ts).
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { fixForErrmsg, FIX_API_KEY } from '../leadRules/errmsgFixes';
import { DEFAULT_BASE_URL, isRefusalForLoad, type CallFailure } from '../transport/trafficLightApi';

type Kind = CallFailure['kind'];
type FailureOf<K extends Kind> = CallFailure & { kind: K };

const CHECK_BASE_URL = `Check that the Base URL in the Traffic Light API credential points at Traffic Light's API (normally ${DEFAULT_BASE_URL})`;

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const kilobytes = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/** Short, specific headline per failure: what happened on the wire. */
const HEADLINES: { [K in Kind]: (failure: FailureOf<K>, timeoutMs: number, action: string) => string } = {
	errmsg: (f, _timeoutMs, action) => `Traffic Light rejected the ${action}: ${f.errmsg}`,
	refused: () => 'Could not connect to Traffic Light (connection refused)',
	dns: () => 'Could not connect to Traffic Light (host name not found)',
	timeout: (_f, timeoutMs) => `Traffic Light did not answer within ${seconds(timeoutMs)}`,
	connectionLost: () => 'The connection to Traffic Light was closed before it answered',
	cancelled: () => 'The request to Traffic Light was cancelled with the execution',
	http: (f, _timeoutMs, action) =>
		`${isRefusalForLoad(f) && action === 'lead' ? 'Not sent: rate limited — ' : ''}Traffic Light answered HTTP ${f.statusCode}`,
	rateLimited: () => 'Not sent: rate limited — the run stopped after Traffic Light kept refusing requests for load (HTTP 429/503)',
	outOfTime: (f) => `Time budget of ${seconds(f.budgetMs)} used up`,
	notAnObject: (f) => `Traffic Light answered with something that is not a JSON object (HTTP ${f.statusCode})`,
	incomplete: (f) => `Traffic Light answered without ${f.missing} (HTTP ${f.statusCode})`,
	keyRejected: (f) => `Traffic Light did not accept the API key (HTTP ${f.statusCode})`,
	redirect: (f) => `Traffic Light answered with a redirect (HTTP ${f.statusCode}) to ${f.location}`,
	tooLarge: (f) => `Traffic Light answered with more than ${kilobytes(f.maxBytes)} (HTTP ${f.statusCode}); the rest was not read`,
	unverifiable: () => 'The Traffic Light lead feed did not filter by Lead ID',
	network: (f) => `Could not reach Traffic Light (${f.detail})`,
};

export function headline(failure: CallFailure, timeoutMs: number, action: string): string {
	return (HEADLINES[failure.kind] as (f: CallFailure, timeoutMs: number, action: string) => string)(failure, timeoutMs, action);
}

const CHECK_REACHABLE = ` Check the Base URL in the Traffic Light API credential (normally ${DEFAULT_BASE_URL}) and that this n8n can reach it.`;

/** What the failure itself says about the setup, and how to fix it; none when it says nothing. */
const HINTS: { [K in Kind]?: (failure: FailureOf<K>) => string } = {
	refused: () => CHECK_REACHABLE,
	dns: () => CHECK_REACHABLE,
	notAnObject: (f) => ` The answer began with: ${f.detail}.`,
	incomplete: (f) => ` The answer began with: ${f.detail}.`,
	redirect: () =>
		` The node does not follow redirects, so neither the lead nor the API key went to that address. Traffic Light's API answers directly: a redirect comes from a wrong Base URL or from a proxy in front of it. Set the Base URL in the Traffic Light API credential to the address that answers directly (normally ${DEFAULT_BASE_URL}).`,
	tooLarge: (f) =>
		` Only the first ${kilobytes(f.maxBytes)} was read and none of it was used: a Traffic Light answer is a few hundred bytes per lead. ${CHECK_BASE_URL}.`,
	keyRejected: () => ` ${FIX_API_KEY}`,
};

export function connectionHint(failure: CallFailure): string {
	return (HINTS[failure.kind] as ((f: CallFailure) => string) | undefined)?.(failure) ?? '';
}

/**
 * The one rule for an error thrown while an item is processed: n8n's error types are kept, anything
 * else is wrapped, and the error names that item (n8n shows it; a parameter read does not always set it).
 */
export function itemError(node: INode, thrown: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	const error =
		thrown instanceof NodeApiError || thrown instanceof NodeOperationError
			? thrown
			: new NodeOperationError(node, thrown as Error, { itemIndex });
	error.context.itemIndex = itemIndex;
	return error;
}

/** Builds the error from our own plain object: never from the request, so the API key cannot leak into it. */
export function trafficLightError(
	node: INode,
	failure: CallFailure,
	message: string,
	description: string,
	itemIndex: number,
): NodeApiError {
	const httpCode = 'statusCode' in failure ? String(failure.statusCode) : undefined;
	const safe: JsonObject = { message, kind: failure.kind };
	if (failure.kind === 'errmsg') safe.errmsg = failure.errmsg;
	return new NodeApiError(node, safe, { message, description, httpCode, itemIndex });
}

/** An error for a read-only call (feed, balance), where nothing is at stake but the answer. */
export function readError(node: INode, failure: CallFailure, timeoutMs: number, what: string, itemIndex: number): NodeApiError {
	let description: string;
	if (failure.kind === 'errmsg') description = fixForErrmsg(failure.errmsg);
	else if (failure.kind === 'keyRejected') description = FIX_API_KEY;
	else description = `The ${what} could not be read.${connectionHint(failure)} Reading is safe to repeat.`;
	return trafficLightError(node, failure, headline(failure, timeoutMs, 'request'), description, itemIndex);
}
