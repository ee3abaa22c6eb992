import { NodeOperationError, sleep } from 'n8n-workflow';

import { accountKey, inFlightCount, sendOnce } from '../../nodes/TrafficLight/actions/lead/send/duplicateCheck';
import type { InFlightOutcome } from '../../nodes/TrafficLight/actions/lead/send/results';
import { contextFor, items, run, sendParameters, TrafficLightMock } from './fixtures';

// Feed checks after an unknown outcome wait 1, 2, 4 s; recorded instead of slept.
jest.mock('n8n-workflow', () => ({
	...jest.requireActual('n8n-workflow'),
	sleep: jest.fn(async () => undefined),
}));
const sleepMock = sleep as jest.MockedFunction<typeof sleep>;

let mock: TrafficLightMock;
/** The most sends the mock had open (received, not yet answered) at one time. */
let maxOpenSends: number;

beforeEach(async () => {
	mock = await new TrafficLightMock().start();
	sleepMock.mockClear();
	maxOpenSends = 0;
	let open = 0;
	mock.onRequest((record, res) => {
		if (record.path === '/api/lead/send') {
			open++;
			maxOpenSends = Math.max(maxOpenSends, open);
			res.on('close', () => open--);
		}
	});
});
afterEach(async () => {
	await mock.stop();
	// Every send unregisters itself, whatever happened to it.
	expect(inFlightCount()).toBe(0);
});

const sends = () => mock.requestsTo('send');

/**
 * Two executions of the same workflow, started together, each with one item and the same Lead ID.
 * Every answer is delayed, so both duplicate checks read the feed before either lead is stored.
 */
async function twoExecutions(leadId: string, extra: { continueOnFail?: boolean } = {}) {
	mock.setMode({ kind: 'slow', route: 'all', delayMs: 150 });
	const parameters = sendParameters({ additionalFields: { leadId } });
	return Promise.all([run(contextFor(mock, parameters, extra)), run(contextFor(mock, parameters, extra))]);
}

/** Switches the mock's mode when the first send arrives (before it is answered). */
function onFirstSend(mode: Parameters<TrafficLightMock['setMode']>[0]) {
	let switched = false;
	mock.onRequest((record) => {
		if (!switched && record.path === '/api/lead/send') {
			switched = true;
			mock.setMode(mode);
		}
	});
}

