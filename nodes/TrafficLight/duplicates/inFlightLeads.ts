import { createHash } from 'node:crypto';

import { untilAborted } from '../transport/trafficLightApi';

/**
 * Lead IDs being sent right now by this n8n process, across all its executions.
 *
 * The duplicate check reads the Traffic Light feed before sending, so two executions that send the
 * same Lead ID at the same moment would both find nothing and both send. Within one process
 * (regular mode, or one queue-mode worker) the second execution instead waits here for the first
 * one's outcome. Entries live only while a send is on the wire: nothing is kept afterwards, so the
 * map cannot grow beyond the number of sends in flight.
 */

export type InFlightOutcome =
	/** The lead reached Traffic Light (answered with an id, or confirmed from the feed). */
	| { state: 'delivered'; trafficLightId: string | number }
	/** The lead provably did not reach Traffic Light: sending it again cannot duplicate it. */
	| { state: 'notDelivered' }
	/** Nobody knows whether the lead arrived (timeout with an unreadable feed, an exception, …). */
	| { state: 'unknown' };

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
