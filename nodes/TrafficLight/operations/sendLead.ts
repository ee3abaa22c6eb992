import {
	NodeOperationError,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type NodeApiError,
} from 'n8n-workflow';

import { runWithConcurrency } from '../concurrency';
import { deliverLead, type DeliveryOutcome, type Resolution } from '../delivery';
import { deliveryDescription, duplicateCheckError, headline, trafficLightError } from '../nodeErrors';
import { findByLeadIds, type FeedLead } from '../feed';
import { inFlightKey, sendOnce, type InFlightOutcome } from '../inFlightLeads';
import { openConnection, type CallFailure } from '../transport';
import { buildLeadForm, type LeadForm } from '../validation';
import {
	concurrencyOf,
	DEFAULTS,
	readOptions,
	retryAttemptsOf,
	timeoutMsOf,
	type NodeOptions,
} from '../options';

type Prepared =
	| { ok: true; form: LeadForm; leadId?: string; timeoutMs: number; retryAttempts: number; skipDuplicates: boolean }
	| { ok: false; error: NodeOperationError };

type ItemResult = {
	json: IDataObject;
	error?: NodeApiError | NodeOperationError;
	delivered?: boolean;
	resolution?: Resolution;
};

/** Outcomes after which the lead is known to be absent from Traffic Light, so sending it again cannot duplicate it. */
const PROVEN_NOT_DELIVERED: ReadonlySet<Resolution> = new Set<Resolution>(['notDelivered', 'notFoundInFeed']);

/**
 * Concurrency, and the timeout and retries of the batched duplicate check, apply to the whole run:
 * they come from the first item. If its options cannot be read, the defaults apply to the run and
 * the first item fails on its own in prepare().
 */
function runOptions(ctx: IExecuteFunctions): NodeOptions {
	try {
		return readOptions(ctx, 0);
	} catch {
		return {};
	}
}

function prepare(ctx: IExecuteFunctions, itemIndex: number): Prepared {
	try {
		const options = readOptions(ctx, itemIndex);
		const validation = buildLeadForm({
			offerId: ctx.getNodeParameter('offerId', itemIndex, ''),
			phone: ctx.getNodeParameter('phone', itemIndex, ''),
			country: ctx.getNodeParameter('country', itemIndex, ''),
			additionalFields: ctx.getNodeParameter('additionalFields', itemIndex, {}) as IDataObject,
		});
		if (!validation.ok) {
			const { field, message, fix } = validation.problem;
			return {
				ok: false,
				error: new NodeOperationError(ctx.getNode(), `${message} — nothing was sent`, {
					itemIndex,
					description: `${fix} (field: ${field})`,
				}),
			};
		}
		return {
			ok: true,
			form: validation.form,
			leadId: validation.form.id,
			timeoutMs: timeoutMsOf(options),
			retryAttempts: retryAttemptsOf(options),
			skipDuplicates: options.skipDuplicates ?? DEFAULTS.skipDuplicates,
		};
	} catch (error) {
		// A parameter expression that fails for this item (e.g. a missing field).
		const wrapped =
			error instanceof NodeOperationError
				? error
				: new NodeOperationError(ctx.getNode(), error as Error, { itemIndex });
		wrapped.context.itemIndex = itemIndex;
		return { ok: false, error: wrapped };
	}
}

function duplicateJson(leadId: string, existing: { trafficLightId: unknown; status: unknown }, source: string): IDataObject {
	return {
		trafficLightId: existing.trafficLightId as IDataObject[string],
		leadId,
		duplicate: true,
		duplicateOf: source,
		status: (existing.status ?? null) as IDataObject[string],
		confirmedAfterTimeout: false,
		attempts: 0,
		sent: null,
	};
}

/** A lead not sent because an earlier send of the same Lead ID (`sender`) ended with an unknown outcome. */
function heldBack(node: INode, leadId: string, sender: string, itemIndex: number): ItemResult {
	const message = `Lead ID "${leadId}" was held back: ${sender} and its outcome is unknown — nothing was sent for this item`;
	const error = new NodeOperationError(node, message, {
		itemIndex,
		description: `Sending it now could create a duplicate. Check with Lead → Get Status by Lead ID "${leadId}"; if Traffic Light does not have the lead, run the workflow again.`,
	});
	return { json: { error: message, leadId, outcome: 'heldBack' }, error };
}

/** What a concurrent execution waiting on the same Lead ID learns from this send. */
function inFlightOutcomeOf(outcome: DeliveryOutcome): InFlightOutcome {
	if (outcome.delivered) return { state: 'delivered', trafficLightId: outcome.trafficLightId };
	return PROVEN_NOT_DELIVERED.has(outcome.resolution) ? { state: 'notDelivered' } : { state: 'unknown' };
}

function deliveredJson(form: LeadForm, outcome: Extract<DeliveryOutcome, { delivered: true }>): IDataObject {
	const json: IDataObject = {
		trafficLightId: outcome.trafficLightId,
		leadId: form.id ?? null,
		duplicate: false,
		confirmedAfterTimeout: outcome.confirmedAfterTimeout,
		attempts: outcome.attempts,
		sent: { ...form },
		answer: outcome.answer,
	};
	if (outcome.recoveredFrom) json.recoveredFrom = outcome.recoveredFrom.kind;
	return json;
}

