import { createHash } from 'node:crypto';

import type { IExecuteFunctions, INode } from 'n8n-workflow';

import { type CallFailure, type Deadline, startDeadline, untilAborted } from '../../../../shared/waits';
import { findByLeadIds, leadIdOf, type LeadIdLookup, type TrafficLightConnection } from '../../../transport/trafficLightApi';
import { deliverLead, itemBudgetMs } from './delivery';
import { needsCheck, type FeedCheck, type ReadyItem } from './items';
import { duplicateCheckFailed, duplicateResult, heldBack, inFlightOutcomeOf, PROVEN_NOT_DELIVERED, resultOfDelivery, type InFlightOutcome, type ItemResult } from './results';

// The duplicate-protection layers of one lead (docs/traffic-light-node.md, "Duplicate protection").

export interface SendRun {
	ctx: IExecuteFunctions;
	node: INode;
	connection: TrafficLightConnection;
	lookupPolicy: { timeoutMs: number; retryAttempts: number };
	cancel?: AbortSignal;
	/** The Traffic Light account: its Lead IDs in flight are shared with concurrent executions. */
	account: string;
	/** Set once a feed look-up failed: the later ones would wait out the same failure, so they are not made. */
	feedFailure?: CallFailure;
	/** Each started item's result, for a later item with the same Lead ID to wait on. */
	started: Array<Promise<ItemResult> | undefined>;
}

/** Layer 1: one feed look-up of this run, for up to one feed request's worth of Lead IDs. */
export async function lookUp(run: SendRun, leadIds: string[]): Promise<LeadIdLookup> {
	if (run.feedFailure) return { ok: false, failure: run.feedFailure };
	const { timeoutMs, retryAttempts } = run.lookupPolicy;
	// A look-up answers many items, so it has a budget of its own; each item waits for it only within its own.
	const deadline = startDeadline(run.cancel, itemBudgetMs(timeoutMs, retryAttempts));
	const lookup = await findByLeadIds.call(run.ctx, run.connection, leadIds, timeoutMs, retryAttempts, deadline);
	if (!lookup.ok) run.feedFailure ??= lookup.failure;
	return lookup;
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
	if (check.kind === 'lookupFailed') return duplicateCheckFailed(run.node, check.failure, leadId, prepared.timeoutMs, index);
	if (check.kind === 'inFeed') return duplicateResult(leadId, leadIdOf(check.lead) ?? null, check.lead.status, 'trafficLight');
	if (check.kind !== 'sameRun') return undefined;
	// An earlier item of this run has the same Lead ID: its outcome decides whether this one is sent.
	const { first } = check;
	const settled = await untilAborted(Promise.resolve(run.started[first]), deadline.signal);
	if (!settled) return heldBack(run.node, leadId, `item ${first} of this run is still sending the same Lead ID`, index);
	const earlier = settled.value;
	if (earlier?.delivered || earlier?.json.duplicate === true) {
		return duplicateResult(leadId, earlier.json.trafficLightId, null, 'thisRun');
	}
	if (earlier && !(earlier.resolution && PROVEN_NOT_DELIVERED.has(earlier.resolution))) {
		return heldBack(run.node, leadId, `item ${first} of this run sent the same Lead ID`, index);
	}
	return undefined;
}

/** Layer 3: sends the item unless another execution of this process is sending the same Lead ID. */
export async function sendUnlessInFlight(run: SendRun, index: number, item: ReadyItem, deadline: Deadline): Promise<ItemResult> {
	const deliver = async () => await deliverLead.call(run.ctx, run.connection, item, deadline);
	if (!needsCheck(item)) return resultOfDelivery(run.node, index, item, await deliver());
	// Another execution of this process may be sending the same Lead ID right now; its feed
	// look-up saw nothing either, so wait for its outcome instead of sending a second copy.
	const once = await sendOnce(run.account, item.leadId, deliver, inFlightOutcomeOf, deadline.signal);
	if (once.sent) return resultOfDelivery(run.node, index, item, once.value);
	if (once.other.state === 'delivered') return duplicateResult(item.leadId, once.other.trafficLightId, null, 'otherExecution');
	const sender =
		once.other.state === 'stillSending'
			? 'another execution is still sending the same Lead ID'
			: 'another execution sent the same Lead ID at the same moment';
	return heldBack(run.node, item.leadId, sender, index);
}

/*
 * Layer 3: Lead IDs being sent right now by this n8n process, across all its executions.
 *
 * The duplicate check reads the Traffic Light feed before sending, so two executions that send the
 * same Lead ID at the same moment would both find nothing and both send. Within one process
 * (regular mode, or one queue-mode worker) the second execution instead waits here for the first
 * one's outcome. Entries live only while a send is on the wire: nothing is kept afterwards, so the
 * map cannot grow beyond the number of sends in flight.
 */

export type SendOnceResult<T> =
	/** This execution sent the lead; `value` is what the send returned. */
	| { sent: true; value: T }
	/** Another execution of this process sent the same lead at the same time; this is its outcome. */
	| { sent: false; other: Extract<InFlightOutcome, { state: 'delivered' | 'unknown' }> }
	/** Another execution is still sending it when this one's deadline ends: nothing was sent. */
	| { sent: false; other: { state: 'stillSending' } };

const inFlight = new Map<string, Promise<InFlightOutcome>>();

/**
 * One lead is the same lead only for the same Traffic Light account: its Base URL and a digest of its
 * API key (the key itself is not kept in another place in memory).
 */
export function accountKey(baseUrl: string, apiKey: string): string {
	return JSON.stringify([baseUrl, createHash('sha256').update(apiKey).digest('hex').slice(0, 16)]);
}

/** How many sends are registered right now (for tests: it must be back to 0 after every send). */
export function inFlightCount(): number {
	return inFlight.size;
}

/**
 * Runs `send` unless another execution of this process is sending the same lead (account and Lead ID).
 *
 * - Nobody else is sending it: registers the lead, runs `send`, and unregisters it when `send`
 *   settles — also when it throws, in which case waiters are told the outcome is unknown.
 * - Someone else is: waits for their outcome, but only until `signal` (the waiter's own deadline)
 *   ends. Delivered or unknown → returned as `other` (the caller marks a duplicate or holds the lead
 *   back). Proven not delivered → tries again, so exactly one of the waiters sends next.
 */
export async function sendOnce<T>(
	account: string,
	leadId: string,
	send: () => Promise<T>,
	outcomeOf: (value: T) => InFlightOutcome,
	signal?: AbortSignal,
): Promise<SendOnceResult<T>> {
	const key = `${account}${JSON.stringify(leadId)}`;
	for (;;) {
		const running = inFlight.get(key);
		if (running) {
			const settled = await untilAborted(running, signal);
			if (!settled) return { sent: false, other: { state: 'stillSending' } };
			if (settled.value.state === 'notDelivered') continue;
			return { sent: false, other: settled.value };
		}

		let settle: (outcome: InFlightOutcome) => void = () => undefined;
		const mine = new Promise<InFlightOutcome>((resolve) => {
			settle = resolve;
		});
		inFlight.set(key, mine);
		let outcome: InFlightOutcome = { state: 'unknown' };
		try {
			const value = await send();
			outcome = outcomeOf(value);
			return { sent: true, value };
		} finally {
			if (inFlight.get(key) === mine) inFlight.delete(key);
			settle(outcome);
		}
	}
}
