import { NodeApiError, NodeOperationError, type IDataObject, type INodeExecutionData } from 'n8n-workflow';

import { Klientiks } from '../../nodes/Klientiks/Klientiks.node';
import { instantOf } from '../../nodes/Klientiks/actions/visit/getMany.operation';
import { klientiksPace, MAX_ANSWER_BYTES, MIN_REQUEST_GAP_MS } from '../../nodes/Klientiks/transport/klientiksApi';
import type { ParamValue, TestContext } from '../helpers/executeContext';
import { useInstantClock } from '../helpers/instantClock';
import { credentialsFor, DEFAULT_CREDENTIALS, instantPace, KlientiksMock, klientiksContext, serialised, TOKEN } from './fixtures';

const node = new Klientiks();
let mock: KlientiksMock;
let clock: { now: number };

beforeEach(async () => {
	clock = useInstantClock();
	instantPace(clock);
	mock = await new KlientiksMock({ now: () => clock.now }).start();
});
afterEach(async () => {
	jest.restoreAllMocks();
	klientiksPace.gapMs = MIN_REQUEST_GAP_MS;
	await mock.stop();
});

const ctxFor = (parameters: Record<string, ParamValue>, extra: Parameters<typeof klientiksContext>[2] = {}) =>
	klientiksContext(mock, { options: {}, ...parameters }, extra);

async function run(ctx: TestContext): Promise<INodeExecutionData[]> {
	const [out] = await node.execute.call(ctx);
	return out;
}

async function failure(ctx: TestContext): Promise<Error & IDataObject> {
	try {
		await node.execute.call(ctx);
	} catch (error) {
		return error as Error & IDataObject;
	}
	throw new Error('expected the node to throw');
}

/** Every output and error of a test, for the token search. */
const seen: string[] = [];
afterEach(() => {
	for (const text of seen.splice(0)) expect(text).not.toContain(TOKEN);
});
const remember = <T>(value: T): T => {
	seen.push(serialised(value));
	return value;
};

