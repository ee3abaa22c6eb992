import type { IDataObject } from 'n8n-workflow';

import { KlientiksTrigger } from '../../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { MAX_REMEMBERED_CALLS, RecentCalls } from '../../nodes/webhookIntake/recentCalls';
import { TrafficLightTrigger } from '../../nodes/TrafficLightTrigger/TrafficLightTrigger.node';
import { callTrigger, type FakeCall } from './webhookContext';

// Repeats stopped at the door: a production call identical to one the same
// trigger accepted within its window gets 200 as a repeat and no execution.

const klientiks = new KlientiksTrigger();
const trafficLight = new TrafficLightTrigger();
const SECRET = 'door-secret-0001';
const QUERY = `event=client_added&client_id=7&client_phone=%2B79991234567&token=${SECRET}`;

let workflows = 0;
/** A workflow id no other test uses: the memory is process-wide. */
const freshWorkflow = () => `door-workflow-${++workflows}`;

function klientiksCall(workflowId: string, extra: FakeCall = {}): FakeCall {
	return {
		workflowId,
		query: QUERY,
		...extra,
		parameters: { events: ['client_added'], secretToken: SECRET, ...extra.parameters },
	};
}

async function outcome(call: FakeCall, node = klientiks) {
	const { result, written } = await callTrigger(node, call);
	return {
		executed: result.workflowData !== undefined,
		answer: (written?.body ?? result.webhookResponse) as IDataObject,
		status: written?.status ?? 200,
	};
}

afterEach(() => {
	jest.useRealTimers();
});

describe('a repeat of an accepted production call is answered at the door', () => {
	it('holds the same call back: 200, a body that says it is a repeat and when the first arrived, no execution', async () => {
		jest.useFakeTimers({ now: new Date('2026-12-01T10:00:00.000Z') });
		const workflowId = freshWorkflow();
		const first = await outcome(klientiksCall(workflowId));
		jest.setSystemTime(new Date('2026-12-01T10:00:05.000Z'));
		const second = await outcome(klientiksCall(workflowId));
		expect(first).toMatchObject({ executed: true, status: 200 });
		expect(second).toEqual({
			executed: false,
			status: 200,
			answer: {
				received: true,
				repeat: true,
				firstReceivedAt: '2026-12-01T10:00:00.000Z',
				message: 'An identical call was received within the last 60 s; this repeat starts nothing.',
			},
		});
	});

	it('does the same in the Traffic Light Trigger', async () => {
		const workflowId = freshWorkflow();
		const postback: FakeCall = {
			workflowId,
			query: `status=confirmed&id=500777&id2=klx-appointment-1&token=${SECRET}`,
			parameters: { statuses: ['confirmed'], secretToken: SECRET },
		};
		expect((await outcome(postback, trafficLight)).executed).toBe(true);
		expect((await outcome(postback, trafficLight)).answer).toMatchObject({ repeat: true });
	});

	it('lets a call through that differs in its query, body, method, node or workflow', async () => {
		const workflowId = freshWorkflow();
		expect((await outcome(klientiksCall(workflowId))).executed).toBe(true);
		const variants: FakeCall[] = [
			klientiksCall(workflowId, { query: `${QUERY}&x=1` }),
			klientiksCall(workflowId, { query: QUERY.replace('client_id=7', 'client_id=8') }),
			klientiksCall(workflowId, { method: 'POST' }),
			klientiksCall(workflowId, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' },
				rawBody: Buffer.from('a=1'),
			}),
			klientiksCall(workflowId, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '3' },
				rawBody: Buffer.from('a=2'),
			}),
			klientiksCall(workflowId, { nodeId: 'another-trigger-node' }),
			klientiksCall(freshWorkflow()),
		];
		for (const variant of variants) {
			expect(await outcome(variant)).toMatchObject({ executed: true });
		}
		// Each variant was remembered in its turn.
		for (const variant of variants) {
			expect((await outcome(variant)).answer).toMatchObject({ repeat: true });
		}
	});

	it('leaves the token out of what makes two calls the same', async () => {
		const workflowId = freshWorkflow();
		expect((await outcome(klientiksCall(workflowId))).executed).toBe(true);
		// The same token spelt another way is accepted, and the rest of the call is the same call.
		const respelt = klientiksCall(workflowId, { query: QUERY.replace('token=', 'tok%65n=') });
		expect((await outcome(respelt)).answer).toMatchObject({ repeat: true });
		// Without a Secret Token set, any token value is the same call too.
		const open = freshWorkflow();
		const withToken = (token: string) =>
			klientiksCall(open, { query: `event=client_added&client_id=7&token=${token}&x=1`, parameters: { secretToken: '' } });
		expect((await outcome(withToken('a'))).executed).toBe(true);
		expect((await outcome(withToken('b'))).answer).toMatchObject({ repeat: true });
	});

	it('checks the token first: a refused call is not remembered', async () => {
		const workflowId = freshWorkflow();
		const wrong = await outcome(klientiksCall(workflowId, { query: QUERY.replace(SECRET, 'wrong') }));
		expect(wrong).toMatchObject({ status: 403, executed: false });
		expect((await outcome(klientiksCall(workflowId))).executed).toBe(true);
	});

	it('forgets a call once its window has passed (a fake clock)', async () => {
		jest.useFakeTimers({ now: 1_000_000 });
		const workflowId = freshWorkflow();
		const call = klientiksCall(workflowId, { parameters: { options: { ignoreRepeatsWithin: 10 } } });
		expect((await outcome(call)).executed).toBe(true);
		jest.setSystemTime(1_000_000 + 9_999);
		expect((await outcome(call)).executed).toBe(false);
		jest.setSystemTime(1_000_000 + 10_000);
		expect((await outcome(call)).executed).toBe(true);
		// The call that passed starts a window of its own.
		jest.setSystemTime(1_000_000 + 19_999);
		expect((await outcome(call)).answer).toMatchObject({ repeat: true, firstReceivedAt: new Date(1_010_000).toISOString() });
	});

	it('holds nothing back when the option is 0', async () => {
		const call = klientiksCall(freshWorkflow(), { parameters: { options: { ignoreRepeatsWithin: 0 } } });
		expect((await outcome(call)).executed).toBe(true);
		expect((await outcome(call)).executed).toBe(true);
	});

	it('never holds back a test call (Listen for test event), and does not remember it', async () => {
		const workflowId = freshWorkflow();
		const test = klientiksCall(workflowId, { mode: 'manual' });
		expect((await outcome(test)).executed).toBe(true);
		expect((await outcome(test)).executed).toBe(true);
		// The production call after them is the first one the door sees.
		expect((await outcome(klientiksCall(workflowId))).executed).toBe(true);
		expect((await outcome(klientiksCall(workflowId, { mode: 'manual' }))).executed).toBe(true);
	});

	it('lets exactly one of two identical calls through when they arrive together', async () => {
		const workflowId = freshWorkflow();
		const both = await Promise.all([outcome(klientiksCall(workflowId)), outcome(klientiksCall(workflowId))]);
		expect(both.map((one) => one.executed).sort()).toEqual([false, true]);
	});
});

