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

function release(throttle: Throttle): void {
	throttle.onWire--;
	throttle.waiting.shift()?.();
}

/**
 * Resolves, with the time the request may start, after any pause and once fewer than `limit` are on
 * the wire; undefined, without a turn, when `signal` aborts first or the allowance is used up.
 */
export async function takeTurn(throttle: Throttle, signal?: AbortSignal): Promise<number | undefined> {
	// Checked again after every wake: a refusal may have paused the run while this request waited.
	let handedTurn = false;
	while (throttle.pause || (throttle.onWire >= throttle.limit && throttle.heldBackMs < throttle.allowanceMs)) {
		const queued = !throttle.pause;
		let wake: () => void = () => undefined;
		const over = throttle.pause?.over ?? new Promise<void>((resolve) => throttle.waiting.push((wake = resolve)));
		if (!(await untilAborted(over, signal))) {
			const at = throttle.waiting.indexOf(wake);
			if (at >= 0) throttle.waiting.splice(at, 1);
			// Handed a turn (just now, or before a pause held it) that it will not use: the next in line gets it.
			else if (queued || handedTurn) throttle.waiting.shift()?.();
			return undefined;
		}
		handedTurn = queued;
	}
	if (throttle.heldBackMs >= throttle.allowanceMs || signal?.aborted) {
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
 * Holds every request back for `ms`: takeTurn waits it out (a longer pause already running stands,
 * and no pause runs past the allowance). Set before the refused request's turn ends, so that no
 * request waiting for that turn goes out ahead of the pause.
 */
export function pauseFor(throttle: Throttle, ms: number): void {
	const now = Date.now();
	const heldUntil = Math.max(now, throttle.pause?.endsAt ?? now);
	const endsAt = Math.min(now + ms, heldUntil + Math.max(0, throttle.allowanceMs - throttle.heldBackMs));
	if (endsAt <= heldUntil) return;
	throttle.heldBackMs += endsAt - heldUntil;
	const pause = {
		endsAt,
		over: sleep(endsAt - now).then(() => {
			if (throttle.pause === pause) throttle.pause = undefined;
		}),
	};
	throttle.pause = pause;
}
