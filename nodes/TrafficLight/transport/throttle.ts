import { sleep } from 'n8n-workflow';

import { untilAborted, wait } from './deadline';

/**
 * How hard one execution presses Traffic Light. There is no limit beyond the node's Concurrency
 * until Traffic Light refuses a request for load (HTTP 429/503). Then the requests allowed on the
 * wire at once drop to 70% of those that were (once per refusal wave: refusals of requests sent
 * before the cut do not cut again), every request waits out the refusal's Retry-After, and after
 * RECOVERY_MS without a refusal one more request is allowed again. Once such pauses add up to the
 * run's allowance, no further request starts: the run stops instead of waiting out a storm.
 */
export interface Throttle {
	onWire: number;
	limit: number;
	/** When `limit` last changed. */
	changedAt: number;
	waiting: Array<() => void>;
	pause?: { endsAt: number; over: Promise<void> };
	/** Average time a request takes, and the most on the wire at once: requests start spread over it. */
	averageMs: number;
	peakOnWire: number;
	nextStartAt: number;
	/** How long 429/503 pauses have held the run back, and how long they may in all. */
	heldBackMs: number;
	allowanceMs: number;
}

const RECOVERY_MS = 5000;
const CUT_TO = 0.7;

/** A run stops once 429/503 refusals have held it back this many Timeouts in all. */
export const RATE_LIMIT_ALLOWANCE_TIMEOUTS = 10;

export function rateLimitAllowanceMs(timeoutMs: number): number {
	return RATE_LIMIT_ALLOWANCE_TIMEOUTS * timeoutMs;
}

export function newThrottle(allowanceMs = Infinity): Throttle {
	return { onWire: 0, limit: Infinity, changedAt: 0, waiting: [], averageMs: 0, peakOnWire: 1, nextStartAt: 0, heldBackMs: 0, allowanceMs };
}

export function allowanceUsedUp(throttle: Throttle): boolean {
	return throttle.heldBackMs >= throttle.allowanceMs;
}

function release(throttle: Throttle): void {
	throttle.onWire--;
	throttle.waiting.shift()?.();
}

/**
 * Resolves, with the time the request may start, after any pause and once fewer than `limit` are on
 * the wire; undefined, without a turn, when `signal` aborts first or the allowance is used up.
 */
export async function takeTurn(throttle: Throttle, signal?: AbortSignal): Promise<number | undefined> {
	if (throttle.pause && !(await untilAborted(throttle.pause.over, signal))) return undefined;
	while (throttle.onWire >= throttle.limit && !allowanceUsedUp(throttle)) {
		let wake: () => void = () => undefined;
		const turn = new Promise<void>((resolve) => throttle.waiting.push((wake = resolve)));
		if (!(await untilAborted(turn, signal))) {
			const at = throttle.waiting.indexOf(wake);
			// Woken at the moment it gave up: the turn goes to the next in line.
			if (at >= 0) throttle.waiting.splice(at, 1);
			else throttle.waiting.shift()?.();
			return undefined;
		}
	}
	if (allowanceUsedUp(throttle) || signal?.aborted) {
		throttle.waiting.shift()?.();
		return undefined;
	}
	throttle.onWire++;
	throttle.peakOnWire = Math.max(throttle.peakOnWire, throttle.onWire);
	// Requests that start together are answered together and, processed one after the other, start
	// together again: spreading their starts over a request's time keeps the answers spread too.
	const now = Date.now();
	const spread = throttle.onWire > 1 ? throttle.nextStartAt - now : 0;
	throttle.nextStartAt = Math.max(now, throttle.nextStartAt) + throttle.averageMs / throttle.peakOnWire;
	if (spread >= 1 && !(await wait(spread, signal))) {
		release(throttle);
		return undefined;
	}
	return Date.now();
}

/** The request that started at `startedAt` is over; `refusedForLoad` when Traffic Light answered 429/503. */
export function endTurn(throttle: Throttle, startedAt: number, refusedForLoad: boolean): void {
	const now = Date.now();
	throttle.averageMs = throttle.averageMs === 0 ? now - startedAt : 0.8 * throttle.averageMs + 0.2 * (now - startedAt);
	if (refusedForLoad && startedAt >= throttle.changedAt) {
		throttle.limit = Math.max(1, Math.floor(throttle.onWire * CUT_TO));
		throttle.changedAt = now;
	} else if (!refusedForLoad && Number.isFinite(throttle.limit) && now - throttle.changedAt >= RECOVERY_MS) {
		throttle.limit++;
		throttle.changedAt = now;
	}
	release(throttle);
}

/**
 * Holds every request back for `ms` (a longer pause already running stands, and no pause runs past
 * the allowance); resolves when it is over or `signal` aborts.
 */
export async function pauseFor(throttle: Throttle, ms: number, signal?: AbortSignal): Promise<void> {
	const now = Date.now();
	const heldUntil = Math.max(now, throttle.pause?.endsAt ?? now);
	const endsAt = Math.min(now + ms, heldUntil + Math.max(0, throttle.allowanceMs - throttle.heldBackMs));
	if (endsAt > heldUntil) {
		throttle.heldBackMs += endsAt - heldUntil;
		throttle.pause = { endsAt, over: sleep(endsAt - now) };
	}
	if (throttle.pause) await untilAborted(throttle.pause.over, signal);
}