describe('Lead → Send: concurrent executions in one process share the in-flight Lead IDs', () => {
	it('the same Lead ID from two executions at once: one send, the other marked duplicate of it', async () => {
		const [first, second] = await twoExecutions('klx-appointment-901');
		expect(sends()).toHaveLength(1);
		expect(mock.leads).toHaveLength(1);
		const outputs = [first[0].json, second[0].json];
		const sender = outputs.find((json) => json.duplicate === false);
		const waiter = outputs.find((json) => json.duplicate === true);
		expect(sender).toMatchObject({ trafficLightId: mock.leads[0].id, leadId: 'klx-appointment-901', attempts: 1 });
		expect(waiter).toMatchObject({
			duplicateOf: 'otherExecution',
			trafficLightId: mock.leads[0].id,
			leadId: 'klx-appointment-901',
			attempts: 0,
			sent: null,
		});
		expect(first[0].pairedItem).toEqual({ item: 0 });
		expect(second[0].pairedItem).toEqual({ item: 0 });
	});

	it('both duplicate checks found nothing in the feed: the waiting is what prevents the second send', async () => {
		await twoExecutions('klx-appointment-902');
		const feedAnswers = mock.requestsTo('feed').slice(0, 2);
		expect(feedAnswers).toHaveLength(2);
		// Both look-ups arrived before any lead was stored.
		expect(feedAnswers.every((request) => request.seq < sends()[0].seq)).toBe(true);
		expect(maxOpenSends).toBe(1);
	});

	it('the first send provably failed (errmsg): the waiting execution sends the lead itself, after it', async () => {
		onFirstSend({ kind: 'errmsg', errmsg: 'incorrect customer phone', route: 'send', times: 1, delayMs: 150 });
		const [first, second] = await twoExecutions('klx-appointment-903', { continueOnFail: true });
		const outputs = [first[0].json, second[0].json];
		expect(sends()).toHaveLength(2);
		expect(maxOpenSends).toBe(1);
		expect(mock.leads).toHaveLength(1);
		expect(outputs.filter((json) => json.outcome === 'rejected')).toHaveLength(1);
		expect(outputs.filter((json) => json.duplicate === false && json.trafficLightId === mock.leads[0].id)).toHaveLength(1);
	});

	it('the first send has an unknown outcome: the waiting execution holds its lead back', async () => {
		// The send fails with HTTP 500 (may have arrived) and the feed fails too: the outcome stays unknown.
		onFirstSend({ kind: 'http5xx', status: 500, route: 'all', delayMs: 150 });
		const [first, second] = await twoExecutions('klx-appointment-904', { continueOnFail: true });
		expect(sends()).toHaveLength(1);
		const [unknown, heldBack] = first[0].json.outcome === 'heldBack' ? [second[0], first[0]] : [first[0], second[0]];
		expect(unknown.json).toMatchObject({ leadId: 'klx-appointment-904', outcome: 'stillUnknown' });
		expect(heldBack.error).toBeInstanceOf(NodeOperationError);
		expect(heldBack.json).toMatchObject({ leadId: 'klx-appointment-904', outcome: 'heldBack' });
		expect(heldBack.json.error).toBe(
			'Lead ID "klx-appointment-904" was held back: another execution sent the same Lead ID at the same moment and its outcome is unknown — nothing was sent for this item',
		);
		expect((heldBack.error?.context as { itemIndex: number }).itemIndex).toBe(0);
		expect(heldBack.pairedItem).toEqual({ item: 0 });
	});

	it('a later item of the waiting run with the same Lead ID is a duplicate of this run, not held back', async () => {
		mock.setMode({ kind: 'slow', route: 'all', delayMs: 150 });
		const parameters = sendParameters({ additionalFields: { leadId: 'klx-appointment-905' } });
		const [single, pair] = await Promise.all([
			run(contextFor(mock, parameters)),
			run(contextFor(mock, parameters, { items: items(2) })),
		]);
		expect(sends()).toHaveLength(1);
		const all = [...single, ...pair].map((o) => o.json);
		expect(all.filter((json) => json.duplicate === false)).toHaveLength(1);
		expect(all.every((json) => json.trafficLightId === mock.leads[0].id)).toBe(true);
		if (single[0].json.duplicate === false) {
			expect(pair.map((o) => o.json.duplicateOf)).toEqual(['otherExecution', 'thisRun']);
		} else {
			expect(pair.map((o) => o.json.duplicate)).toEqual([false, true]);
			expect(single[0].json.duplicateOf).toBe('otherExecution');
		}
	});

	it('different Traffic Light accounts do not wait for each other', async () => {
		mock.keys.add('second-account-key');
		mock.setMode({ kind: 'slow', route: 'all', delayMs: 150 });
		const parameters = sendParameters({ additionalFields: { leadId: 'klx-appointment-906' } });
		const [first, second] = await Promise.all([
			run(contextFor(mock, parameters)),
			run(contextFor(mock, parameters, { credentials: { apiKey: 'second-account-key', baseUrl: mock.baseUrl } })),
		]);
		expect(sends()).toHaveLength(2);
		expect([first[0].json.duplicate, second[0].json.duplicate]).toEqual([false, false]);
	});

	it('Skip Duplicates off: no waiting, each execution sends', async () => {
		mock.setMode({ kind: 'slow', route: 'all', delayMs: 150 });
		const parameters = sendParameters({ additionalFields: { leadId: 'klx-appointment-907' }, options: { skipDuplicates: false } });
		await Promise.all([run(contextFor(mock, parameters)), run(contextFor(mock, parameters))]);
		expect(sends()).toHaveLength(2);
		expect(maxOpenSends).toBe(2);
	});
});

