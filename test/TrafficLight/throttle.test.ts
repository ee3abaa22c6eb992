import type { IExecuteFunctions } from 'n8n-workflow';

import { newRunAllowance, pauseRun, type RunAllowance } from '../../nodes/shared/waits';
import { secretMasker } from '../../nodes/shared/outsideData';
import { callWithRetries } from '../../nodes/shared/apiRequest';
import { classifyAnswer, type TrafficLightConnection } from '../../nodes/TrafficLight/transport/trafficLightApi';

/** An injected clock and wait: a pause ends only when the test says so. */
function fakeClock() {
	const clock = { now: 1_000_000, asked: [] as number[], ends: [] as Array<() => void> };
	const run = newRunAllowance(
		30_000,
		() => clock.now,
		(ms) => {
			clock.asked.push(ms);
			return new Promise<void>((resolve) => clock.ends.push(resolve));
		},
	);
	return { clock, run };
}

const pending = Symbol('pending');
/** `work`'s value, or `pending` if it has not settled after a few turns of the event loop. */
const settledSoon = async <T>(work: Promise<T>) => await Promise.race([work, new Promise((resolve) => setImmediate(() => setImmediate(() => resolve(pending))))]);

function connectionWith(run: RunAllowance): TrafficLightConnection {
	return { baseUrl: 'http://tl.test', credentialType: 'trafficLightApi', credentials: {}, mask: secretMasker(''), classify: classifyAnswer, maxAnswerBytes: 1024, allowance: run } as unknown as TrafficLightConnection;
}

describe('429/503: the run waits out Retry-After, up to its allowance', () => {
	it('pauses add up to the allowance and no further; a shorter pause does not cut a longer one short', () => {
		const { clock, run } = fakeClock();
		pauseRun(run, 10_000);
		pauseRun(run, 4_000);
		expect(run.heldBackMs).toBe(10_000);
		expect(clock.asked).toEqual([10_000]);
		clock.now += 10_000;
		pauseRun(run, 60_000);
		expect(run.heldBackMs).toBe(30_000);
		expect(clock.asked).toEqual([10_000, 20_000]);
	});

	it("a request does not go out ahead of a refusal's pause, and none starts once the allowance is used up", async () => {
		const { clock, run } = fakeClock();
		const answers = [
			{ statusCode: 429, headers: { 'retry-after': '5' }, body: '' },
			{ statusCode: 200, headers: {}, body: '{"balance":1}' },
			{ statusCode: 200, headers: {}, body: '{"balance":2}' },
		];
		let sent = 0;
		const ctx = {
			getExecutionCancelSignal: () => undefined,
			helpers: { httpRequestWithAuthentication: async () => answers[sent++] },
		} as unknown as IExecuteFunctions;
		const connection = connectionWith(run);
		const options = { method: 'GET', path: '/api/user/balance', timeoutMs: 30_000 } as const;
		const refused = callWithRetries.call(ctx, connection, options, 1);
		await settledSoon(refused);
		const waiting = callWithRetries.call(ctx, connection, options, 0);
		expect(await settledSoon(waiting)).toBe(pending);
		expect(sent).toBe(1);
		expect(clock.asked).toEqual([5000]);
		clock.ends[0]();
		expect((await refused).result.ok && (await waiting).result.ok).toBe(true);
		expect(sent).toBe(3);
		run.heldBackMs = run.allowanceMs;
		const late = await callWithRetries.call(ctx, connection, options, 0);
		expect(late.result).toMatchObject({ ok: false, failure: { kind: 'rateLimited' } });
		expect(sent).toBe(3);
	});

	it('a waiter whose signal aborts leaves the pause at once; the pause still holds the others', async () => {
		const { run } = fakeClock();
		pauseRun(run, 5000);
		const controller = new AbortController();
		const ctx = { getExecutionCancelSignal: () => controller.signal, helpers: { httpRequestWithAuthentication: async () => ({ statusCode: 200, body: '{}' }) } } as unknown as IExecuteFunctions;
		const mine = callWithRetries.call(ctx, connectionWith(run), { method: 'GET', path: '/x', timeoutMs: 1000 }, 0);
		expect(await settledSoon(mine)).toBe(pending);
		controller.abort();
		expect((await mine).result).toMatchObject({ ok: false, failure: { kind: 'cancelled' } });
		expect(run.pause).toBeDefined();
	});
});

describe('429/503: requests on the wire at once drop after a refusal', () => {
	/** A context whose requests wait until the test answers them, in order. */
	function heldContext(signal?: AbortSignal) {
		const held: Array<(answer: object) => void> = [];
		const ctx = {
			getExecutionCancelSignal: () => signal,
			helpers: { httpRequestWithAuthentication: async () => await new Promise((resolve) => held.push(resolve)) },
		} as unknown as IExecuteFunctions;
		return { ctx, held };
	}
	const options = { method: 'GET', path: '/api/user/balance', timeoutMs: 30_000 } as const;
	const ok = { statusCode: 200, headers: {}, body: '{"balance":1}' };

	it('a refusal cuts them to 70 % of those on the wire, once per wave; 5 s without a refusal allows one more', async () => {
		const { clock, run } = fakeClock();
		const { ctx, held } = heldContext();
		const connection = connectionWith(run);
		const calls = Array.from({ length: 10 }, () => callWithRetries.call(ctx, connection, options, 1));
		await settledSoon(Promise.all(calls));
		expect(held).toHaveLength(10);
		clock.now += 1;
		held[0]({ statusCode: 429, headers: { 'retry-after': '1' }, body: '' });
		await settledSoon(calls[0]);
		expect(run.limit).toBe(7);
		// Sent before the cut: part of the same wave, no second cut.
		held[1]({ statusCode: 503, headers: {}, body: '' });
		await settledSoon(calls[1]);
		expect(run.limit).toBe(7);
		clock.now += 5000;
		held[2](ok);
		await settledSoon(calls[2]);
		expect(run.limit).toBe(8);
	});

	it('a request handed a place that gives up while a pause holds it back hands the place on', async () => {
		const { clock, run } = fakeClock();
		run.limit = 1;
		const connection = connectionWith(run);
		const first = heldContext();
		const quitter = new AbortController();
		const second = heldContext(quitter.signal);
		const third = heldContext();
		const a = callWithRetries.call(first.ctx, connection, options, 0);
		await settledSoon(a);
		const b = callWithRetries.call(second.ctx, connection, options, 0);
		const c = callWithRetries.call(third.ctx, connection, options, 0);
		await settledSoon(c);
		pauseRun(run, 5000);
		first.held[0](ok);
		await settledSoon(a);
		quitter.abort();
		expect((await b).result).toMatchObject({ ok: false, failure: { kind: 'cancelled' } });
		clock.ends[0]();
		await settledSoon(c);
		expect(third.held).toHaveLength(1);
		third.held[0](ok);
		expect((await c).result.ok).toBe(true);
	});
});
