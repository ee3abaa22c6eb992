// An injected clock for the run's allowance: every wait the transport asks for is recorded and ends at
// once, moving the clock on by what was asked. Tests assert the waits asked, not the time that passed.
import type { IExecuteFunctions } from 'n8n-workflow';

import * as waits from '../../nodes/shared/waits';

export interface InstantClock {
	now: number;
	/** Every wait asked of the clock, in order (Retry-After pauses and back-offs alike). */
	asked: number[];
}

const startOfClock = () => ({ now: Date.parse('2026-12-01T10:00:00Z'), asked: [] as number[] });

function clocked(make: typeof waits.newRunAllowance, allowanceMs: number | undefined, clock: InstantClock, hold = false) {
	return make(
		allowanceMs,
		() => clock.now,
		async (ms) => {
			clock.asked.push(ms);
			// A held wait never ends by itself: only an abort of the caller's signal lets the caller go on.
			if (hold) await new Promise<never>(() => undefined);
			clock.now += ms;
		},
	);
}

/** A run allowance on its own instant clock. */
export function instantRunAllowance(allowanceMs = Infinity) {
	const clock = startOfClock();
	return { clock, run: clocked(waits.newRunAllowance, allowanceMs, clock) };
}

/** Every run allowance the node creates from now on uses one instant clock (undo with `jest.restoreAllMocks()`). */
export function useInstantClock({ hold = false } = {}): InstantClock {
	const clock = startOfClock();
	const real = waits.newRunAllowance;
	jest.spyOn(waits, 'newRunAllowance').mockImplementation((allowanceMs) => clocked(real, allowanceMs, clock, hold));
	return clock;
}

/** Every other wait of the node (`wait`, e.g. before a feed check) is recorded and held until its signal aborts. */
export function holdWaits(): number[] {
	const asked: number[] = [];
	jest.spyOn(waits, 'wait').mockImplementation(async (ms, signal) => {
		asked.push(ms);
		return (await waits.untilAborted(new Promise<never>(() => undefined), signal)) !== undefined;
	});
	return asked;
}

/**
 * Every item budget the node starts is recorded and ends only when the test ends it (or the execution is
 * cancelled); those `keepReal` picks end on their own time, as in n8n.
 */
export function controlledBudgets(keepReal: (budgetMs: number) => boolean = () => false): Array<{ budgetMs: number; end: () => void }> {
	const budgets: Array<{ budgetMs: number; end: () => void }> = [];
	const real = waits.startDeadline;
	jest.spyOn(waits, 'startDeadline').mockImplementation((cancel, budgetMs) => {
		const budget = new AbortController();
		budgets.push({ budgetMs, end: () => budget.abort() });
		if (keepReal(budgetMs)) return real(cancel, budgetMs);
		return { signal: cancel ? AbortSignal.any([cancel, budget.signal]) : budget.signal, budgetMs, cancel };
	});
	return budgets;
}

/** Resolves once `condition` holds (checked every few ms); the test's own timeout bounds it. */
export async function until(condition: () => boolean): Promise<void> {
	while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

export interface Answer {
	statusCode: number;
	headers?: Record<string, string>;
	body?: string;
}

/** A context whose request helper gives these answers in turn (the last one again when they run out) and records each request. */
export function answeringContext(answers: Answer[]) {
	const requests: Array<{ url: string; body?: unknown }> = [];
	const ctx = {
		getExecutionCancelSignal: () => undefined,
		helpers: {
			httpRequestWithAuthentication: async (_type: string, request: { url: string; body?: unknown }) => {
				requests.push({ url: request.url, body: request.body });
				const answer = answers[Math.min(requests.length, answers.length) - 1];
				return { statusCode: answer.statusCode, headers: answer.headers ?? {}, body: answer.body ?? '' };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, requests };
}
