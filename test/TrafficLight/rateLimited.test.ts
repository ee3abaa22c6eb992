// Traffic Light refusing for load (HTTP 429/503 with Retry-After): the node must honour Retry-After
// and still deliver every lead exactly once at its default options. The waits asked are read off an
// injected clock; only the defaults case runs on real time (its pacing is what it tests).
import { useInstantClock, type InstantClock } from '../helpers/instantClock';
import { contextFor, items, run, runExpectingError, sendParameters, TrafficLightMock } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	jest.restoreAllMocks();
	await mock.stop();
});

const sum = (waits: number[]) => waits.reduce((total, ms) => total + ms, 0);

describe('Lead → Send against a rate-limited Traffic Light', () => {
	it('waits as long as Retry-After asks before sending again', async () => {
		const clock = useInstantClock();
		mock.setMode({ kind: 'rateLimited', maxInFlight: 0, retryAfterSeconds: 2, times: 1 });
		const out = await run(contextFor(mock, sendParameters()));
		expect(out[0].json).toMatchObject({ duplicate: false, attempts: 2 });
		expect(clock.asked).toEqual([2000]);
		expect(mock.requestsTo('send')).toHaveLength(2);
	});

	it('cuts a Retry-After longer than the Timeout to the Timeout', async () => {
		const clock = useInstantClock();
		mock.setMode({ kind: 'rateLimited', maxInFlight: 0, retryAfterSeconds: 3600, status: 503, times: 1 });
		const out = await run(contextFor(mock, sendParameters({ options: { timeout: 1.5 } })));
		expect(out[0].json).toMatchObject({ duplicate: false, attempts: 2 });
		expect(clock.asked).toEqual([1500]);
		expect(mock.requestsTo('send')).toHaveLength(2);
	});

	// Fails since the 70 % cut after a 429 was deleted: the cut is what gets every lead through a one-at-a-time server at the defaults.
	it.each([429, 503])('at its defaults delivers every lead exactly once through HTTP %i refusals', async (status) => {
		mock.setMode({ kind: 'rateLimited', route: 'all', status, maxInFlight: 1, perSecond: 20, delayMs: 20 });
		const count = 60;
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: `rl-${i}` }) }), { items: items(count) }),
		);
		expect((mock.refused as Record<number, number>)[status]).toBeGreaterThan(0);
		expect(out.map((o) => [o.json.leadId, o.json.duplicate, o.json.error])).toEqual(
			items(count).map((_, i) => [`rl-${i}`, false, undefined]),
		);
		expect(mock.leads.map((l) => l.id2).sort()).toEqual(items(count).map((_, i) => `rl-${i}`).sort());
		expect(out.map((o) => o.json.trafficLightId)).toEqual(
			items(count).map((_, i) => mock.leads.find((l) => l.id2 === `rl-${i}`)?.id),
		);
	}, 60_000);
});

describe('Lead → Send against a Traffic Light that refuses everything for load', () => {
	// Timeout 0.3 s: the run may be held back by 429/503 for 10 × 0.3 s = 3 s in all; the most resends.
	const storm = () =>
		sendParameters({ additionalFields: (i: number) => ({ leadId: `storm-${i}` }), options: { timeout: 0.3, retryAttempts: 10 } });

	let clock: InstantClock;
	beforeEach(() => {
		clock = useInstantClock();
		mock.setMode({ kind: 'rateLimited', maxInFlight: 0, retryAfterSeconds: 1 });
	});

	it('stops once refusals have held the run back for 10 × Timeout; every item says "not sent: rate limited"', async () => {
		const count = 20;
		const out = await run(contextFor(mock, storm(), { items: items(count), continueOnFail: true }));
		// Pauses of 1 s each, held to the allowance exactly: 10 × 0.3 s.
		expect(sum(clock.asked)).toBe(3000);
		expect(out.map((o) => o.pairedItem)).toEqual(items(count).map((_, i) => ({ item: i })));
		for (const [i, o] of out.entries()) {
			expect(o.json.leadId).toBe(`storm-${i}`);
			expect(o.json.error).toMatch(/^Not sent: rate limited/);
			expect(o.error).toBeDefined();
		}
		expect(mock.leads).toHaveLength(0);
	}, 30_000);

	it('without continueOnFail the execution fails with "not sent: rate limited" as soon as the allowance is used up', async () => {
		const error = await runExpectingError(contextFor(mock, storm(), { items: items(10) }));
		expect(error.message).toMatch(/^Not sent: rate limited/);
		expect(sum(clock.asked)).toBe(3000);
		expect(mock.leads).toHaveLength(0);
	}, 30_000);
});
