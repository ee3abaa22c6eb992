import { NodeOperationError, type IDataObject, type INode, type INodeExecutionData, type NodeApiError } from 'n8n-workflow';

import type { LeadForm } from '../../../leadRules';
import { isRefusalForLoad, RATE_LIMIT_ALLOWANCE_TIMEOUTS, type CallFailure } from '../../../../shared/waits';
import { DEFAULT_BASE_URL } from '../../../transport/trafficLightApi';
import { connectionHint, fixForErrmsg, FIX_API_KEY, headline, isKeyProblem, trafficLightError } from '../../nodeErrors';
import { ITEM_BUDGET, type DeliveryOutcome, type Resolution } from './delivery';
import type { ReadyItem } from './items';

// What each item of Lead → Send comes out as: delivered, a duplicate, held back or failed.

export type ItemResult = {
	json: IDataObject;
	error?: NodeApiError | NodeOperationError;
	delivered?: boolean;
	resolution?: Resolution;
};

/** Outcomes after which the lead is known to be absent from Traffic Light, so sending it again cannot duplicate it. */
export const PROVEN_NOT_DELIVERED = new Set<Resolution>(['rejected', 'unreachable', 'rateLimited', 'outOfTime', 'notFoundInFeed']);

/** A lead not sent because Traffic Light (`source`) already has it, under `trafficLightId`. */
export function duplicateResult(leadId: string, trafficLightId: unknown, status: unknown, source: string): ItemResult {
	const json: IDataObject = {
		trafficLightId: trafficLightId as IDataObject[string],
		leadId,
		duplicate: true,
		duplicateOf: source,
		status: (status ?? null) as IDataObject[string],
		confirmedByFeed: false,
		attempts: 0,
		sent: null,
	};
	return { json };
}

/** A lead not sent because an earlier send of the same Lead ID (`sender`) ended with an unknown outcome. */
export function heldBack(node: INode, leadId: string, sender: string, itemIndex: number): ItemResult {
	const message = `Lead ID "${leadId}" was held back: ${sender} and its outcome is unknown — nothing was sent for this item`;
	const error = new NodeOperationError(node, message, {
		itemIndex,
		description: `Sending it now could create a duplicate. Check with Lead → Get Status by Lead ID "${leadId}"; if Traffic Light does not have the lead, run the workflow again.`,
	});
	return { json: { error: message, leadId, outcome: 'heldBack' }, error };
}

export type InFlightOutcome =
	/** The lead reached Traffic Light (answered with an id, or confirmed from the feed). */
	| { state: 'delivered'; trafficLightId: string | number | null }
	/** The lead provably did not reach Traffic Light: sending it again cannot duplicate it. */
	| { state: 'notDelivered' }
	/** Nobody knows whether the lead arrived (timeout with an unreadable feed, an exception, …). */
	| { state: 'unknown' };

/** What a concurrent execution waiting on the same Lead ID learns from this send. */
export function inFlightOutcomeOf(outcome: DeliveryOutcome): InFlightOutcome {
	if (outcome.delivered) return { state: 'delivered', trafficLightId: outcome.trafficLightId };
	return PROVEN_NOT_DELIVERED.has(outcome.resolution) ? { state: 'notDelivered' } : { state: 'unknown' };
}

function deliveredJson(form: LeadForm, outcome: Extract<DeliveryOutcome, { delivered: true }>): IDataObject {
	const json: IDataObject = {
		trafficLightId: outcome.trafficLightId,
		leadId: form.id ?? null,
		duplicate: false,
		confirmedByFeed: outcome.confirmedByFeed,
		attempts: outcome.attempts,
		sent: { ...form },
		answer: outcome.answer,
	};
	if (outcome.recoveredFrom) json.recoveredFrom = outcome.recoveredFrom.kind;
	return json;
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
		`The lead was not sent: its time budget (${ITEM_BUDGET}) ran out while it waited for its turn. Sending it again is safe.`,
	notFoundInFeed: ({ failure, leadId }) =>
		`The outcome of the send was unknown, so the node checked the Traffic Light lead feed for Lead ID "${leadId}" instead of resending: there is no such lead. The lead was not delivered, and sending it again is safe.${connectionHint(failure)}`,
	stillUnknown: ({ failure, feedFailure, leadId, timeoutMs }) =>
		`The lead may or may not have reached Traffic Light: the send ended without an answer and the lead feed could not be read either (${feedFailure ? headline(feedFailure, timeoutMs, 'request') : 'no answer'}). The node did not resend it, to avoid a duplicate. Check with Lead → Get Status by Lead ID "${leadId}" before sending it again.${connectionHint(failure)}`,
	unknownWithoutLeadId: ({ failure }) =>
		`The lead may or may not have reached Traffic Light, and without a Lead ID the node cannot check. It was not resent, because a resend may create a duplicate. Set Lead ID (e.g. the Klientiks Trigger output "leadId") so that the node can confirm such sends by itself.${connectionHint(failure)}`,
};

