import type { IExecuteFunctions } from 'n8n-workflow';

import { wait } from './deadline';
import { pauseFor } from './throttle';
import type { TrafficLightConnection } from './connection';
import { isRefusalForLoad, type CallFailure, type CallResult } from './failures';
import { callTrafficLight, type CallOptions } from './request';

/** The longest Retry-After honoured as asked; a longer one is cut to this (and to the request's Timeout). */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Waits before retry `attempt` of a call that provably changed nothing: the Retry-After Traffic
 * Light sent with a 429/503, cut to a minute and to the Timeout; without one 1 s, 2 s, 4 s, … capped at 8 s.
 */
export function retryDelayMs(attempt: number, failure: CallFailure, timeoutMs: number): number {
	const asked = failure.kind === 'http' ? failure.retryAfterMs : undefined;
	if (asked !== undefined) return Math.min(asked, MAX_RETRY_AFTER_MS, timeoutMs);
	return Math.min(1000 * 2 ** (attempt - 1), 8000);
}

// Failures that the same request again cannot fix: a refusal, a redirect, an
// oversized answer, a feed that ignores its filter, a cancelled execution, no time or allowance left.
const NOT_WORTH_REPEATING = new Set<CallFailure['kind']>([
	'errmsg',
	'keyRejected',
	'redirect',
	'tooLarge',
	'tooManyObjects',
	'unverifiable',
	'cancelled',
	'outOfTime',
	'rateLimited',
]);

/** Whether repeating the same request may give a different answer. */
export function isWorthRepeating(failure: CallFailure): boolean {
	return !NOT_WORTH_REPEATING.has(failure.kind);
}

/**
 * Waits before repeating the call that failed with `failure`. A refusal for load (429/503) holds
 * back every request of the execution for that time, not only this one: the others, sent at full
 * speed meanwhile, would only be refused as well and use up their attempts.
 */
async function waitBeforeRetry(
	connection: TrafficLightConnection,
	attempt: number,
	failure: CallFailure,
	timeoutMs: number,
	signal: AbortSignal | undefined,
): Promise<void> {
	const delayMs = retryDelayMs(attempt, failure, timeoutMs);
	if (isRefusalForLoad(failure)) await pauseFor(connection.throttle, delayMs, signal);
	else await wait(delayMs, signal);
}

/**
 * The one retry loop: calls again while `retryable` accepts the failure and attempts are left,
 * waiting before each repeat; every wait and request ends with the call's deadline.
 */
export async function callWithRetries(
	this: IExecuteFunctions,
	connection: TrafficLightConnection,
	options: CallOptions,
	retryAttempts: number,
	retryable: (failure: CallFailure) => boolean = isWorthRepeating,
): Promise<{ result: CallResult; attempts: number }> {
	const signal = options.deadline?.signal ?? this.getExecutionCancelSignal?.();
	for (let attempts = 1; ; attempts++) {
		const result = await callTrafficLight.call(this, connection, options);
		if (result.ok || !retryable(result.failure) || attempts > retryAttempts) return { result, attempts };
		await waitBeforeRetry(connection, attempts, result.failure, options.timeoutMs, signal);
	}
}

