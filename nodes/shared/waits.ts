// Waits and limits over time for outside calls (deadlines, per-key pace, the run's 429/503 allowance, retry delays) and the failures a call ends in.
import { sleep, type IDataObject } from 'n8n-workflow';

// ---- What a call ends in: here, beside the waits that end calls, so this file needs nothing of apiRequest.ts ----

/** What a failed call means for the record it carried: certainly not arrived (safe to resend), or maybe arrived. */
export type CallFailure =
	| { kind: 'refused' | 'dns'; notDelivered: true; detail: string }
	| { kind: 'timeout' | 'connectionLost' | 'network' | 'cancelled'; notDelivered: false; detail: string }
	/** `retryAfterMs`: how long a 429/503 asked to wait (its Retry-After header), when it said. */
	| { kind: 'http'; notDelivered: boolean; statusCode: number; detail: string; retryAfterMs?: number }
	/** Not JSON, or JSON that is not an object. */
	| { kind: 'notAnObject'; notDelivered: false; statusCode: number; detail: string }
	| { kind: 'errmsg'; notDelivered: true; statusCode: number; errmsg: string }
	/** HTTP 401/403 without an error message: the credential was refused before anything was stored. */
	| { kind: 'keyRejected'; notDelivered: true; statusCode: number; detail: string }
	/** A 3xx, not followed: the server that sent it may have stored the record first (post/redirect/get). */
	| { kind: 'redirect'; notDelivered: false; statusCode: number; location: string; detail: string }
	/** The answer was longer than `maxBytes` and was cut off unread. */
	| { kind: 'tooLarge'; notDelivered: false; statusCode: number; maxBytes: number; detail: string }
	/** Valid JSON without what the call needs: `missing` says what ('a lead id', 'a "leads" list'). */
	| { kind: 'incomplete'; notDelivered: false; statusCode: number; missing: string; detail: string }
	/** A list answered, but its rows cannot be matched to the IDs asked for. */
	| { kind: 'unverifiable'; notDelivered: false; detail: string }
	/** Not sent: the item's time budget was used up before the request could go out. */
	| { kind: 'outOfTime'; notDelivered: true; budgetMs: number; detail: string }
	/** Not sent: 429/503 refusals held the run back for its whole allowance. */
	| { kind: 'rateLimited'; notDelivered: true; detail: string };

export type CallResult = { ok: true; statusCode: number; body: IDataObject } | { ok: false; failure: CallFailure };

export const CANCELLED: CallFailure = { kind: 'cancelled', notDelivered: false, detail: 'the execution was cancelled while the request was under way' };
export const TIMED_OUT: CallFailure = { kind: 'timeout', notDelivered: false, detail: 'no complete answer within the timeout' };

// ---- Deadlines and the one wait ----

/** One item's time budget: it ends when the budget is used up or the execution is cancelled, whichever comes first. */
export interface Deadline {
	signal: AbortSignal;
	budgetMs: number;
	cancel?: AbortSignal;
}

export function startDeadline(cancel: AbortSignal | undefined, budgetMs: number): Deadline {
	const budget = AbortSignal.timeout(budgetMs);
	return { signal: cancel ? AbortSignal.any([cancel, budget]) : budget, budgetMs, cancel };
}

