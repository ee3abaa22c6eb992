// The n8n errors the Traffic Light node throws, built from a failed call: a headline that says what
// happened on the wire and a description with the fix (errmsg meanings live in errmsgFixes.ts).
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { fixForErrmsg, FIX_API_KEY, isKeyProblem } from '../leadRules/errmsgFixes';
import type { DeliveryOutcome } from './lead/send/delivery';
import { RATE_LIMIT_ALLOWANCE_TIMEOUTS } from '../transport/throttle';
import { isRefusalForLoad, type CallFailure } from '../transport/failures';

/** Short, specific headline: what happened on the wire. */
export function headline(failure: CallFailure, timeoutMs: number, action: string): string {
	switch (failure.kind) {
		case 'errmsg':
			return `Traffic Light rejected the ${action}: ${failure.errmsg}`;
		case 'refused':
			return 'Could not connect to Traffic Light (connection refused)';
		case 'dns':
			return 'Could not connect to Traffic Light (host name not found)';
		case 'timeout':
			return `Traffic Light did not answer within ${Math.round(timeoutMs / 100) / 10} s`;
		case 'connectionLost':
			return 'The connection to Traffic Light was closed before it answered';
		case 'cancelled':
			return 'The request to Traffic Light was cancelled with the execution';
		case 'http':
			if (isRateLimit(failure) && action === 'lead') return `Not sent: rate limited — Traffic Light answered HTTP ${failure.statusCode}`;
			return `Traffic Light answered HTTP ${failure.statusCode}`;
		case 'rateLimited':
			return 'Not sent: rate limited — the run stopped after Traffic Light kept refusing requests for load (HTTP 429/503)';
		case 'outOfTime':
			return `Time budget of ${Math.round(failure.budgetMs / 100) / 10} s used up`;
		case 'nonJson':
			return `Traffic Light answered with something that is not JSON (HTTP ${failure.statusCode})`;
		case 'incomplete':
			return `Traffic Light answered without ${failure.missing} (HTTP ${failure.statusCode})`;
		case 'tooManyObjects':
			return `Traffic Light answered with more than ${failure.maxObjects.toLocaleString('en-US')} objects (HTTP ${failure.statusCode}); none of it was used`;
		case 'keyRejected':
			return `Traffic Light did not accept the API key (HTTP ${failure.statusCode})`;
		case 'redirect':
			return `Traffic Light answered with a redirect (HTTP ${failure.statusCode}) to ${failure.location}`;
		case 'tooLarge':
			return `Traffic Light answered with more than ${megabytes(failure.maxBytes)} (HTTP ${failure.statusCode}); the rest was not read`;
		case 'unverifiable':
			return 'The Traffic Light lead feed did not filter by Lead ID';
		default:
			return `Could not reach Traffic Light (${failure.detail})`;
	}
}

/** HTTP 429/503, or the run's allowance for them used up: nothing was sent, for load. */
function isRateLimit(failure: CallFailure): boolean {
	return failure.kind === 'rateLimited' || isRefusalForLoad(failure);
}

function megabytes(bytes: number): string {
	return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
}

/** What the failure itself says about the setup, and how to fix it; '' when it says nothing. */
function connectionHint(failure: CallFailure): string {
	switch (failure.kind) {
		case 'refused':
		case 'dns':
			return ' Check the Base URL in the Traffic Light API credential (normally https://api.cpa.tl) and that this n8n can reach it.';
		case 'nonJson':
		case 'incomplete':
			return ` The answer began with: ${failure.detail}.`;
		case 'redirect':
			return " The node does not follow redirects, so neither the lead nor the API key went to that address. Traffic Light's API answers directly: a redirect comes from a wrong Base URL or from a proxy in front of it. Set the Base URL in the Traffic Light API credential to the address that answers directly (normally https://api.cpa.tl).";
		case 'tooLarge':
			return ` Only the first ${megabytes(failure.maxBytes)} was read and none of it was used: a Traffic Light answer is a few hundred bytes per lead. Check that the Base URL in the Traffic Light API credential points at Traffic Light's API (normally https://api.cpa.tl); for Get Status by date range, choose a shorter range.`;
		case 'tooManyObjects':
			return ` A feed row is one object, and no real answer holds that many. Check that the Base URL in the Traffic Light API credential points at Traffic Light's API (normally https://api.cpa.tl); for Get Status by date range, choose a shorter range.`;
		case 'keyRejected':
			return ` ${FIX_API_KEY}`;
		default:
			return '';
	}
}

