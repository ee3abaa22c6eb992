import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { shortJson, shorten } from '../../../../shared/outsideData';
import { callWithRetries, isWorthRepeating } from '../../../../shared/apiRequest';
import { type CallFailure, type Deadline, deadlineFailure, wait } from '../../../../shared/waits';
import { findByLeadIds, leadIdOf, SEND_PATH, type TrafficLightConnection } from '../../../transport/trafficLightApi';
import type { ReadyItem } from './items';

/** Waits before each feed check after an unknown outcome; gives Traffic Light time to store a slow lead. */
export const FEED_CHECK_DELAYS_MS: readonly number[] = [1000, 2000, 4000];

/** A Timeout for each send and each feed check, and one more for all the waiting in between. */
const BUDGET_TIMEOUTS_BEYOND_RETRIES = 1 + FEED_CHECK_DELAYS_MS.length + 1;

/** The item's budget as the texts name it. */
export const ITEM_BUDGET = `(Retry Attempts + ${BUDGET_TIMEOUTS_BEYOND_RETRIES}) × Timeout`;

/** The whole of one lead — duplicate check, sends, back-off, Retry-After and feed checks — ends within ITEM_BUDGET. */
export function itemBudgetMs(timeoutMs: number, retryAttempts: number): number {
	return (retryAttempts + BUDGET_TIMEOUTS_BEYOND_RETRIES) * timeoutMs;
}

export type Resolution =
	/** Traffic Light answered and refused the lead (errmsg, or the API key refused). */
	| 'rejected'
	/** The request never reached Traffic Light (connection refused, host not found). */
	| 'unreachable'
	/** Traffic Light refused for load (429/503) on every attempt, or the run's allowance for that was used up. */
	| 'rateLimited'
	/** The item's time budget ran out before the lead could be sent. */
	| 'outOfTime'
	/** Outcome was unknown; the feed was checked by Lead ID and has no such lead. */
	| 'notFoundInFeed'
	/** Outcome was unknown and the feed could not be read either. */
	| 'stillUnknown'
	/** Outcome was unknown and there is no Lead ID to check by. */
	| 'unknownWithoutLeadId';

export type DeliveryOutcome =
	| {
			delivered: true;
			/** null: the feed lists the lead by its Lead ID, but with no usable id of Traffic Light's. */
			trafficLightId: string | number | null;
			attempts: number;
			/** The send's outcome was unknown (timeout, lost connection, 5xx, …) and the feed then listed the lead. */
			confirmedByFeed: boolean;
			/** What Traffic Light answered, or the feed entry that confirmed the lead: see boundedAnswer. */
			answer: IDataObject;
			/** The failure that made us check the feed, when confirmedByFeed. */
			recoveredFrom?: CallFailure;
	  }
	| {
			delivered: false;
			attempts: number;
			failure: CallFailure;
			resolution: Resolution;
			/** When the feed could not be read while resolving an unknown outcome. */
			feedFailure?: CallFailure;
	  };

/** Fields of a send answer or a feed row that mean something to a workflow. */
const KNOWN_ANSWER_FIELDS = ['id', 'order_id', 'id2', 'status', 'created_at'];
const MAX_ANSWER_COPY_CHARS = 1000;
const MAX_FIELD_CHARS = 200;

/**
 * The answer as it goes into the output: the known fields (short scalars only)
 * plus `raw`, the whole answer as JSON cut at MAX_ANSWER_COPY_CHARS, so an
 * answer padded with junk cannot blow up the execution data.
 */
function boundedAnswer(body: IDataObject): IDataObject {
	const answer: IDataObject = {};
	for (const field of KNOWN_ANSWER_FIELDS) {
		const value = body[field];
		if (typeof value === 'number' || typeof value === 'boolean') answer[field] = value;
		else if (typeof value === 'string') answer[field] = shorten(value, MAX_FIELD_CHARS);
	}
	answer.raw = shortJson(body, MAX_ANSWER_COPY_CHARS);
	return answer;
}

/** Which proven failure kept the lead from being sent, for every kind that can prove it (HTTP: 429/503). */
const NOT_SENT_BECAUSE: Record<Exclude<CallFailure, { notDelivered: false }>['kind'], Resolution> = {
	errmsg: 'rejected',
	keyRejected: 'rejected',
	refused: 'unreachable',
	dns: 'unreachable',
	http: 'rateLimited',
	rateLimited: 'rateLimited',
	outOfTime: 'outOfTime',
};

/**
 * Sends one lead and finds out, as far as possible, whether it arrived.
 *
 * - A failure that proves nothing arrived (connection refused, DNS, HTTP 429/503)
 *   is retried with backoff or after the Retry-After asked for, up to the item's Retry Attempts.
 * - A failure that may hide a stored lead (timeout, dropped connection, other
 *   5xx, non-JSON) is never resent: with a Lead ID the feed is checked a few
 *   times; without one the outcome stays unknown and the caller says so.
 */
export async function deliverLead(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	{ form, timeoutMs, retryAttempts }: ReadyItem,
	/** The item's deadline: every request and wait of the delivery ends with it. */
	deadline: Deadline,
): Promise<DeliveryOutcome> {
	const send = { method: 'POST' as const, path: SEND_PATH, form, timeoutMs, deadline };
	const provesNothingArrived = (failure: CallFailure) => failure.notDelivered && isWorthRepeating(failure);
	const { result, attempts } = await callWithRetries.call(this, connection, send, retryAttempts, provesNothingArrived);
	// classifyAnswer takes a send answer only when it names a lead id.
	if (result.ok) {
		const trafficLightId = leadIdOf(result.body) as string | number;
		return { delivered: true, trafficLightId, attempts, confirmedByFeed: false, answer: boundedAnswer(result.body) };
	}
	const { failure } = result;

	if (failure.notDelivered) return { delivered: false, attempts, failure, resolution: NOT_SENT_BECAUSE[failure.kind] };

	const leadId = form.id;
	if (!leadId) return { delivered: false, attempts, failure, resolution: 'unknownWithoutLeadId' };

	let feedAnswered = false;
	let feedFailure: CallFailure | undefined;
	for (const delay of FEED_CHECK_DELAYS_MS) {
		if (!(await wait(delay, deadline.signal))) {
			feedFailure = deadlineFailure(deadline);
			break;
		}
		const lookup = await findByLeadIds.call(this, connection, [leadId], timeoutMs, 0, deadline);
		if (!lookup.ok) {
			feedFailure = lookup.failure;
			continue;
		}
		feedAnswered = true;
		// A row with this Lead ID proves the lead arrived, whatever its own id: resending would duplicate it.
		const lead = lookup.found.get(leadId);
		if (lead) {
			return {
				delivered: true,
				trafficLightId: leadIdOf(lead) ?? null,
				attempts,
				confirmedByFeed: true,
				answer: boundedAnswer(lead),
				recoveredFrom: failure,
			};
		}
	}
	return { delivered: false, attempts, failure, resolution: feedAnswered ? 'notFoundInFeed' : 'stillUnknown', feedFailure };
}