/** Why a deadline ended: the execution was cancelled, or the item's budget was used up. */
export function deadlineFailure(deadline: Deadline): CallFailure {
	if (deadline.cancel?.aborted) return { kind: 'cancelled', notDelivered: false, detail: 'the execution was cancelled' };
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

/** Waits `ms`, or less when `signal` aborts first; true when the whole time passed. n8n-workflow 2.x has no abortable sleep. */
export async function wait(ms: number, signal?: AbortSignal): Promise<boolean> {
	if (ms <= 0) return !signal?.aborted;
	return (await untilAborted(sleep(ms), signal)) !== undefined;
}

// ---- An API's pace: at most one request per gap and key, across the process ----

/** Process-wide: the time each key (an account) may send next. `now` and `wait` are injectable for tests. */
export interface Pace {
	gapMs: number;
	nextAt: Map<string, number>;
	now: () => number;
	wait: (ms: number, signal?: AbortSignal) => Promise<boolean>;
}

export function newPace(gapMs: number): Pace {
	return { gapMs, nextAt: new Map(), now: () => Date.now(), wait };
}

/** Takes the key's next slot and waits for it; false when `signal` aborted first (the slot is then spent). */
export async function waitForSlot(pace: Pace, key: string, signal?: AbortSignal): Promise<boolean> {
	const now = pace.now();
	const at = Math.max(now, pace.nextAt.get(key) ?? 0);
	// Reserved before the wait, so a request that asks meanwhile queues behind this one.
	pace.nextAt.set(key, at + pace.gapMs);
	if (at > now) return await pace.wait(at - now, signal);
	return !signal?.aborted;
}

// ---- 429/503: Retry-After and the run's allowance ----

/** A run stops once 429/503 refusals have held it back this many Timeouts in all. */
export const RATE_LIMIT_ALLOWANCE_TIMEOUTS = 10;

export function rateLimitAllowanceMs(timeoutMs: number): number {
	return RATE_LIMIT_ALLOWANCE_TIMEOUTS * timeoutMs;
}

/**
 * How hard one run presses the API. No limit beyond the node's Concurrency until a 429/503: then every
 * request waits out the refusal's pause, and the requests allowed on the wire at once drop to CUT_TO of
 * those that were (once per wave: refusals of requests sent before the cut do not cut again); after
 * RECOVERY_MS without a refusal one more is allowed. Once pauses add up to `allowanceMs` no request starts.
 */
export interface RunAllowance {
	pause?: { endsAt: number; over: Promise<void> };
	heldBackMs: number;
	allowanceMs: number;
	onWire: number;
	limit: number;
	/** When `limit` last changed. */
	changedAt: number;
	waiting: Array<() => void>;
	/** The clock and the wait, injectable for tests. */
	now: () => number;
	sleep: (ms: number) => Promise<void>;
}

// Without the cut, a run at its defaults against an API that takes one request at a time spends its whole allowance on refusals (rateLimited.test.ts).
const CUT_TO = 0.7;
const RECOVERY_MS = 5000;

export function newRunAllowance(allowanceMs = Infinity, now = Date.now, pause = sleep): RunAllowance {
	return { heldBackMs: 0, allowanceMs, onWire: 0, limit: Infinity, changedAt: 0, waiting: [], now, sleep: pause };
}

/** Holds every request back for `ms` (a longer pause already running stands; none runs past the allowance). */
export function pauseRun(run: RunAllowance, ms: number): void {
	const now = run.now();
	const heldUntil = Math.max(now, run.pause?.endsAt ?? now);
	const endsAt = Math.min(now + ms, heldUntil + Math.max(0, run.allowanceMs - run.heldBackMs));
	if (endsAt <= heldUntil) return;
	run.heldBackMs += endsAt - heldUntil;
	const pause = {
		endsAt,
		over: run.sleep(endsAt - now).then(() => {
			if (run.pause === pause) run.pause = undefined;
		}),
	};
	run.pause = pause;
}

/**
 * Waits out any pause and for a place on the wire; the time the request may start, or undefined, without
 * a place, when `signal` aborts first or the allowance is used up.
 */
export async function takeTurn(run: RunAllowance, signal?: AbortSignal): Promise<number | undefined> {
	// Checked again after every wake: a refusal may have paused the run while this request waited.
	let handedTurn = false;
	while (run.pause || (run.onWire >= run.limit && run.heldBackMs < run.allowanceMs)) {
		const queued = !run.pause;
		let wake: () => void = () => undefined;
		const over = run.pause?.over ?? new Promise<void>((resolve) => run.waiting.push((wake = resolve)));
		if (!(await untilAborted(over, signal))) {
			const at = run.waiting.indexOf(wake);
			if (at >= 0) run.waiting.splice(at, 1);
			// Handed a place (just now, or before a pause held it) that it will not use: the next in line gets it.
			else if (queued || handedTurn) run.waiting.shift()?.();
			return undefined;
		}
		handedTurn = queued;
	}
	if (run.heldBackMs >= run.allowanceMs || signal?.aborted) {
		run.waiting.shift()?.();
		return undefined;
	}
	run.onWire++;
	return run.now();
}

/** The request that started at `startedAt` is over; `refusedForLoad` after a 429/503 (its pause is already set). */
export function endTurn(run: RunAllowance, startedAt: number, refusedForLoad: boolean): void {
	const now = run.now();
	if (refusedForLoad && startedAt >= run.changedAt) {
		run.limit = Math.max(1, Math.floor(run.onWire * CUT_TO));
		run.changedAt = now;
	} else if (!refusedForLoad && Number.isFinite(run.limit) && now - run.changedAt >= RECOVERY_MS) {
		run.limit++;
		run.changedAt = now;
	}
	run.onWire--;
	run.waiting.shift()?.();
}

// Statuses a server or proxy sends before it has taken the request in; other 5xx may come after it stored it.
export const NOT_DELIVERED_STATUSES = new Set([429, 503]);

export function isRefusalForLoad(failure: CallFailure): boolean {
	return failure.kind === 'http' && NOT_DELIVERED_STATUSES.has(failure.statusCode);
}

/** A Retry-After (whole seconds or an HTTP date) in ms from now; undefined for 0, negative, fractional, junk or past. */
export function retryAfterMs(header: string | undefined, now: number): number | undefined {
	const text = header?.trim() ?? '';
	let ms = Number.NaN;
	if (/^\d+$/.test(text)) ms = Number(text) * 1000;
	else if (/[a-z]/i.test(text)) ms = Date.parse(text) - now;
	return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** The longest Retry-After honoured as asked; a longer one is cut to this (and to the request's Timeout). */
export const MAX_RETRY_AFTER_MS = 60_000;
const FIRST_BACK_OFF_MS = 1000;
const MAX_BACK_OFF_MS = 8000;

/** Waits before retry `attempt`: a 429/503's Retry-After, cut to its maximum and the Timeout; else doubling back-off. */
export function retryDelayMs(attempt: number, failure: CallFailure, timeoutMs: number): number {
	const asked = failure.kind === 'http' ? failure.retryAfterMs : undefined;
	if (asked !== undefined) return Math.min(asked, MAX_RETRY_AFTER_MS, timeoutMs);
	return Math.min(FIRST_BACK_OFF_MS * 2 ** (attempt - 1), MAX_BACK_OFF_MS);
}
