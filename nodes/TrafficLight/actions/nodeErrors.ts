// The n8n errors the Traffic Light node throws, built from a failed call: a headline that says what
// happened on the wire and a description with the fix (errmsg meanings live in errmsgFixes.ts).
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { fixForErrmsg, FIX_API_KEY, isKeyProblem } from '../leadRules/errmsgFixes';
import type { DeliveryOutcome, Resolution } from './lead/send/delivery';
import { RATE_LIMIT_ALLOWANCE_TIMEOUTS } from '../transport/trafficLightApi';
import { isRefusalForLoad, type CallFailure } from '../transport/trafficLightApi';

type Kind = CallFailure['kind'];
type FailureOf<K extends Kind> = CallFailure & { kind: K };

const CHECK_BASE_URL = "Check that the Base URL in the Traffic Light API credential points at Traffic Light's API (normally https://api.cpa.tl)";

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

const CHECK_REACHABLE = ' Check the Base URL in the Traffic Light API credential (normally https://api.cpa.tl) and that this n8n can reach it.';

/** What the failure itself says about the setup, and how to fix it; none when it says nothing. */
const HINTS: { [K in Kind]?: (failure: FailureOf<K>) => string } = {
	refused: () => CHECK_REACHABLE,
	dns: () => CHECK_REACHABLE,
	notAnObject: (f) => ` The answer began with: ${f.detail}.`,
	incomplete: (f) => ` The answer began with: ${f.detail}.`,
	redirect: () =>
		" The node does not follow redirects, so neither the lead nor the API key went to that address. Traffic Light's API answers directly: a redirect comes from a wrong Base URL or from a proxy in front of it. Set the Base URL in the Traffic Light API credential to the address that answers directly (normally https://api.cpa.tl).",
	tooLarge: (f) =>
		` Only the first ${kilobytes(f.maxBytes)} was read and none of it was used: a Traffic Light answer is a few hundred bytes per lead. ${CHECK_BASE_URL}; for Get Status by date range, choose a shorter range.`,
	keyRejected: () => ` ${FIX_API_KEY}`,
};

function connectionHint(failure: CallFailure): string {
	return (HINTS[failure.kind] as ((f: CallFailure) => string) | undefined)?.(failure) ?? '';
}

type NotDelivered = Extract<DeliveryOutcome, { delivered: false }>;
type Facts = Pick<NotDelivered, 'failure' | 'feedFailure'> & { leadId?: string; timeoutMs: number; tries: string };

/** Plain-language consequence for a lead that was not confirmed, with the next step. */
const CONSEQUENCES: Record<Resolution, (facts: Facts) => string> = {
	rejected: ({ failure }) => `${failure.kind === 'errmsg' ? fixForErrmsg(failure.errmsg) : FIX_API_KEY} The lead was not created.`,
	unreachable: ({ failure, tries }) =>
		`The lead was not delivered${tries}; sending it again is safe.${connectionHint(failure)}`,
	rateLimited: ({ tries }) =>
		`Traffic Light refused the lead for load${tries}, so it was not delivered; sending it again later is safe. A run stops sending once such refusals have held it back for ${RATE_LIMIT_ALLOWANCE_TIMEOUTS} × Timeout in all.`,
	outOfTime: () =>
		'The lead was not sent: its time budget ((Retry Attempts + 5) × Timeout) ran out while it waited for its turn. Sending it again is safe.',
	notFoundInFeed: ({ failure, leadId }) =>
		`The outcome of the send was unknown, so the node checked the Traffic Light lead feed for Lead ID "${leadId}" instead of resending: there is no such lead. The lead was not delivered, and sending it again is safe.${connectionHint(failure)}`,
	stillUnknown: ({ failure, feedFailure, leadId, timeoutMs }) =>
		`The lead may or may not have reached Traffic Light: the send ended without an answer and the lead feed could not be read either (${feedFailure ? headline(feedFailure, timeoutMs, 'request') : 'no answer'}). The node did not resend it, to avoid a duplicate. Check with Lead → Get Status by Lead ID "${leadId}" before sending it again.${connectionHint(failure)}`,
	unknownWithoutLeadId: ({ failure }) =>
		`The lead may or may not have reached Traffic Light, and without a Lead ID the node cannot check. It was not resent, because a resend may create a duplicate. Set Lead ID (e.g. the Klientiks Trigger output "leadId") so that the node can confirm such sends by itself.${connectionHint(failure)}`,
};

export function deliveryDescription(outcome: NotDelivered, leadId: string | undefined, timeoutMs: number): string {
	const { failure, feedFailure, attempts } = outcome;
	const tries = attempts > 1 ? ` (tried ${attempts} times)` : '';
	return CONSEQUENCES[outcome.resolution]({ failure, feedFailure, leadId, timeoutMs, tries });
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

/**
 * The error for a lead held back because Skip Duplicates could not check its
 * Lead ID. The fix depends on why: a refused key, a feed that ignores the
 * Lead ID filter, or a feed that could not be read this time.
 */
export function duplicateCheckError(
	node: INode,
	failure: CallFailure,
	leadId: string,
	timeoutMs: number,
	itemIndex: number,
): { message: string; error: NodeApiError } {
	let message =
		failure.kind === 'rateLimited' || isRefusalForLoad(failure)
		? `Not sent: rate limited — Traffic Light refused the duplicate check of Lead ID "${leadId}" for load (HTTP 429/503)`
		: `${headline(failure, timeoutMs, 'request')} while checking Lead ID "${leadId}" for duplicates — nothing was sent`;
	let description: string;
	if (failure.kind === 'keyRejected' || (failure.kind === 'errmsg' && isKeyProblem(failure.errmsg))) {
		description = `Skip Duplicates reads the Traffic Light lead feed before sending, and Traffic Light refused it for this API key, so the lead was held back. Fix the API key — ${FIX_API_KEY} Sending the lead afterwards is safe.`;
	} else if (failure.kind === 'unverifiable') {
		message = `Could not verify Lead ID "${leadId}" against the Traffic Light lead feed — nothing was sent`;
		description = `Skip Duplicates reads the Traffic Light lead feed to tell a new lead from a repeated one, but the feed answer was not filtered by Lead ID (${failure.detail}), so it proves neither. The lead was held back. Check that the Base URL in the Traffic Light API credential is Traffic Light's API (normally https://api.cpa.tl) and not a proxy that drops the query. If it is, ask Traffic Light support about the feed's id2[] filter; meanwhile Skip Duplicates can be turned off in the node options, at the price that a repeated run sends a lead again.`;
	} else {
		description = `Skip Duplicates reads the Traffic Light lead feed to tell a new lead from a repeated one; the feed could not be read, so the lead was held back instead of risking a duplicate.${connectionHint(failure)} Sending it again is safe: run the workflow again when Traffic Light answers, or turn Skip Duplicates off in the node options.`;
	}
	return { message, error: trafficLightError(node, failure, message, description, itemIndex) };
}
