import { lookUpShared, sharedLookupAccounts } from '../../nodes/TrafficLight/duplicates/sharedLookups';
import { startDeadline } from '../../nodes/TrafficLight/transport/trafficLightApi';
import type { LeadIdLookup } from '../../nodes/TrafficLight/transport/feed';
import { contextFor, items, run, sendParameters, TrafficLightMock } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	await mock.stop();
	// Nothing is left waiting or registered once every execution is over.
	expect(sharedLookupAccounts()).toBe(0);
});

const notFound: LeadIdLookup = { ok: true, found: new Map() };
const feeds = () => mock.requestsTo('feed');
const askedIds = (i: number) => feeds()[i].query['id2[]'];

/** One execution with one lead whose Lead ID is `leadId`. */
const oneLead = (leadId: string, extra = {}) => run(contextFor(mock, sendParameters({ additionalFields: { leadId } }), extra));

/** Resolves once the mock has received `count` feed look-ups (listeners run before the mock records a request). */
function feedArrivals(count: number): Promise<void> {
	let seen = 0;
	return new Promise((resolve) => {
		mock.onRequest((record) => {
			if (record.path === '/api/lead/feed' && ++seen >= count) resolve();
		});
	});
}

describe('Lead → Send: duplicate checks of concurrent executions share feed requests', () => {
	it('look-ups asked for while one is on the wire go out together in one request', async () => {
		mock.setMode({ kind: 'slow', route: 'feed', delayMs: 500 });
		const first = oneLead('klx-1');
		await feedArrivals(1);
		const later = await Promise.all([oneLead('klx-2'), oneLead('klx-3'), oneLead('klx-4')]);
		const outputs = [await first, ...later];
		expect(feeds()).toHaveLength(2);
		expect(askedIds(0)).toEqual('klx-1');
		expect([askedIds(1)].flat().sort()).toEqual(['klx-2', 'klx-3', 'klx-4']);
		expect(outputs.map((out) => out[0].json.duplicate)).toEqual([false, false, false, false]);
		expect(mock.leads.map((lead) => lead.fields.id).sort()).toEqual(['klx-1', 'klx-2', 'klx-3', 'klx-4']);
	});

	it('each execution learns about its own Lead ID from the shared answer', async () => {
		await oneLead('klx-sent-before');
		mock.setMode({ kind: 'slow', route: 'feed', delayMs: 500 });
		const blocker = oneLead('klx-blocker');
		await feedArrivals(1);
		const [again, fresh] = await Promise.all([oneLead('klx-sent-before'), oneLead('klx-fresh')]);
		await blocker;
		expect(feeds()).toHaveLength(3);
		expect([askedIds(2)].flat().sort()).toEqual(['klx-fresh', 'klx-sent-before']);
		expect(again[0].json).toMatchObject({ duplicate: true, duplicateOf: 'trafficLight', leadId: 'klx-sent-before' });
		expect(fresh[0].json).toMatchObject({ duplicate: false, leadId: 'klx-fresh' });
		expect(mock.leads.map((lead) => lead.fields.id).sort()).toEqual(['klx-blocker', 'klx-fresh', 'klx-sent-before']);
	});

	it('a shared request that fails for the execution that sent it is not a failure of the others: they look up on their own', async () => {
		mock.setMode({ kind: 'slow', route: 'feed', delayMs: 500 });
		const blocker = oneLead('klx-blocker');
		await feedArrivals(1);
		// The execution whose look-up goes out next (it asks first) is cancelled: its requests fail at once.
		const cancelled = new AbortController();
		cancelled.abort();
		const doomedContext = contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-cancelled' } }), { continueOnFail: true });
		doomedContext.getExecutionCancelSignal = () => cancelled.signal;
		const doomed = run(doomedContext);
		await new Promise((resolve) => setTimeout(resolve, 100));
		const survivor = oneLead('klx-survivor');
		const [doomedOut, survivorOut] = await Promise.all([doomed, survivor]);
		await blocker;
		expect(doomedOut[0].error?.message).toMatch(/cancelled with the execution while checking Lead ID "klx-cancelled" for duplicates/);
		expect(survivorOut[0].json).toMatchObject({ duplicate: false, leadId: 'klx-survivor' });
		// The cancelled request never reached the API; the survivor's own look-up did.
		expect(feeds().map((f) => f.query['id2[]'])).toEqual(['klx-blocker', 'klx-survivor']);
		expect(mock.leads.map((lead) => lead.fields.id).sort()).toEqual(['klx-blocker', 'klx-survivor']);
	});

	it('a look-up waits at most a second for a slow one on the wire, then goes out on its own', async () => {
		mock.setMode({ kind: 'slow', route: 'feed', delayMs: 2500 });
		const arrivals: number[] = [];
		mock.onRequest((record) => {
			if (record.path === '/api/lead/feed') arrivals.push(Date.now());
		});
		const blocker = oneLead('klx-slow-blocker');
		await feedArrivals(1);
		const impatient = oneLead('klx-impatient');
		await feedArrivals(1);
		expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(900);
		expect(arrivals[1] - arrivals[0]).toBeLessThan(1500);
		expect(askedIds(1)).toEqual('klx-impatient');
		const outputs = await Promise.all([blocker, impatient]);
		expect(outputs.map((out) => out[0].json.duplicate)).toEqual([false, false]);
	}, 15000);

	it('a lone look-up waits for nothing, and one run checks its items in batches of 50 as before', async () => {
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: `klx-bulk-${i}` }), options: { concurrency: 10 } }), {
				items: items(120),
			}),
		);
		expect(out).toHaveLength(120);
		expect(feeds().map((f) => [f.query['id2[]']].flat().length)).toEqual([10, 50, 50, 10]);
		expect(mock.leads).toHaveLength(120);
	});
});


describe('lookUpShared: a waiter whose own deadline ends', () => {
	it('leaves the queue and ends as cancelled, without a look-up of its own', async () => {
		const calls: string[][] = [];
		let answerBlocker: (result: LeadIdLookup) => void = () => undefined;
		const lookUp = (ids: string[]) => {
			calls.push(ids);
			return calls.length === 1 ? new Promise<LeadIdLookup>((resolve) => (answerBlocker = resolve)) : Promise.resolve(notFound);
		};
		const blocker = lookUpShared('account-abort', {}, ['klx-blocker'], lookUp, startDeadline(undefined, 10_000));
		const cancel = new AbortController();
		const waiter = lookUpShared('account-abort', {}, ['klx-waiter'], lookUp, startDeadline(cancel.signal, 10_000));
		await Promise.resolve();
		cancel.abort();
		const result = await waiter;
		expect(result.ok === false && result.failure.kind).toBe('cancelled');
		expect(calls).toEqual([['klx-blocker']]);
		answerBlocker(notFound);
		expect((await blocker).ok).toBe(true);
		expect(calls).toEqual([['klx-blocker']]);
	});
});
