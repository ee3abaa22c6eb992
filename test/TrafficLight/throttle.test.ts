import { sleep, type IExecuteFunctions } from 'n8n-workflow';

import type { TrafficLightConnection } from '../../nodes/TrafficLight/transport/connection';
import { callWithRetries } from '../../nodes/TrafficLight/transport/request';
import { secretMasker } from '../../nodes/TrafficLight/transport/secretMask';
import { endTurn, newThrottle, pauseFor, takeTurn, type Throttle } from '../../nodes/TrafficLight/transport/throttle';

jest.mock('n8n-workflow', () => ({
	...jest.requireActual('n8n-workflow'),
	sleep: jest.fn(async () => undefined),
}));
const sleepMock = sleep as jest.MockedFunction<typeof sleep>;

let now = 1_000_000;
beforeEach(() => {
	now = 1_000_000;
	jest.spyOn(Date, 'now').mockImplementation(() => now);
	sleepMock.mockClear();
});
afterEach(() => jest.restoreAllMocks());

/** A turn that is expected to come: without a signal or an allowance it always does. */
const turnOf = async (throttle: Throttle): Promise<number> => (await takeTurn(throttle)) as number;

describe('throttle: how hard one execution presses Traffic Light', () => {
	it('no limit and no waiting until a request is refused for load', async () => {
		const throttle = newThrottle();
		const starts = await Promise.all(Array.from({ length: 30 }, async () => await turnOf(throttle)));
		expect(throttle.onWire).toBe(30);
		for (const startedAt of starts) endTurn(throttle, startedAt, false);
		expect(throttle.limit).toBe(Infinity);
		expect(sleepMock).not.toHaveBeenCalled();
	});

	it('a refusal cuts the requests on the wire to 70 %, once per wave; 5 s without one allows one more', async () => {
		const throttle = newThrottle();
		const starts = await Promise.all(Array.from({ length: 10 }, async () => await turnOf(throttle)));
		now += 50;
		endTurn(throttle, starts[0], true);
		expect(throttle.limit).toBe(7);
		// Refusals of requests sent before the cut belong to the same wave.
		endTurn(throttle, starts[1], true);
		expect(throttle.limit).toBe(7);
		for (const startedAt of starts.slice(2)) endTurn(throttle, startedAt, false);

		let waited = false;
		const turns = await Promise.all(Array.from({ length: 7 }, async () => await turnOf(throttle)));
		const eighth = turnOf(throttle).then((startedAt) => {
			waited = true;
			return startedAt;
		});
		await Promise.resolve();
		expect(waited).toBe(false);
		endTurn(throttle, turns[0], false);
		await eighth;
		expect(waited).toBe(true);

		now += 5000;
		endTurn(throttle, turns[1], false);
		expect(throttle.limit).toBe(8);
	});

	it('spreads the starts of concurrent requests over the time one takes', async () => {
		const throttle = newThrottle();
		const first = await Promise.all([turnOf(throttle), turnOf(throttle)]);
		now += 40;
		for (const startedAt of first) endTurn(throttle, startedAt, false);
		sleepMock.mockClear();
		await Promise.all([turnOf(throttle), turnOf(throttle)]);
		// 40 ms per request, at most 2 on the wire: one start every 20 ms.
		expect(sleepMock.mock.calls).toEqual([[20]]);
	});

	it('a pause holds every request back; a shorter one does not cut a longer one short', async () => {
		const throttle = newThrottle();
		let release: () => void = () => undefined;
		sleepMock.mockImplementationOnce(async () => await new Promise<void>((resolve) => (release = resolve)));
		const pause = pauseFor(throttle, 2000);
		void pauseFor(throttle, 1000);
		let started = false;
		const turn = takeTurn(throttle).then(() => (started = true));
		await Promise.resolve();
		expect(started).toBe(false);
		expect(sleepMock.mock.calls).toEqual([[2000]]);
		release();
		await Promise.all([pause, turn]);
		expect(started).toBe(true);
	});
});

