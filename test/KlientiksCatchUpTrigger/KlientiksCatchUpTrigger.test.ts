// The node's poll() as n8n runs it: a poll context with n8n-core's real request helper (through
// createExecuteContext), the workflow's static data behind n8n's own ObservableObject (so only what
// n8n would notice counts as saved), the Klientiks mock and the transport's pace on an instant clock.
import { NodeApiError, NodeOperationError, ObservableObject, type IDataObject, type IPollFunctions } from 'n8n-workflow';

import { POSITION_KEY } from '../../nodes/KlientiksCatchUpTrigger/catchUp';
import { KlientiksCatchUpTrigger } from '../../nodes/KlientiksCatchUpTrigger/KlientiksCatchUpTrigger.node';
import * as waits from '../../nodes/shared/waits';
import { createExecuteContext } from '../helpers/executeContext';
import { useInstantClock } from '../helpers/instantClock';
import { credentialsFor, instantPace, KlientiksMock, serialised, TOKEN } from '../Klientiks/fixtures';

const trigger = new KlientiksCatchUpTrigger();
const NODE_NAME = 'Klientiks Catch-up Trigger';
const ALL = ['client_added', 'appointment_created', 'visit_paid'];

/** What n8n keeps for a workflow: static data per node, observed for changes as n8n observes it. */
function workflowStaticData(initial: IDataObject = {}) {
	const root = ObservableObject.create({ [`node:${NODE_NAME}`]: initial }) as IDataObject & { __dataChanged: boolean };
	return { root, node: root[`node:${NODE_NAME}`] as IDataObject };
}

function pollContext(mock: KlientiksMock, staticData: IDataObject, options: { events?: string[]; options?: IDataObject; mode?: string; credentials?: IDataObject } = {}) {
	const parameters: Record<string, unknown> = { events: options.events ?? ALL, options: options.options ?? {} };
	const base = createExecuteContext({
		parameters,
		credentials: options.credentials ?? credentialsFor(mock),
		credentialType: { name: 'klientiksApi', displayName: 'Klientiks API', properties: [] },
		node: { id: 'catch-up-1', name: NODE_NAME, type: 'n8n-nodes-klientiks-traffic-light.klientiksCatchUpTrigger' },
	});
	return Object.assign(base, {
		getMode: () => options.mode ?? 'trigger',
		getActivationMode: () => 'activate',
		getWorkflow: () => ({ id: 'wf-1', name: 'catch-up', active: true }),
		getWorkflowStaticData: () => staticData,
		getNodeParameter: (name: string, fallback?: unknown) => (name in parameters ? parameters[name] : fallback),
	}) as unknown as IPollFunctions;
}

