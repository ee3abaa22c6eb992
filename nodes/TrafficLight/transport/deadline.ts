import { sleep } from 'n8n-workflow';

import type { CallFailure } from './failures';

/**
 * One item's time budget: it ends when the budget is used up or the execution is cancelled,
 * whichever comes first. Every wait and request of the item is handed this one signal.
 */
export interface Deadline {
	signal: AbortSignal;
	budgetMs: number;
	cancel?: AbortSignal;
}

/** Feed checks after an unknown outcome, on top of Retry Attempts + 1 sends, each at most a Timeout. */
const FEED_CHECKS = 3;

/**
 * The whole of one lead — duplicate check, sends, back-off, Retry-After and the feed checks after an
 * unknown outcome — ends within (Retry Attempts + 5) × Timeout: a Timeout for each send and feed
 * check, and one more for all the waiting in between.
 */
export function itemBudgetMs(timeoutMs: number, retryAttempts: number): number {
	return (retryAttempts + 1 + FEED_CHECKS + 1) * timeoutMs;
}

export function startDeadline(cancel: AbortSignal | undefined, budgetMs: number): Deadline {
	const budget = AbortSignal.timeout(budgetMs);
	return { signal: cancel ? AbortSignal.any([cancel, budget]) : budget, budgetMs, cancel };
}

/** Why a deadline ended: the execution was cancelled, or the item's budget was used up. */
export function deadlineFailure(deadline: Deadline): CallFailure {
	if (deadline.cancel?.aborted) {
		return { kind: 'cancelled', notDelivered: false, detail: 'the execution was cancelled' };
	}
	const detail = `the item's time budget of ${deadline.budgetMs / 1000} s was used up`;
	return { kind: 'outOfTime', notDelivered: true, budgetMs: deadline.budgetMs, detail };
}

/** `work`'s value, or `undefined` as soon as `signal` aborts (at once when it already has). */
export async function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<{ value: T } | undefined> {
	if (!signal) return { value: await work };
	if (signal.aborted) return undefined;
	let onAbort: () => void = () => undefined;
	const aborted = new Promise<undefined>((resolve) => {
		onAbort = () => resolve(undefined);
		signal.addEventListener('abort', onAbort, { once: true });
	});
	try {
		return await Promise.race([work.then((value) => ({ value })), aborted]);
	} finally {
		signal.removeEventListener('abort', onAbort);
	}
}

/**
 * Waits `ms`, or less when `signal` aborts first; true when the whole time passed.
 * Every wait that belongs to an item goes through it: n8n 1.x has sleepWithAbort, the n8n-workflow of 2.x does not.
 */
export async function wait(ms: number, signal?: AbortSignal): Promise<boolean> {
	if (ms <= 0) return !signal?.aborted;
	return (await untilAborted(sleep(ms), signal)) !== undefined;
}