describe('Klientiks node: operations', () => {
	it('Client → Get reads list/…/m/clients/id/{id} and types the row (heavy fields out)', async () => {
		await mock.addClient();
		const { row } = await mock.addClient({ birth_date: '15.04.1984', phone: '8 (999) 123-45-67' });
		const out = remember(await run(ctxFor({ resource: 'client', operation: 'get', clientId: String(row.id) })));
		expect(out).toHaveLength(1);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[0].json).toMatchObject({
			id: row.id,
			phone: '8 (999) 123-45-67',
			phoneNormalized: '79991234567',
			created: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/),
			createdRaw: row.created,
			birth_date: '1984-04-15',
			birth_dateRaw: '15.04.1984',
			deleted: false,
			deletedRaw: 'false',
		});
		expect(out[0].json).not.toHaveProperty('json_data');
		expect(mock.requests[0].path).toBe(`/clientix/Restapi/list/a/${DEFAULT_CREDENTIALS.account}/u/${DEFAULT_CREDENTIALS.user}/t/***/m/clients/id/${row.id}/`);
	});

	it('Client → Get says so when the API did not filter by id', async () => {
		await mock.addClient();
		await mock.addClient();
		const real = mock.listClients.bind(mock);
		jest.spyOn(mock, 'listClients').mockImplementation((p: Record<string, string>, q: Record<string, string>) => real({ ...p, id: undefined }, q));
		const error = remember(await failure(ctxFor({ resource: 'client', operation: 'get', clientId: '999' })));
		expect(error.message).toContain('did not filter by id');
	});

	it('Client → Get: a missing client and a non-numeric ID name the field', async () => {
		expect((await failure(ctxFor({ resource: 'client', operation: 'get', clientId: '12345' }))).message).toContain('No client with ID 12345');
		const error = await failure(ctxFor({ resource: 'client', operation: 'get', clientId: 'abc/../x' }));
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toContain('Client ID');
		expect(mock.requests).toHaveLength(1);
	});

	it('Client → Find by Phone normalises the phone; no match is no item', async () => {
		const { row } = await mock.addClient();
		const national = `8 (${row.phone.slice(1, 4)}) ${row.phone.slice(4, 7)}-${row.phone.slice(7, 9)}-${row.phone.slice(9)}`;
		const out = remember(await run(ctxFor({ resource: 'client', operation: 'findByPhone', phone: national })));
		expect(out.map((o) => o.json.id)).toEqual([row.id]);
		expect(mock.requests[0].params.phone).toBe(row.phone);
		expect(await run(ctxFor({ resource: 'client', operation: 'findByPhone', phone: '+7 000 000-00-00' }))).toEqual([]);
		expect((await failure(ctxFor({ resource: 'client', operation: 'findByPhone', phone: 'no digits' }))).message).toContain('Phone');
	});

	it('Client → Get Many: Return All pages by item index and stops on the short page', async () => {
		for (let i = 0; i < 250; i++) await mock.addClient();
		const out = remember(await run(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '' })));
		expect(out).toHaveLength(250);
		expect(mock.requests.map((r) => [r.query.offset, r.query.limit])).toEqual([
			['0', '100'],
			['100', '100'],
			['200', '100'],
		]);
	});

	it('Client → Get Many: Limit, a capped limit (the echo wins), Changed Since as the day', async () => {
		const capped = await new KlientiksMock({ now: () => clock.now, maxLimit: 30 }).start();
		try {
			for (let i = 0; i < 100; i++) await capped.addClient();
			const out = await run(klientiksContext(capped, { resource: 'client', operation: 'getMany', returnAll: false, limit: 70, changedSince: '2026-11-30T00:00:00', options: {} }));
			expect(out).toHaveLength(70);
			expect(capped.requests.map((r) => [r.query.offset, r.query.limit, r.params.date])).toEqual([
				['0', '70', '2026-11-30'],
				['30', '40', '2026-11-30'],
				['60', '10', '2026-11-30'],
			]);
		} finally {
			await capped.stop();
		}
	});

	it('"No data" is an empty result; any other string in items is the API error', async () => {
		expect(await run(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '' }))).toEqual([]);
		mock.setMode({ kind: 'apiDisabled' });
		const error = remember(await failure(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '' })));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toContain('API is disabled for this account');
		expect(String(error.description)).toContain('Включить api');
	});

	it('Appointment → Get types nested rows (services, money)', async () => {
		const { row } = await mock.addAppointment({}, { services: [{ name: 'Стрижка', price: 3500 }] });
		const out = remember(await run(ctxFor({ resource: 'appointment', operation: 'get', appointmentId: String(row.id) })));
		expect(out[0].json).toMatchObject({ id: row.id, paid: false, start_datetimeRaw: row.start_datetime });
		expect((out[0].json.appointed_services as IDataObject[])[0]).toMatchObject({ name: 'Стрижка', price: 3500, priceRaw: '3500' });
		expect(mock.requests[0].path).toBe(`/clientix/Restapi/getAppointment/a/${DEFAULT_CREDENTIALS.account}/u/${DEFAULT_CREDENTIALS.user}/t/***/id/${row.id}/`);
		expect((await failure(ctxFor({ resource: 'appointment', operation: 'get', appointmentId: '1' }))).message).toContain('No appointment with ID 1');
	});

	it('Visit → Get Many reads the feed since a time as unix seconds and stops at total_count', async () => {
		for (let i = 0; i < 200; i++) await mock.payVisit({}, { at: clock.now });
		const sinceMs = clock.now - 60_000;
		const since = new Date(sinceMs).toISOString();
		const out = remember(await run(ctxFor({ resource: 'visit', operation: 'getMany', returnAll: true, changedSince: since })));
		expect(out).toHaveLength(200);
		expect(out[0].json).toMatchObject({ is_sale: false, paid: true });
		const feed = mock.requestsTo('list', 'AppointmentClientLinks');
		expect(feed.map((r) => [r.query.offset, r.query.date])).toEqual([
			['0', String(Math.floor(sinceMs / 1000))],
			['100', String(Math.floor(sinceMs / 1000))],
		]);
		expect(feed[0].path).toContain('/m/AppointmentClientLinks/ik/orders/rvwk/status%2Cstatuses/');
	});

	it('Changed Since without an offset is read in the workflow time zone; with one, as written', () => {
		expect(instantOf('2026-12-01T12:00:00', 'Europe/Moscow')).toBe(Date.parse('2026-12-01T09:00:00Z'));
		expect(instantOf('2026-07-01T12:00:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-01T10:00:00Z'));
		expect(instantOf('2026-12-01T12:00:00+05:00', 'Europe/Moscow')).toBe(Date.parse('2026-12-01T07:00:00Z'));
		expect(instantOf('yesterday', 'Europe/Moscow')).toBeNaN();
	});

	it('Continue On Fail: an error item paired with its item, the others go on', async () => {
		const { row } = await mock.addClient();
		const items = [{ json: {} }, { json: {} }];
		const out = remember(
			await run(ctxFor({ resource: 'client', operation: 'get', clientId: (i: number) => (i === 0 ? 'x' : String(row.id)) }, { items, continueOnFail: true })),
		);
		expect(out.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(out[0].json.error).toContain('Client ID');
		expect(out[1].json.id).toBe(row.id);
	});

	it('Include Heavy Fields keeps json_data', async () => {
		const { row } = await mock.addClient();
		const out = await run(ctxFor({ resource: 'client', operation: 'get', clientId: String(row.id), options: { includeHeavyFields: true } }));
		expect(out[0].json.json_data).toBe((row as IDataObject).json_data);
	});
});

