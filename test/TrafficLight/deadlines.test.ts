// Every wait of Lead → Send ends with the item's own deadline ((Retry Attempts + 5) × Timeout) or
// with the execution's cancel. The waits and the budgets are the test's: a wait never ends by itself
// and a budget ends when the test ends it, so each case shows which signal ended what, not how fast.
import { inFlightCount } from '../../nodes/TrafficLight/actions/lead/send/duplicateCheck';
import { controlledBudgets, holdWaits, until, useInstantClock } from '../helpers/instantClock';
import { contextFor, run, sendParameters, TrafficLightMock } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	jest.restoreAllMocks();
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

describe('every wait ends when the execution is cancelled', () => {
	it.each([
		['the back-off before a resend', { kind: 'http5xx', status: 503 }, { timeout: 5 }, [1000], [1000]],
		['a Retry-After pause', { kind: 'rateLimited', maxInFlight: 0, retryAfterSeconds: 2 }, { timeout: 10 }, [2000], [1000]],
		['the wait before a feed check', { kind: 'hang' }, { timeout: 0.2 }, [], [1000]],
	] as const)('%s', async (_wait, mode, options, pauses, waits) => {
		const clock = useInstantClock({ hold: true });
		const held = holdWaits();
		mock.setMode(mode);
		const cancel = new AbortController();
		const ctx = contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-cancel' }, options: { ...options, skipDuplicates: false } }));
		ctx.getExecutionCancelSignal = () => cancel.signal;
		let settled = false;
		const running = run(ctx).catch(() => undefined).finally(() => (settled = true));
		// The waits never end by themselves: the run settles only if the cancel ends the one it is in
		// (and the feed-check wait asked after the cancel returns at once: its signal has already aborted).
		await until(() => clock.asked.length + held.length > 0);
		expect(settled).toBe(false);
		cancel.abort();
		await running;
		expect([clock.asked, held]).toEqual([pauses, waits]);
		expect(mock.requestsTo('send')).toHaveLength(1);
	}, 10_000);
});

/** Whether `work` has settled yet (it is marked as it does). */
function tracked<T>(work: Promise<T>) {
	const state = { settled: false, work };
	void work.finally(() => (state.settled = true)).catch(() => undefined);
	return state;
}

describe('one deadline per item', () => {
	it('a send with an unknown outcome and an unreadable feed ends at its budget, not after every feed check', async () => {
		const budgets = controlledBudgets();
		const held = holdWaits();
		mock.setMode({ kind: 'hang', route: 'all' });
		// Timeout 0.2 s, no resends: a budget of 5 × 0.2 s. Without it the item would go on to 3 feed checks.
		const parameters = sendParameters({ additionalFields: { leadId: 'klx-budget-1' }, options: { timeout: 0.2, retryAttempts: 0, skipDuplicates: false } });
		const running = tracked(run(contextFor(mock, parameters, { continueOnFail: true })));
		// The send's Timeout passed; the item waits (for ever, here) before its first feed check.
		await until(() => held.length > 0);
		expect(running.settled).toBe(false);
		budgets[0].end();
		const out = await running.work;
		expect(out[0].json).toMatchObject({ leadId: 'klx-budget-1', outcome: 'stillUnknown' });
		expect(budgets.map((budget) => budget.budgetMs)).toEqual([1000]);
		expect(held).toEqual([1000]);
		expect(mock.requestsTo('send')).toHaveLength(1);
		expect(mock.requestsTo('feed')).toHaveLength(0);
	}, 10_000);

	it("waiting for another execution's send of the same Lead ID ends at the waiter's own budget", async () => {
		// The waiter's budget ends on its own time; the sender's only when the test ends it.
		const budgets = controlledBudgets((budgetMs) => budgetMs === 1000);
		mock.setMode({ kind: 'hang', route: 'send' });
		// The sender's budget is 5 × 0.6 s; the waiter's 5 × 0.2 s = 1 s.
		const sender = tracked(
			run(
				contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-shared-1' }, options: { timeout: 0.6, retryAttempts: 0 } }), {
					continueOnFail: true,
				}),
			),
		);
		await arrival('/api/lead/send');
		const waiter = await run(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-shared-1' }, options: { timeout: 0.2, retryAttempts: 0 } }), {
				continueOnFail: true,
			}),
		);
		// The waiter gave up while the send it waited for was still under way: its own budget ended it.
		expect(sender.settled).toBe(false);
		expect(waiter[0].json).toMatchObject({
			leadId: 'klx-shared-1',
			outcome: 'heldBack',
			error:
				'Lead ID "klx-shared-1" was held back: another execution is still sending the same Lead ID and its outcome is unknown — nothing was sent for this item',
		});
		// Each execution's budget (its duplicate check and its send each start one): the sender's and the waiter's own.
		expect(new Set(budgets.map((budget) => budget.budgetMs))).toEqual(new Set([3000, 1000]));
		for (const budget of budgets) budget.end();
		await sender.work;
		expect(mock.requestsTo('send')).toHaveLength(1);
	});
});