export function resultOfDelivery(node: INode, index: number, item: ReadyItem, outcome: DeliveryOutcome): ItemResult {
	if (outcome.delivered) return { json: deliveredJson(item.form, outcome), delivered: true };
	const { leadId, timeoutMs } = item;
	const message = headline(outcome.failure, timeoutMs, 'lead');
	const tries = outcome.attempts > 1 ? ` (tried ${outcome.attempts} times)` : '';
	const description = CONSEQUENCES[outcome.resolution]({ ...outcome, leadId, timeoutMs, tries });
	const error = trafficLightError(node, outcome.failure, message, description, index);
	return {
		json: { error: message, description, leadId: leadId ?? null, outcome: outcome.resolution, attempts: outcome.attempts },
		error,
		resolution: outcome.resolution,
	};
}

/** Without continueOnFail the execution fails with the first error, saying which leads got through before it. */
export function throwFirstError(results: Array<ItemResult | undefined>): void {
	const firstError = results.find((r) => r?.error)?.error;
	if (!firstError) return;
	const delivered = results.filter((r) => r?.delivered).length;
	if (delivered > 0) {
		firstError.description = `${firstError.description ?? ''} Before this failure, ${delivered} other lead(s) of this run reached Traffic Light; with Lead IDs and Skip Duplicates on, running the workflow again will not send them twice.`.trim();
	}
	throw firstError;
}

export function outputItem(result: ItemResult | undefined, index: number): INodeExecutionData {
	const out: INodeExecutionData = { json: result?.json ?? {}, pairedItem: { item: index } };
	if (result?.error) out.error = result.error;
	return out;
}

/**
 * The result of a lead held back because Skip Duplicates could not check its
 * Lead ID. The fix depends on why: a refused key, a feed that ignores the
 * Lead ID filter, or a feed that could not be read this time.
 */
export function duplicateCheckFailed(
	node: INode,
	failure: CallFailure,
	leadId: string,
	timeoutMs: number,
	itemIndex: number,
): ItemResult {
	let message =
		failure.kind === 'rateLimited' || isRefusalForLoad(failure)
		? `Not sent: rate limited — Traffic Light refused the duplicate check of Lead ID "${leadId}" for load (HTTP 429/503)`
		: `${headline(failure, timeoutMs, 'request')} while checking Lead ID "${leadId}" for duplicates — nothing was sent`;
	let description: string;
	if (failure.kind === 'keyRejected' || (failure.kind === 'errmsg' && isKeyProblem(failure.errmsg))) {
		description = `Skip Duplicates reads the Traffic Light lead feed before sending, and Traffic Light refused it for this API key, so the lead was held back. Fix the API key — ${FIX_API_KEY} Sending the lead afterwards is safe.`;
	} else if (failure.kind === 'unverifiable') {
		message = `Could not verify Lead ID "${leadId}" against the Traffic Light lead feed — nothing was sent`;
		description = `Skip Duplicates reads the Traffic Light lead feed to tell a new lead from a repeated one, but the feed answer was not filtered by Lead ID (${failure.detail}), so it proves neither. The lead was held back. Check that the Base URL in the Traffic Light API credential is Traffic Light's API (normally ${DEFAULT_BASE_URL}) and not a proxy that drops the query. If it is, ask Traffic Light support about the feed's id2[] filter; meanwhile Skip Duplicates can be turned off in the node options, at the price that a repeated run sends a lead again.`;
	} else {
		description = `Skip Duplicates reads the Traffic Light lead feed to tell a new lead from a repeated one; the feed could not be read, so the lead was held back instead of risking a duplicate.${connectionHint(failure)} Sending it again is safe: run the workflow again when Traffic Light answers, or turn Skip Duplicates off in the node options.`;
	}
	const error = trafficLightError(node, failure, message, description, itemIndex);
	return { json: { error: message, leadId, outcome: 'duplicateCheckFailed' }, error };
}
