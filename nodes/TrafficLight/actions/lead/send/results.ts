import { NodeOperationError, type IDataObject, type INode, type INodeExecutionData, type NodeApiError } from 'n8n-workflow';

import type { InFlightOutcome } from '../../../duplicates/inFlightLeads';
import type { LeadForm } from '../../../leadRules/validation';
import { deliveryDescription, headline, trafficLightError } from '../../nodeErrors';
import type { DeliveryOutcome, Resolution } from './delivery';
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

export function duplicateJson(leadId: string, existing: { trafficLightId: unknown; status: unknown }, source: string): IDataObject {
	return {
		trafficLightId: existing.trafficLightId as IDataObject[string],
		leadId,
		duplicate: true,
		duplicateOf: source,
		status: (existing.status ?? null) as IDataObject[string],
		confirmedByFeed: false,
		attempts: 0,
		sent: null,
	};
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

export function resultOfDelivery(node: INode, index: number, item: ReadyItem, outcome: DeliveryOutcome): ItemResult {
	if (outcome.delivered) return { json: deliveredJson(item.form, outcome), delivered: true };
	const { leadId, timeoutMs } = item;
	const message = headline(outcome.failure, timeoutMs, 'lead');
	const description = deliveryDescription(outcome, leadId, timeoutMs);
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