describe('Klientiks Catch-up Trigger poll()', () => {
	let mock: KlientiksMock;

	beforeEach(async () => {
		instantPace();
		mock = await new KlientiksMock().start();
	});
	afterEach(async () => {
		await mock.stop();
	});

	const leadIds = (result: Awaited<ReturnType<typeof trigger.poll>>) => (result ? result[0].map((i) => i.json.leadId) : []);

	it('first activation: emits nothing and seeds the position, which n8n sees as changed (it saves it at the end of the activation)', async () => {
		await mock.addClient();
		const { root, node } = workflowStaticData();
		expect(await trigger.poll.call(pollContext(mock, node))).toBeNull();
		expect(root.__dataChanged).toBe(true);
		expect(node[POSITION_KEY]).toMatchObject({ v: 1, clients: { since: expect.any(String) }, visits: { since: expect.any(String) }, seen: {} });
		expect(mock.requests).toHaveLength(0);
		expect(JSON.parse(JSON.stringify(node[POSITION_KEY]))).toEqual(node[POSITION_KEY]);
	});

	it('events after the position: emitted once, with their Lead IDs, the trigger shape and pairedItem; the position is a new object each poll', async () => {
		const { root, node } = workflowStaticData();
		await trigger.poll.call(pollContext(mock, node));
		const seeded = node[POSITION_KEY];
		const client = await mock.addClient();
		const booked = await mock.addAppointment({ client_id: client.row.id });
		const paid = await mock.payVisit({ appointment_id: booked.row.id });
		root.__dataChanged = false;
		const result = await trigger.poll.call(pollContext(mock, node));
		expect(leadIds(result)).toEqual([`klx-client-${client.row.id}`, `klx-appointment-${booked.row.id}`, `klx-visit-${paid.row.id}`]);
		expect(result![0].every((i) => i.pairedItem && (i.pairedItem as { item: number }).item === 0)).toBe(true);
		expect(result![0][0].json).toMatchObject({ event: 'client_added', source: 'catchUp', parameters: null, raw: null, client: { id: client.row.id, phone: client.row.phone } });
		expect(root.__dataChanged).toBe(true);
		expect(node[POSITION_KEY]).not.toBe(seeded);
		expect(Object.keys((node[POSITION_KEY] as IDataObject).seen as IDataObject)).toHaveLength(3);
		expect(await trigger.poll.call(pollContext(mock, node))).toBeNull();
	});

	it('two polls at once: the second returns nothing while the first runs; each event is emitted once', async () => {
		const { node } = workflowStaticData();
		await trigger.poll.call(pollContext(mock, node));
		const client = await mock.addClient();
		const [a, b] = await Promise.all([trigger.poll.call(pollContext(mock, node)), trigger.poll.call(pollContext(mock, node))]);
		expect([...leadIds(a), ...leadIds(b)]).toEqual([`klx-client-${client.row.id}`]);
		// The guard is released: the next poll runs (and finds nothing new).
		expect(await trigger.poll.call(pollContext(mock, node))).toBeNull();
		expect(mock.requests.length).toBeGreaterThan(2);
	});

	it('a failing API (beyond the retries) or a rate limit throws NodeApiError and keeps the position; the next poll emits the event', async () => {
		const { root, node } = workflowStaticData();
		await trigger.poll.call(pollContext(mock, node));
		const before = JSON.stringify(node[POSITION_KEY]);
		const client = await mock.addClient();
		// Back-off and Retry-After pauses end at once: the waits are asked, not waited.
		useInstantClock();
		const backOffs: number[] = [];
		jest.spyOn(waits, 'wait').mockImplementation(async (ms) => (backOffs.push(ms), true));
		for (const mode of [{ kind: 'failing' as const, status: 502 }, { kind: 'rateLimited' as const, perSecond: 0, retryAfterSeconds: 1 }]) {
			mock.setMode(mode);
			root.__dataChanged = false;
			const error = await trigger.poll.call(pollContext(mock, node)).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(NodeApiError);
			expect(serialised(error)).not.toContain(TOKEN);
			expect(root.__dataChanged).toBe(false);
			expect(JSON.stringify(node[POSITION_KEY])).toBe(before);
		}
		jest.restoreAllMocks();
		mock.setMode({ kind: 'normal' });
		expect(leadIds(await trigger.poll.call(pollContext(mock, node)))).toEqual([`klx-client-${client.row.id}`]);
	});

	it('a wrong token: NodeApiError quoting the API, without the token', async () => {
		const { node } = workflowStaticData();
		await trigger.poll.call(pollContext(mock, node));
		const wrong = 'f'.repeat(32);
		const error = await trigger.poll.call(pollContext(mock, node, { credentials: credentialsFor(mock, { accessToken: wrong }) })).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as Error).message).toContain('Access denied');
		expect(serialised(error)).not.toContain(wrong);
	});

	it('manual mode (Fetch Test Event): the latest event; static data neither read nor touched', async () => {
		await mock.addClient();
		const paid = await mock.payVisit();
		const { root, node } = workflowStaticData();
		const result = await trigger.poll.call(pollContext(mock, node, { mode: 'manual' }));
		expect(result![0].map((i) => i.json.leadId)).toEqual([`klx-visit-${paid.row.id}`]);
		expect(root.__dataChanged).toBe(false);
		expect(node).toEqual({});
	});

	it('manual mode with no event: a NodeOperationError that says what to do', async () => {
		const { node } = workflowStaticData();
		const error = await trigger.poll.call(pollContext(mock, node, { mode: 'manual' })).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).description).toMatch(/add a test client/);
	});

	it('the token is in no item, and in no static data', async () => {
		const { node } = workflowStaticData();
		await trigger.poll.call(pollContext(mock, node, { options: { startFrom: '2020-01-01T00:00:00Z' } }));
		await mock.addClient();
		await mock.payVisit();
		const result = await trigger.poll.call(pollContext(mock, node, { options: { startFrom: '2020-01-01T00:00:00Z', emitRawRows: true } }));
		expect(result![0].length).toBeGreaterThan(0);
		expect(JSON.stringify(result)).not.toContain(TOKEN);
		expect(JSON.stringify(node)).not.toContain(TOKEN);
	});

	it.each([
		[{ events: [] }, 'No event selected'],
		[{ options: { timeZone: 'Mars/Olympus' } }, 'is not a time zone name'],
		[{ options: { startFrom: 'soon' } }, 'is not a date and time'],
	])('settings it cannot use: NodeOperationError before any request (%p)', async (settings, message) => {
		const { node } = workflowStaticData();
		await expect(trigger.poll.call(pollContext(mock, node, settings))).rejects.toThrow(message);
		expect(mock.requests).toHaveLength(0);
	});
});

describe('Klientiks Catch-up Trigger description', () => {
	const { description } = trigger;
	it('is a polling trigger with the Klientiks API credential, no inputs, three events and the invoice notice', () => {
		expect(description).toMatchObject({ name: 'klientiksCatchUpTrigger', displayName: 'Klientiks Catch-up Trigger', polling: true, inputs: [], group: ['trigger'] });
		expect(description.credentials).toEqual([{ name: 'klientiksApi', required: true }]);
		expect(description.properties.some((p) => p.name === 'pollTimes')).toBe(false);
		const events = description.properties.find((p) => p.name === 'events');
		expect((events?.options as Array<{ value: string }>).map((o) => o.value)).toEqual(['appointment_created', 'client_added', 'visit_paid']);
		expect(description.properties.find((p) => p.name === 'invoiceNotice')?.displayName).toMatch(/Invoice Created is not available/);
	});

	it('its notices carry nothing the editor would read as HTML (they are not escaped)', () => {
		const notices = description.properties.filter((p) => p.type === 'notice');
		expect(notices.length).toBeGreaterThan(0);
		for (const { displayName } of notices) expect(displayName).not.toMatch(/[&<>]/);
	});

	it('has the options the docs name, with their defaults', () => {
		const options = description.properties.find((p) => p.name === 'options')?.options as Array<{ name: string; default: unknown }>;
		expect(Object.fromEntries(options.map((o) => [o.name, o.default]))).toEqual({
			timeZone: 'Europe/Moscow',
			emitRawRows: false,
			maxRows: 1000,
			overlapMinutes: 10,
			startFrom: '',
		});
	});
});
