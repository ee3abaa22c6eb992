import type { IDataObject } from 'n8n-workflow';

import { KlientiksTrigger } from '../../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { MAX_CALLS_PER_NODE } from '../../nodes/webhookIntake/webhookResponses';
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

describe('what the door remembers', () => {
	const json = (charset: string): FakeCall => ({
		method: 'POST',
		headers: { 'content-type': `application/json; charset=${charset}`, 'content-length': '17' },
		rawBody: Buffer.from('{"client_id":"7"}'),
		body: { client_id: '7' },
	});

	it('tells the same bytes apart by media type: form, then JSON, are two calls', async () => {
		const workflowId = freshWorkflow();
		const form = klientiksCall(workflowId, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '17' },
			rawBody: Buffer.from('{"client_id":"7"}'),
		});
		expect((await outcome(form)).executed).toBe(true);
		expect((await outcome(klientiksCall(workflowId, json('utf-8')))).executed).toBe(true);
		expect((await outcome(form)).answer).toMatchObject({ repeat: true });
	});

	it('tells the same bytes apart by charset: UTF-8, then Windows-1251, are two calls', async () => {
		const workflowId = freshWorkflow();
		expect((await outcome(klientiksCall(workflowId, json('utf-8')))).executed).toBe(true);
		expect((await outcome(klientiksCall(workflowId, json('windows-1251')))).executed).toBe(true);
		// Spelt another way, the same charset is the same call.
		expect((await outcome(klientiksCall(workflowId, json('"UTF-8"')))).answer).toMatchObject({ repeat: true });
	});

	it('remembers only calls that start an execution: an ignored event passes once it is selected', async () => {
		const workflowId = freshWorkflow();
		const ignored = await outcome(klientiksCall(workflowId, { parameters: { events: ['visit_paid'] } }));
		expect(ignored).toMatchObject({ executed: false, answer: { ignored: true } });
		expect((await outcome(klientiksCall(workflowId))).executed).toBe(true);
		expect((await outcome(klientiksCall(workflowId))).answer).toMatchObject({ repeat: true });
	});

	it('applies a lowered window at once to calls remembered before (a fake clock)', async () => {
		jest.useFakeTimers({ now: 5_000_000 });
		const workflowId = freshWorkflow();
		expect((await outcome(klientiksCall(workflowId))).executed).toBe(true);
		jest.setSystemTime(5_000_000 + 20_000);
		const lowered = klientiksCall(workflowId, { parameters: { options: { ignoreRepeatsWithin: 10 } } });
		expect((await outcome(lowered)).executed).toBe(true);
		expect((await outcome(lowered)).answer).toMatchObject({ repeat: true });
	});

	it(`gives each trigger node its own ${MAX_CALLS_PER_NODE} calls, the oldest first out`, async () => {
		jest.useFakeTimers({ now: 7_000_000 });
		const workflowId = freshWorkflow();
		const other = klientiksCall(workflowId, { nodeId: 'token-protected-node' });
		expect((await outcome(other)).executed).toBe(true);
		const flooded = (n: number) =>
			klientiksCall(workflowId, { nodeId: 'open-node', query: `${QUERY}&n=${n}`, parameters: { secretToken: '' } });
		for (let n = 0; n <= MAX_CALLS_PER_NODE; n++) expect((await outcome(flooded(n))).executed).toBe(true);
		expect((await outcome(other)).answer).toMatchObject({ repeat: true });
		expect((await outcome(flooded(1))).answer).toMatchObject({ repeat: true });
		expect((await outcome(flooded(0))).executed).toBe(true);
	});
});