/** Plain-language consequence for a lead that was not confirmed, with the next step. */
export function deliveryDescription(
	outcome: Extract<DeliveryOutcome, { delivered: false }>,
	leadId: string | undefined,
	timeoutMs: number,
): string {
	const { failure, attempts } = outcome;
	const tries = attempts > 1 ? ` (tried ${attempts} times)` : '';
	switch (outcome.resolution) {
		case 'rejected':
			if (failure.kind === 'errmsg') return `${fixForErrmsg(failure.errmsg)} The lead was not created.`;
			return `${FIX_API_KEY} The lead was not created.`;
		case 'unreachable':
			return `The lead was not delivered${tries}; sending it again is safe.${connectionHint(failure)}`;
		case 'rateLimited':
			return `Traffic Light refused the lead for load${tries}, so it was not delivered; sending it again later is safe. A run stops sending once such refusals have held it back for ${RATE_LIMIT_ALLOWANCE_TIMEOUTS} × Timeout in all.`;
		case 'outOfTime':
			return 'The lead was not sent: its time budget ((Retry Attempts + 5) × Timeout) ran out while it waited for its turn. Sending it again is safe.';
		case 'notFoundInFeed':
			return `The outcome of the send was unknown, so the node checked the Traffic Light lead feed for Lead ID "${leadId}" instead of resending: there is no such lead. The lead was not delivered, and sending it again is safe.${connectionHint(failure)}`;
		case 'stillUnknown':
			return `The lead may or may not have reached Traffic Light: the send ended without an answer and the lead feed could not be read either (${outcome.feedFailure ? headline(outcome.feedFailure, timeoutMs, 'request') : 'no answer'}). The node did not resend it, to avoid a duplicate. Check with Lead → Get Status by Lead ID "${leadId}" before sending it again.${connectionHint(failure)}`;
		case 'unknownWithoutLeadId':
			return `The lead may or may not have reached Traffic Light, and without a Lead ID the node cannot check. It was not resent, because a resend may create a duplicate. Set Lead ID (e.g. the Klientiks Trigger output "leadId") so that the node can confirm such sends by itself.${connectionHint(failure)}`;
	}
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

function refusesKey(failure: CallFailure): boolean {
	return failure.kind === 'keyRejected' || (failure.kind === 'errmsg' && isKeyProblem(failure.errmsg));
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
	let message = isRateLimit(failure)
		? `Not sent: rate limited — Traffic Light refused the duplicate check of Lead ID "${leadId}" for load (HTTP 429/503)`
		: `${headline(failure, timeoutMs, 'request')} while checking Lead ID "${leadId}" for duplicates — nothing was sent`;
	let description: string;
	if (refusesKey(failure)) {
		description = `Skip Duplicates reads the Traffic Light lead feed before sending, and Traffic Light refused it for this API key, so the lead was held back. Fix the API key — ${FIX_API_KEY} Sending the lead afterwards is safe.`;
	} else if (failure.kind === 'unverifiable') {
		message = `Could not verify Lead ID "${leadId}" against the Traffic Light lead feed — nothing was sent`;
		description = `Skip Duplicates reads the Traffic Light lead feed to tell a new lead from a repeated one, but the feed answer was not filtered by Lead ID (${failure.detail}), so it proves neither. The lead was held back. Check that the Base URL in the Traffic Light API credential is Traffic Light's API (normally https://api.cpa.tl) and not a proxy that drops the query. If it is, ask Traffic Light support about the feed's id2[] filter; meanwhile Skip Duplicates can be turned off in the node options, at the price that a repeated run sends a lead again.`;
	} else {
		description = `Skip Duplicates reads the Traffic Light lead feed to tell a new lead from a repeated one; the feed could not be read, so the lead was held back instead of risking a duplicate.${connectionHint(failure)} Sending it again is safe: run the workflow again when Traffic Light answers, or turn Skip Duplicates off in the node options.`;
	}
	return { message, error: trafficLightError(node, failure, message, description, itemIndex) };
}
