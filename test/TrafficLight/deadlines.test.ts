// Every wait of Lead → Send ends with the item's own deadline ((Retry Attempts + 5) × Timeout) or
// with the execution's cancel. Real time, short Timeouts: the bounds catch a 1.5× change.
import { inFlightCount } from '../../nodes/TrafficLight/actions/lead/send/duplicateCheck';
import { contextFor, run, sendParameters, TrafficLightMock } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	await mock.stop();
	expect(inFlightCount()).toBe(0);
});

/** Resolves once the mock has received a request to `path` (listeners run before the mock records it). */
function arrival(path: string): Promise<void> {
	return new Promise((resolve) => {
		let done = false;
		mock.onRequest((record) => {
			if (!done && record.path === path) {
				done = true;
				resolve();
			}
		});
	});
}

/** How long `work` took to settle, resolved or rejected, and what it gave. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
	const start = Date.now();
	try {
		const value = await work();
		return { ms: Date.now() - start, value };
	} catch (error) {
		return { ms: Date.now() - start, error };
	}
}

describe('every wait ends within 100 ms of the execution being cancelled', () => {
	it.each([
		['the back-off before a resend', { kind: 'http5xx', status: 503 }, { timeout: 5 }],
		['a Retry-After pause', { kind: 'rateLimited', maxInFlight: 0, retryAfterSeconds: 2 }, { timeout: 10 }],
		['the wait before a feed check', { kind: 'hang' }, { timeout: 0.2 }],
	] as const)('%s', async (_wait, mode, options) => {
		mock.setMode(mode);
		const cancel = new AbortController();
		const ctx = contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-cancel' }, options: { ...options, skipDuplicates: false } }));
		ctx.getExecutionCancelSignal = () => cancel.signal;
		const running = run(ctx).catch(() => undefined);
		await arrival('/api/lead/send');
		// Well inside the first wait (each is 1 s or more), after the send's answer or Timeout.
		await new Promise((resolve) => setTimeout(resolve, 400));
		const cancelledAt = Date.now();
		cancel.abort();
		await running;
		expect(Date.now() - cancelledAt).toBeLessThan(100);
		expect(mock.requestsTo('send')).toHaveLength(1);
	});
});

describe('one deadline per item', () => {
	it('a send with an unknown outcome and an unreadable feed ends at its budget, not after every feed check', async () => {
		mock.setMode({ kind: 'hang', route: 'all' });
		// Timeout 0.2 s, no resends: a budget of 5 × 0.2 s. Without it: 3 feed checks after 1, 2 and 4 s.
		const parameters = sendParameters({ additionalFields: { leadId: 'klx-budget-1' }, options: { timeout: 0.2, retryAttempts: 0, skipDuplicates: false } });
		const { ms, value } = await timed(() => run(contextFor(mock, parameters, { continueOnFail: true })));
		expect(value?.[0].json).toMatchObject({ leadId: 'klx-budget-1', outcome: 'stillUnknown' });
		expect(mock.requestsTo('send')).toHaveLength(1);
		expect(ms).toBeGreaterThanOrEqual(950);
		expect(ms).toBeLessThan(1500);
	});

	it("waiting for another execution's send of the same Lead ID ends at the waiter's own budget", async () => {
		mock.setMode({ kind: 'hang', route: 'send' });
		// The sender's budget is 5 × 0.6 s; the waiter's 5 × 0.2 s = 1 s.
		const sender = run(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-shared-1' }, options: { timeout: 0.6, retryAttempts: 0 } }), {
				continueOnFail: true,
			}),
		);
		await arrival('/api/lead/send');
		const waiter = await timed(() =>
			run(
				contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-shared-1' }, options: { timeout: 0.2, retryAttempts: 0 } }), {
					continueOnFail: true,
				}),
			),
		);
		expect(waiter.value?.[0].json).toMatchObject({
			leadId: 'klx-shared-1',
			outcome: 'heldBack',
			error:
				'Lead ID "klx-shared-1" was held back: another execution is still sending the same Lead ID and its outcome is unknown — nothing was sent for this item',
		});
		expect(waiter.ms).toBeGreaterThanOrEqual(950);
		expect(waiter.ms).toBeLessThan(1500);
		await sender;
		expect(mock.requestsTo('send')).toHaveLength(1);
	});
});
