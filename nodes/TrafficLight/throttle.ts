import { sleep } from 'n8n-workflow';

/**
 * How hard one execution presses Traffic Light. There is no limit beyond the node's Concurrency
 * until Traffic Light refuses a request for load (HTTP 429/503). Then the requests allowed on the
 * wire at once drop to 70% of those that were (once per refusal wave: refusals of requests sent
 * before the cut do not cut again), every request waits out the refusal's Retry-After, and after
 * RECOVERY_MS without a refusal one more request is allowed again.
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
}

const RECOVERY_MS = 5000;
const CUT_TO = 0.7;

export function newThrottle(): Throttle {
	return { onWire: 0, limit: Infinity, changedAt: 0, waiting: [], averageMs: 0, peakOnWire: 1, nextStartAt: 0 };
}

/** Resolves, with the time the request may start, after any pause and once fewer than `limit` are on the wire. */
export async function takeTurn(throttle: Throttle): Promise<number> {
	if (throttle.pause) await throttle.pause.over;
	while (throttle.onWire >= throttle.limit) {
		await new Promise<void>((resolve) => throttle.waiting.push(resolve));
	}
	throttle.onWire++;
	throttle.peakOnWire = Math.max(throttle.peakOnWire, throttle.onWire);
	// Requests that start together are answered together and, processed one after the other, start
	// together again: spreading their starts over a request's time keeps the answers spread too.
	const now = Date.now();
	const wait = throttle.onWire > 1 ? throttle.nextStartAt - now : 0;
	throttle.nextStartAt = Math.max(now, throttle.nextStartAt) + throttle.averageMs / throttle.peakOnWire;
	if (wait >= 1) await sleep(wait);
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
	throttle.onWire--;
	throttle.waiting.shift()?.();
}

/** Holds every request back for `ms` (a longer pause already running stands); resolves when it is over. */
export async function pauseFor(throttle: Throttle, ms: number): Promise<void> {
	const endsAt = Date.now() + ms;
	if (!throttle.pause || endsAt > throttle.pause.endsAt) throttle.pause = { endsAt, over: sleep(ms) };
	await throttle.pause.over;
}
