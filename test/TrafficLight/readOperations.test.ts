import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { parseIdList, toFeedDate } from '../../nodes/TrafficLight/actions/lead/getStatus.operation';
import { contextFor, DEFAULT_KEY, items, run, runExpectingError, sendParameters, TrafficLightMock } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	await mock.stop();
});

async function seed(leadIds: string[]) {
	await run(
		contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: leadIds[i] }), options: { concurrency: 1 } }), {
			items: items(leadIds.length),
		}),
	);
	mock.requests.length = 0;
}

const statusParameters = (extra: Record<string, unknown>) => ({ resource: 'lead', operation: 'getStatus', options: {}, ...extra });

describe('Lead → Get Status', () => {
	it('by Lead ID: one output item per lead, key only in the query of a GET', async () => {
		await seed(['klx-client-1', 'klx-client-2', 'klx-client-3']);
		mock.setLeadStatus(mock.leads[1].id, 'confirmed');
		const out = await run(contextFor(mock, statusParameters({ lookupBy: 'leadId', leadIds: 'klx-client-2, klx-client-3' })));
		expect(out.map((o) => [o.json.leadId, o.json.status, o.json.trafficLightId])).toEqual([
			['klx-client-2', 'confirmed', mock.leads[1].id],
			['klx-client-3', 'new', mock.leads[2].id],
		]);
		expect(out.every((o) => (o.pairedItem as { item: number }).item === 0)).toBe(true);
		const [request] = mock.requests;
		expect(request.method).toBe('GET');
		expect(request.query).toEqual({ 'id2[]': ['klx-client-2', 'klx-client-3'], key: DEFAULT_KEY });
		expect(JSON.stringify(out)).not.toContain(DEFAULT_KEY);
	});

	it('by Traffic Light ID', async () => {
		await seed(['a', 'b']);
		const out = await run(contextFor(mock, statusParameters({ lookupBy: 'trafficLightId', trafficLightIds: String(mock.leads[0].id) })));
		expect(out).toHaveLength(1);
		expect(out[0].json).toMatchObject({ trafficLightId: mock.leads[0].id, leadId: 'a' });
		expect(mock.requests[0].query['id[]']).toBe(String(mock.leads[0].id));
	});

	it('by date range sends date[]=from&date[]=to', async () => {
		await seed(['a']);
		const today = new Date().toISOString().slice(0, 10);
		const out = await run(
			contextFor(mock, statusParameters({ lookupBy: 'dateRange', dateFrom: `${today}T00:00:00.000+03:00`, dateTo: '' })),
		);
		expect(out).toHaveLength(1);
		expect(mock.requests[0].query['date[]']).toEqual([today, today]);
	});

	it('splits more than 50 ids into several feed requests, all paired with the input item', async () => {
		const ids = Array.from({ length: 75 }, (_, i) => `id-${i}`);
		await run(contextFor(mock, statusParameters({ lookupBy: 'leadId', leadIds: ids.join(',') })));
		expect(mock.requests.map((r) => (r.query['id2[]'] as string[]).length)).toEqual([50, 25]);
	});

	it('each input item is its own look-up', async () => {
		await seed(['a', 'b']);
		const out = await run(
			contextFor(mock, statusParameters({ lookupBy: 'leadId', leadIds: (i: number) => ['a', 'b'][i] }), { items: items(2) }),
		);
		expect(out.map((o) => [o.json.leadId, o.pairedItem])).toEqual([
			['a', { item: 0 }],
			['b', { item: 1 }],
		]);
	});

	it.each([
		[{ lookupBy: 'leadId', leadIds: ' , ' }, 'Lead IDs is empty'],
		[{ lookupBy: 'trafficLightId', trafficLightIds: '' }, 'Traffic Light IDs is empty'],
		[{ lookupBy: 'dateRange', dateFrom: 'yesterday', dateTo: '' }, 'Date range "yesterday" – "yesterday" is not a pair of dates'],
		[{ lookupBy: 'dateRange', dateFrom: '2026-11-30', dateTo: '2026-11-01' }, 'Date range starts after it ends (2026-11-30 > 2026-11-01)'],
	])('refuses %j before any request', async (params, message) => {
		const error = await runExpectingError(contextFor(mock, statusParameters(params)));
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(message);
		expect(mock.requests).toHaveLength(0);
	});

	it('a feed error is a NodeApiError; with continueOnFail an error item per failing input', async () => {
		mock.setMode({ kind: 'http5xx', status: 502, route: 'feed', times: 1 });
		const out = await run(
			contextFor(mock, statusParameters({ lookupBy: 'leadId', leadIds: 'x' }), { items: items(2), continueOnFail: true }),
		);
		expect(out[0].json.error).toBe('Traffic Light answered HTTP 502');
		expect(out[0].error).toBeInstanceOf(NodeApiError);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out).toHaveLength(1);
	});

	it('an n8n error raised while reading an item\'s parameters is tagged with that item', async () => {
		const ctx = contextFor(
			mock,
			statusParameters({
				lookupBy: 'leadId',
				leadIds: (i: number) => {
					// What a failing parameter read can throw: an n8n error that does not name the item.
					if (i === 1) throw new NodeOperationError(ctx.getNode(), 'Lead IDs could not be read');
					return 'x';
				},
			}),
			{ items: items(2) },
		);
		const error = await runExpectingError(ctx);
		expect(error.message).toBe('Lead IDs could not be read');
		expect((error.context as { itemIndex: number }).itemIndex).toBe(1);
	});

	it('a wrong key in the feed says so', async () => {
		const ctx = contextFor(mock, statusParameters({ lookupBy: 'leadId', leadIds: 'x' }));
		(await ctx.getCredentials('trafficLightApi')).apiKey = 'bad';
		const error = await runExpectingError(ctx);
		expect(error.message).toBe('Traffic Light rejected the request: incorrect api key');
		expect(error.description).toMatch(/did not accept the API key/);
	});
});

describe('Account → Get Balance', () => {
	it('returns the balance answer as it comes', async () => {
		const out = await run(contextFor(mock, { resource: 'account', operation: 'getBalance', options: {} }));
		expect(out).toEqual([{ json: { balance: 15320.5, currency: 'RUB' }, pairedItem: { item: 0 } }]);
		expect(mock.requests[0].query).toEqual({ key: DEFAULT_KEY });
	});

	it.each([
		[{ kind: 'nonJson' }, 'Traffic Light answered with something that is not a JSON object (HTTP 200)'],
		[{ kind: 'http5xx', status: 500 }, 'Traffic Light answered HTTP 500'],
		[{ kind: 'hang' }, 'Traffic Light did not answer within 0.2 s'],
	])('%j → %s', async (mode, message) => {
		mock.setMode({ ...mode, route: 'balance' } as never);
		const error = await runExpectingError(contextFor(mock, { resource: 'account', operation: 'getBalance', options: { timeout: 0.2 } }));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(message);
		expect(error.description).toMatch(/Reading is safe to repeat/);
	});
});

describe('helpers', () => {
	it('parseIdList takes commas, spaces, new lines and arrays, without duplicates', () => {
		expect(parseIdList('1, 2\n3;3')).toEqual(['1', '2', '3']);
		expect(parseIdList([5, '6', ''])).toEqual(['5', '6']);
		expect(parseIdList(undefined)).toEqual([]);
	});

	it('toFeedDate reads ISO and Russian dates', () => {
		expect(toFeedDate('2026-11-25T10:00:00.000Z')).toBe('2026-11-25');
		expect(toFeedDate('25.11.2026')).toBe('2026-11-25');
		expect(toFeedDate('')).toBeNull();
	});
});
