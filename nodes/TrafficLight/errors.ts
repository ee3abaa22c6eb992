import { NodeApiError, type INode, type JsonObject } from 'n8n-workflow';

import { fixForErrmsg } from './apiErrors';
import type { DeliveryOutcome } from './delivery';
import type { CallFailure } from './transport';

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
			return `Traffic Light answered HTTP ${failure.statusCode}`;
		case 'nonJson':
			return `Traffic Light answered with something that is not JSON (HTTP ${failure.statusCode})`;
		default:
			return `Could not reach Traffic Light (${failure.detail})`;
	}
}

function connectionHint(failure: CallFailure): string {
	if (failure.kind === 'refused' || failure.kind === 'dns') {
		return ' Check the Base URL in the Traffic Light API credential (normally https://api.cpa.tl) and that this n8n can reach it.';
	}
	if (failure.kind === 'nonJson') return ` The answer began with: ${failure.detail}.`;
	return '';
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
		case 'notDelivered':
			if (failure.kind === 'errmsg') return `${fixForErrmsg(failure.errmsg)} The lead was not created.`;
			return `The lead was not delivered${tries}; sending it again is safe.${connectionHint(failure)}`;
		case 'notFoundInFeed':
			return `The outcome of the send was unknown, so the node checked the Traffic Light lead feed for Lead ID "${leadId}" instead of resending: there is no such lead. The lead was not delivered, and sending it again is safe.${connectionHint(failure)}`;
		case 'stillUnknown':
			return `The lead may or may not have reached Traffic Light: the send ended without an answer and the lead feed could not be read either (${outcome.feedFailure ? headline(outcome.feedFailure, timeoutMs, 'request') : 'no answer'}). The node did not resend it, to avoid a duplicate. Check with Lead → Get Status by Lead ID "${leadId}" before sending it again.`;
		case 'unknownWithoutLeadId':
			return 'The lead may or may not have reached Traffic Light, and without a Lead ID the node cannot check. It was not resent, because a resend may create a duplicate. Set Lead ID (e.g. the Klientiks Trigger output "leadId") so that the node can confirm such sends by itself.';
	}
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
	const description =
		failure.kind === 'errmsg'
			? fixForErrmsg(failure.errmsg)
			: `The ${what} could not be read.${connectionHint(failure)} Reading is safe to repeat.`;
	return trafficLightError(node, failure, headline(failure, timeoutMs, 'request'), description, itemIndex);
}
