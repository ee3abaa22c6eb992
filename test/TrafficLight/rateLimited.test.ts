// Traffic Light refusing for load (HTTP 429/503 with Retry-After), with real waits: the node must
// honour Retry-After and still deliver every lead exactly once at its default options.
import { contextFor, items, run, sendParameters, TrafficLightMock } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	await mock.stop();
});

const sendTimes = () => mock.requestsTo('send').map((r) => r.receivedAt);

describe('Lead → Send against a rate-limited Traffic Light', () => {
	it('waits as long as Retry-After asks before sending again', async () => {
		mock.setMode({ kind: 'rateLimited', maxInFlight: 0, retryAfterSeconds: 2, times: 1 });
		const out = await run(contextFor(mock, sendParameters()));
		expect(out[0].json).toMatchObject({ duplicate: false, attempts: 2 });
		const [refused, accepted] = sendTimes();
		expect(accepted - refused).toBeGreaterThanOrEqual(1950);
		expect(accepted - refused).toBeLessThan(2500);
	});

	it('cuts a Retry-After longer than the Timeout to the Timeout', async () => {
		mock.setMode({ kind: 'rateLimited', maxInFlight: 0, retryAfterSeconds: 3600, status: 503, times: 1 });
		const out = await run(contextFor(mock, sendParameters({ options: { timeout: 1.5 } })));
		expect(out[0].json).toMatchObject({ duplicate: false, attempts: 2 });
		const [refused, accepted] = sendTimes();
		expect(accepted - refused).toBeGreaterThanOrEqual(1450);
		expect(accepted - refused).toBeLessThan(2000);
	});

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