export async function sendLeads(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const items = this.getInputData();
	const continueOnFail = this.continueOnFail();
	const node = this.getNode();
	const prepared = items.map((_, i) => prepare(this, i));
	const connection = await openConnection.call(this);

	// One batched feed look-up for every Lead ID of the run, before any send.
	const existing = new Map<string, FeedLead>();
	const lookupFailures = new Map<string, CallFailure>();
	const toCheck = prepared.flatMap((p) => (p.ok && p.skipDuplicates && p.leadId ? [p.leadId] : []));
	if (toCheck.length > 0) {
		const batchOptions = runOptions(this);
		const lookup = await findByLeadIds.call(
			this,
			connection,
			toCheck,
			timeoutMsOf(batchOptions),
			retryAttemptsOf(batchOptions),
		);
		if (lookup.ok) for (const [id, lead] of lookup.found) existing.set(id, lead);
		else for (const id of toCheck) lookupFailures.set(id, lookup.failure);
	}

	// Within one run, later items with a Lead ID seen earlier wait for the first one.
	const firstIndexOf = new Map<string, number>();
	prepared.forEach((p, i) => {
		if (p.ok && p.skipDuplicates && p.leadId && !firstIndexOf.has(p.leadId)) firstIndexOf.set(p.leadId, i);
	});
	const running: Array<Promise<ItemResult> | undefined> = new Array(items.length);

	let failed = false;
	const handle = async (i: number): Promise<ItemResult> => {
		const item = prepared[i];
		if (!item.ok) return { json: { error: item.error.message }, error: item.error };
		const { form, leadId, timeoutMs } = item;

		if (leadId && item.skipDuplicates) {
			const lookupFailure = lookupFailures.get(leadId);
			if (lookupFailure) {
				const { message, error } = duplicateCheckError(node, lookupFailure, leadId, timeoutMs, i);
				return { json: { error: message, leadId }, error };
			}
			const known = existing.get(leadId);
			if (known) {
				return { json: duplicateJson(leadId, { trafficLightId: known.id, status: known.status }, 'trafficLight') };
			}
			const first = firstIndexOf.get(leadId);
			if (first !== undefined && first !== i) {
				const earlier = await running[first];
				if (earlier?.delivered || earlier?.json.duplicate === true) {
					return {
						json: duplicateJson(leadId, { trafficLightId: earlier.json.trafficLightId, status: null }, 'thisRun'),
					};
				}
				if (earlier && !(earlier.resolution && PROVEN_NOT_DELIVERED.has(earlier.resolution))) {
					return heldBack(node, leadId, `item ${first} of this run sent the same Lead ID`, i);
				}
			}
		}

		const deliver = async () =>
			await deliverLead.call(this, connection, form, { timeoutMs, retryAttempts: item.retryAttempts });
		let outcome: DeliveryOutcome;
		if (leadId && item.skipDuplicates) {
			// Another execution of this process may be sending the same Lead ID right now; its feed
			// look-up saw nothing either, so wait for its outcome instead of sending a second copy.
			const apiKey = String(connection.credentials.data?.apiKey ?? '');
			const once = await sendOnce(inFlightKey(connection.baseUrl, apiKey, leadId), deliver, inFlightOutcomeOf);
			if (!once.sent) {
				if (once.other.state === 'delivered') {
					return {
						json: duplicateJson(leadId, { trafficLightId: once.other.trafficLightId, status: null }, 'otherExecution'),
					};
				}
				return heldBack(node, leadId, 'another execution sent the same Lead ID at the same moment', i);
			}
			outcome = once.value;
		} else {
			outcome = await deliver();
		}
		if (outcome.delivered) return { json: deliveredJson(form, outcome), delivered: true };
		const message = headline(outcome.failure, timeoutMs, 'lead');
		const description = deliveryDescription(outcome, leadId, timeoutMs);
		const error = trafficLightError(node, outcome.failure, message, description, i);
		return {
			json: { error: message, description, leadId: leadId ?? null, outcome: outcome.resolution, attempts: outcome.attempts },
			error,
			resolution: outcome.resolution,
		};
	};

	const limit = concurrencyOf(runOptions(this));
	const results = await runWithConcurrency(
		items.length,
		limit,
		async (i) => {
			const promise = handle(i);
			running[i] = promise;
			const result = await promise;
			if (result.error && !continueOnFail) failed = true;
			return result;
		},
		() => failed,
	);

	if (!continueOnFail) {
		const firstError = results.find((r) => r?.error);
		if (firstError?.error) {
			const delivered = results.filter((r) => r?.delivered).length;
			if (delivered > 0) {
				firstError.error.description = `${firstError.error.description ?? ''} Before this failure, ${delivered} other lead(s) of this run reached Traffic Light; with Lead IDs and Skip Duplicates on, running the workflow again will not send them twice.`.trim();
			}
			throw firstError.error;
		}
	}

	return results.map((result, i) => {
		const out: INodeExecutionData = { json: result?.json ?? {}, pairedItem: { item: i } };
		if (result?.error) out.error = result.error;
		return out;
	});
}