describe('the memory of recent calls', () => {
	it(`keeps at most ${MAX_REMEMBERED_CALLS} calls and forgets the oldest first`, () => {
		const calls = new RecentCalls();
		const minute = 60_000;
		let held = 0;
		for (let i = 0; i <= MAX_REMEMBERED_CALLS; i++) if (calls.admit(`call-${i}`, minute, 1000 + i) !== undefined) held++;
		expect(held).toBe(0);
		expect(calls.size).toBe(MAX_REMEMBERED_CALLS);
		// call-0 was forgotten to make room; call-1 is still remembered.
		expect(calls.admit('call-1', minute, 20_000)).toBe(1001);
		expect(calls.admit('call-0', minute, 20_000)).toBeUndefined();
		expect(calls.size).toBe(MAX_REMEMBERED_CALLS);
		expect(calls.admit('call-1', minute, 20_000)).toBeUndefined();
	});

	it('drops calls past their window as new ones arrive', () => {
		const calls = new RecentCalls();
		calls.admit('a', 1000, 0);
		calls.admit('b', 5000, 500);
		calls.admit('c', 5000, 1500);
		expect(calls.size).toBe(2);
		expect(calls.admit('b', 5000, 1600)).toBe(500);
	});

	it('stays bounded when a short-window call is remembered anew again and again behind a long-window one', () => {
		const calls = new RecentCalls(10);
		calls.admit('long', 3_600_000, 0);
		for (let t = 1; t <= 1000; t++) calls.admit('short', 1, t * 2);
		// Entries held, the stale ones left behind by calls remembered anew included.
		expect(calls['order'].length - calls['head']).toBeLessThanOrEqual(20);
		expect(calls.admit('short', 1, 2000)).toBe(2000);
	});

	it('keeps a call remembered anew after its window, while older calls are forgotten around it', () => {
		const calls = new RecentCalls();
		calls.admit('a', 1000, 0);
		calls.admit('b', 10_000, 10);
		// "a" has passed its window: it is remembered anew, from 2000 on.
		expect(calls.admit('a', 1000, 2000)).toBeUndefined();
		expect(calls.admit('c', 1000, 2001)).toBeUndefined();
		expect(calls.admit('a', 1000, 2500)).toBe(2000);
		expect(calls.admit('b', 10_000, 2500)).toBe(10);
		expect(calls.size).toBe(3);
	});
});