describe('Klientiks node: answers as data', () => {
	it('a wrong token: the API words and the credential fix, no token anywhere', async () => {
		const wrong = 'f'.repeat(32);
		const error = await failure(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '' }, { credentials: credentialsFor(mock, { accessToken: wrong }) }));
		expect(error.message).toContain('Access denied');
		expect(String(error.description)).toContain('Access Token');
		expect(serialised(error)).not.toContain(wrong);
	});

	it('429 with Retry-After: the pause asked is honoured and the read succeeds', async () => {
		await mock.addClient();
		mock.setMode({ kind: 'failing', status: 429, times: 1 });
		const out = await run(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '' }));
		expect(out).toHaveLength(1);
		mock.setMode({ kind: 'rateLimited', perSecond: 1, retryAfterSeconds: 7 });
		const clockAsked = (clock as unknown as { asked: number[] }).asked;
		clockAsked.length = 0;
		klientiksPace.gapMs = 0;
		await run(ctxFor({ resource: 'client', operation: 'get', clientId: String(out[0].json.id) }));
		await run(ctxFor({ resource: 'client', operation: 'get', clientId: String(out[0].json.id) }));
		expect(clockAsked).toContain(7000);
	});

	it('5xx is retried with back-off; a lasting one fails naming HTTP status', async () => {
		mock.setMode({ kind: 'failing', status: 502 });
		const error = remember(await failure(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '' })));
		expect(error.message).toContain('HTTP 502');
		expect(mock.requests).toHaveLength(4);
	});

	it('a slow answer ends at the Timeout, unreachable hosts say so, neither carries the token', async () => {
		mock.setMode({ kind: 'slow', delayMs: 5000 });
		const slow = remember(await failure(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '', options: { timeout: 1 } })));
		expect(slow.message).toContain('did not answer within 1 s');
		const refused = remember(
			await failure(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '' }, { credentials: credentialsFor(mock, { baseUrl: 'http://127.0.0.1:9' }) })),
		);
		expect(refused.message).toContain('Could not reach Klientiks');
	}, 30_000);

	it('an answer over the cap: a page is asked again with half the rows; a single row over it fails', async () => {
		// Rows of a 64th of the cap plus their other fields: 100 are over it, 50 within.
		const heavy = 'x'.repeat(Math.floor(MAX_ANSWER_BYTES / 64));
		for (let i = 0; i < 100; i++) await mock.addClient({ json_data: heavy });
		const out = await run(ctxFor({ resource: 'client', operation: 'getMany', returnAll: true, changedSince: '' }));
		expect(out).toHaveLength(100);
		expect(mock.requests.map((r) => r.query.limit)).toEqual(['100', '50', '50', '50']);
		const { row } = await mock.addClient({ json_data: 'y'.repeat(MAX_ANSWER_BYTES) });
		const error = remember(await failure(ctxFor({ resource: 'client', operation: 'get', clientId: String(row.id) })));
		expect(error.message).toContain('more than 160 KB');
	});

	it('a __proto__ key in a row is dropped, not assigned', async () => {
		const { row } = await mock.addClient(JSON.parse('{"__proto__": {"polluted": true}, "first_name": "Proto"}'));
		const out = await run(ctxFor({ resource: 'client', operation: 'get', clientId: String(row.id) }));
		expect(Object.getPrototypeOf(out[0].json)).toBe(Object.prototype);
		expect(Object.prototype.hasOwnProperty.call(out[0].json, '__proto__')).toBe(false);
		expect((out[0].json as IDataObject & { polluted?: boolean }).polluted).toBeUndefined();
		expect(out[0].json.first_name).toBe('Proto');
	});

	it('an echo of the token in an answer is masked', async () => {
		const { row } = await mock.addClient({ client_memo: `token ${TOKEN} and ${encodeURIComponent(TOKEN)}` });
		const out = await run(ctxFor({ resource: 'client', operation: 'get', clientId: String(row.id) }));
		expect(out[0].json.client_memo).toBe('token *** and ***');
	});
});

describe('Klientiks node: the pace', () => {
	it('two requests of one account are at least a second apart; two accounts are not held by each other', async () => {
		const other = { account: 'bbbbbbbbbbbb', user: 'cccccccccccc', token: 'dddddddddddddddddddddddddddddddd' };
		const two = await new KlientiksMock({ now: () => clock.now, credentials: [DEFAULT_CREDENTIALS, other] }).start();
		try {
			const first = klientiksContext(two, { resource: 'client', operation: 'getMany', returnAll: true, changedSince: '', options: {} });
			const second = klientiksContext(two, { resource: 'client', operation: 'getMany', returnAll: true, changedSince: '', options: {} }, {
				credentials: { accountId: other.account, userId: other.user, accessToken: other.token, baseUrl: two.baseUrl },
			});
			await run(first);
			await run(first);
			await run(second);
			const [a1, a2, b1] = two.requests;
			expect(a2.receivedAt - a1.receivedAt).toBeGreaterThanOrEqual(1000);
			expect(b1.receivedAt).toBe(a2.receivedAt);
			expect([a1.account, a2.account, b1.account]).toEqual([DEFAULT_CREDENTIALS.account, DEFAULT_CREDENTIALS.account, other.account]);
		} finally {
			await two.stop();
		}
	});
});
