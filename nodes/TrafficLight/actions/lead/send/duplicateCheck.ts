import type { IExecuteFunctions, INode } from 'n8n-workflow';

import { sendOnce } from '../../../duplicates/inFlightLeads';
import { lookUpShared } from '../../../duplicates/sharedLookups';
import { itemBudgetMs, startDeadline, untilAborted, type Deadline } from '../../../transport/trafficLightApi';
import { findByLeadIds, type LeadIdLookup } from '../../../transport/feed';
import type { TrafficLightConnection } from '../../../transport/trafficLightApi';
import type { CallFailure } from '../../../transport/trafficLightApi';
import { duplicateCheckError } from '../../nodeErrors';
import { deliverLead } from './delivery';
import type { FeedCheck } from './itemWindows';
import { needsCheck, type ReadyItem } from './items';
import { duplicateJson, heldBack, inFlightOutcomeOf, PROVEN_NOT_DELIVERED, resultOfDelivery, type ItemResult } from './results';

// The duplicate-protection layers of one lead (docs/traffic-light-node.md, "Duplicate protection").

export interface SendRun {
	ctx: IExecuteFunctions;
	node: INode;
	connection: TrafficLightConnection;
	lookupPolicy: { timeoutMs: number; retryAttempts: number };
	cancel?: AbortSignal;
	/** The Traffic Light account: its feed look-ups and Lead IDs in flight are shared with concurrent executions. */
	account: string;
	/** Set once a feed look-up failed: the later ones would wait out the same failure, so they are not made. */
	feedFailure?: CallFailure;
	/** Each started item's result, for a later item with the same Lead ID to wait on. */
	started: Array<Promise<ItemResult> | undefined>;
}

/** Layers 1 and 4: the run's feed look-up, shared with concurrent executions of this process. */
export async function lookUp(run: SendRun, leadIds: string[]): Promise<LeadIdLookup> {
	if (run.feedFailure) return { ok: false, failure: run.feedFailure };
	const { timeoutMs, retryAttempts } = run.lookupPolicy;
	// A look-up answers many items, so it has a budget of its own; each item waits for it only within its own.
	const deadline = startDeadline(run.cancel, itemBudgetMs(timeoutMs, retryAttempts));
	const own = async (ids: string[]) => await findByLeadIds.call(run.ctx, run.connection, ids, timeoutMs, retryAttempts, deadline);
	const lookup = await lookUpShared(run.account, run, leadIds, own, deadline);
	if (!lookup.ok) run.feedFailure ??= lookup.failure;
	return lookup;
}

/** An earlier item of this run has the same Lead ID: its outcome decides whether this one is sent. */
async function afterEarlierItem(
	run: SendRun,
	index: number,
	first: number,
	leadId: string,
	deadline: Deadline,
): Promise<ItemResult | undefined> {
	const settled = await untilAborted(Promise.resolve(run.started[first]), deadline.signal);
	if (!settled) return heldBack(run.node, leadId, `item ${first} of this run is still sending the same Lead ID`, index);
	const earlier = settled.value;
	if (earlier?.delivered || earlier?.json.duplicate === true) {
		return { json: duplicateJson(leadId, { trafficLightId: earlier.json.trafficLightId, status: null }, 'thisRun') };
	}
	if (earlier && !(earlier.resolution && PROVEN_NOT_DELIVERED.has(earlier.resolution))) {
		return heldBack(run.node, leadId, `item ${first} of this run sent the same Lead ID`, index);
	}
	return undefined;
}

/** The result of an item that must not be sent, or undefined when it may be. */
export async function resultWithoutSending(
	run: SendRun,
	index: number,
	prepared: ReadyItem,
	check: FeedCheck,
	deadline: Deadline,
): Promise<ItemResult | undefined> {
	const leadId = prepared.leadId as string;
	if (check.kind === 'lookupFailed') {
		const { message, error } = duplicateCheckError(run.node, check.failure, leadId, prepared.timeoutMs, index);
		return { json: { error: message, leadId }, error };
	}
	if (check.kind === 'inFeed') {
		return { json: duplicateJson(leadId, { trafficLightId: check.lead.id, status: check.lead.status }, 'trafficLight') };
	}
	if (check.kind === 'sameRun') return await afterEarlierItem(run, index, check.first, leadId, deadline);
	return undefined;
}

/** Layer 3: sends the item unless another execution of this process is sending the same Lead ID. */
export async function sendItem(run: SendRun, index: number, item: ReadyItem, deadline: Deadline): Promise<ItemResult> {
	const deliver = async () => await deliverLead.call(run.ctx, run.connection, item, deadline);
	if (!needsCheck(item)) return resultOfDelivery(run.node, index, item, await deliver());
	// Another execution of this process may be sending the same Lead ID right now; its feed
	// look-up saw nothing either, so wait for its outcome instead of sending a second copy.
	const once = await sendOnce(run.account, item.leadId, deliver, inFlightOutcomeOf, deadline.signal);
	if (once.sent) return resultOfDelivery(run.node, index, item, once.value);
	if (once.other.state === 'delivered') {
		return { json: duplicateJson(item.leadId, { trafficLightId: once.other.trafficLightId, status: null }, 'otherExecution') };
	}
	const sender =
		once.other.state === 'stillSending'
			? 'another execution is still sending the same Lead ID'
			: 'another execution sent the same Lead ID at the same moment';
	return heldBack(run.node, item.leadId, sender, index);
}