describe('sendOnce', () => {
	function deferred<T>() {
		let resolve: (value: T) => void = () => undefined;
		let reject: (error: Error) => void = () => undefined;
		const promise = new Promise<T>((res, rej) => {
			resolve = res;
			reject = rej;
		});
		return { promise, resolve, reject };
	}
	const asOutcome = (value: InFlightOutcome) => value;
	const account = accountKey('http://tl.test', 'k');

	it('a send that throws is unregistered and its waiters learn the outcome is unknown', async () => {
		const key = 'lead-1';
		const gate = deferred<InFlightOutcome>();
		const owner = sendOnce(account, key, () => gate.promise, asOutcome);
		const waiter = sendOnce(account, key, async () => ({ state: 'delivered', trafficLightId: 2 }) as InFlightOutcome, asOutcome);
		expect(inFlightCount()).toBe(1);
		gate.reject(new Error('socket hang up'));
		await expect(owner).rejects.toThrow('socket hang up');
		await expect(waiter).resolves.toEqual({ sent: false, other: { state: 'unknown' } });
		expect(inFlightCount()).toBe(0);
	});

	it('after a proven failure exactly one of several waiters sends next, the others get its outcome', async () => {
		const key = 'lead-2';
		const gate = deferred<InFlightOutcome>();
		const calls: string[] = [];
		const owner = sendOnce(account, key, () => gate.promise, asOutcome);
		const waiters = ['a', 'b', 'c'].map((name) =>
			sendOnce(
				account,
				key,
				async () => {
					calls.push(name);
					return { state: 'delivered', trafficLightId: 7 } as InFlightOutcome;
				},
				asOutcome,
			),
		);
		gate.resolve({ state: 'notDelivered' });
		await owner;
		const results = await Promise.all(waiters);
		expect(calls).toHaveLength(1);
		expect(results.filter((r) => r.sent)).toHaveLength(1);
		expect(results.filter((r) => !r.sent)).toEqual([
			{ sent: false, other: { state: 'delivered', trafficLightId: 7 } },
			{ sent: false, other: { state: 'delivered', trafficLightId: 7 } },
		]);
	});

	it("a waiter stops waiting when its own signal aborts, while the other send goes on", async () => {
		const key = 'lead-5';
		const gate = deferred<InFlightOutcome>();
		const owner = sendOnce(account, key, () => gate.promise, asOutcome);
		const deadline = new AbortController();
		const send = jest.fn(async () => ({ state: 'delivered', trafficLightId: 9 }) as InFlightOutcome);
		const waiter = sendOnce(account, key, send, asOutcome, deadline.signal);
		deadline.abort();
		await expect(waiter).resolves.toEqual({ sent: false, other: { state: 'stillSending' } });
		expect(inFlightCount()).toBe(1);
		gate.resolve({ state: 'notDelivered' });
		await owner;
		// The waiter is gone: nobody sends again after the proven failure.
		expect(send).not.toHaveBeenCalled();
		expect(inFlightCount()).toBe(0);
	});

	it('accounts differ by Base URL and API key, without the key itself; Lead IDs of one account are apart', async () => {
		const key = accountKey('https://api.cpa.tl', 'secret-key-123');
		expect(key).not.toContain('secret-key-123');
		expect(new Set([key, accountKey('https://other.example', 'secret-key-123'), accountKey('https://api.cpa.tl', 'another-key')]).size).toBe(3);
		expect(accountKey('https://api.cpa.tl', 'secret-key-123')).toBe(key);
		const gate = deferred<InFlightOutcome>();
		const owner = sendOnce(key, 'lead-3', () => gate.promise, asOutcome);
		const other = await sendOnce(key, 'lead-4', async () => ({ state: 'delivered', trafficLightId: 4 }) as InFlightOutcome, asOutcome);
		expect(other.sent).toBe(true);
		gate.resolve({ state: 'delivered', trafficLightId: 3 });
		await owner;
	});
});