describe('throttle: waits end with the waiter\'s signal, and the run with its 429/503 allowance', () => {
	const pending = Symbol('pending');
	/** `work`'s value, or `pending` if it has not settled after a few real turns of the event loop. */
	const settledSoon = async <T>(work: Promise<T>) =>
		await Promise.race([work, new Promise<typeof pending>((resolve) => setImmediate(() => setImmediate(() => resolve(pending))))]);

	it('pauses add up to the allowance and no further; then no request starts', async () => {
		const throttle = newThrottle(1000);
		await pauseFor(throttle, 600);
		now += 600;
		await pauseFor(throttle, 600);
		expect(sleepMock.mock.calls).toEqual([[600], [400]]);
		expect(throttle.heldBackMs).toBe(1000);
		now += 400;
		expect(await takeTurn(throttle)).toBeUndefined();
		expect(throttle.onWire).toBe(0);
	});

	it('a request waiting for its turn leaves the queue when its signal aborts; the next in line gets the turn', async () => {
		const throttle = newThrottle();
		throttle.limit = 1;
		const first = (await takeTurn(throttle)) as number;
		const impatient = new AbortController();
		const second = takeTurn(throttle, impatient.signal);
		const third = takeTurn(throttle);
		expect(await settledSoon(second)).toBe(pending);
		impatient.abort();
		expect(await settledSoon(second)).toBeUndefined();
		endTurn(throttle, first, false);
		expect(typeof (await settledSoon(third))).toBe('number');
		expect(throttle.onWire).toBe(1);
	});

	it('a pause ends for a waiter whose signal aborts, and holds the others back as before', async () => {
		const throttle = newThrottle();
		sleepMock.mockImplementationOnce(async () => await new Promise<void>(() => undefined));
		const cancel = new AbortController();
		pauseFor(throttle, 5000);
		const mine = takeTurn(throttle, cancel.signal);
		expect(await settledSoon(mine)).toBe(pending);
		cancel.abort();
		expect(await settledSoon(mine)).toBeUndefined();
		expect(await settledSoon(takeTurn(throttle))).toBe(pending);
	});

	it('a request handed a turn that gives up while a pause holds it back hands the turn on', async () => {
		let endPause: () => void = () => undefined;
		sleepMock.mockImplementation(async (ms) => {
			if (ms === 5000) await new Promise<void>((resolve) => (endPause = resolve));
		});
		const throttle = newThrottle();
		throttle.limit = 1;
		const first = await turnOf(throttle);
		const impatient = new AbortController();
		const second = takeTurn(throttle, impatient.signal);
		const third = takeTurn(throttle);
		pauseFor(throttle, 5000);
		endTurn(throttle, first, true);
		// The turn went to the second, which the pause now holds back.
		expect(await settledSoon(second)).toBe(pending);
		impatient.abort();
		expect(await settledSoon(second)).toBeUndefined();
		endPause();
		expect(typeof (await settledSoon(third))).toBe('number');
	});

	it("a request waiting for a refused request's turn does not go out ahead of the refusal's pause", async () => {
		let endPause: () => void = () => undefined;
		sleepMock.mockImplementation(async (ms) => {
			if (ms === 5000) await new Promise<void>((resolve) => (endPause = resolve));
		});
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
		const connection = { baseUrl: 'http://tl.test', maskKey: secretMasker(''), throttle: newThrottle() } as unknown as TrafficLightConnection;
		connection.throttle.limit = 1;
		const options = { method: 'GET', path: '/api/user/balance', timeoutMs: 30_000 } as const;
		const refused = callWithRetries.call(ctx, connection, options, 1);
		const waiting = callWithRetries.call(ctx, connection, options, 0);
		expect(await settledSoon(waiting)).toBe(pending);
		expect(sent).toBe(1);
		endPause();
		expect((await refused).result.ok && (await waiting).result.ok).toBe(true);
		expect(sent).toBe(3);
	});
});
