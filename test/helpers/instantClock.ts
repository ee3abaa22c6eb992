// An injected clock for the run's allowance: every wait the transport asks for is recorded and ends at
// once, moving the clock on by what was asked. Tests assert the waits asked, not the time that passed.
import type { IExecuteFunctions } from 'n8n-workflow';

import * as apiRequest from '../../nodes/shared/apiRequest';

export interface InstantClock {
	now: number;
	/** Every wait asked of the clock, in order (Retry-After pauses and back-offs alike). */
	asked: number[];
}

const startOfClock = () => ({ now: Date.parse('2026-12-01T10:00:00Z'), asked: [] as number[] });

function clocked(make: typeof apiRequest.newRunAllowance, allowanceMs: number | undefined, clock: InstantClock) {
	return make(
		allowanceMs,
		() => clock.now,
		async (ms) => {
			clock.asked.push(ms);
			clock.now += ms;
		},
	);
}

/** A run allowance on its own instant clock. */
export function instantRunAllowance(allowanceMs = Infinity) {
	const clock = startOfClock();
	return { clock, run: clocked(apiRequest.newRunAllowance, allowanceMs, clock) };
}

/** Every run allowance the node creates from now on uses one instant clock (undo with `jest.restoreAllMocks()`). */
export function useInstantClock(): InstantClock {
	const clock = startOfClock();
	const real = apiRequest.newRunAllowance;
	jest.spyOn(apiRequest, 'newRunAllowance').mockImplementation((allowanceMs) => clocked(real, allowanceMs, clock));
	return clock;
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
