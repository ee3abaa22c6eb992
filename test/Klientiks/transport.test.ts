import { NodeApiError, type IExecuteFunctions, type IPollFunctions } from 'n8n-workflow';

import { klientiksGet, klientiksList, openKlientiks, type KlientiksConnection } from '../../nodes/Klientiks/transport/klientiksApi';
import { rowsOf } from '../../nodes/Klientiks/transport/klientiksAnswers';
import { connect, instantPace, KlientiksMock, klientiksContext, serialised, TOKEN } from './fixtures';

let mock: KlientiksMock;
beforeEach(async () => {
	instantPace();
	mock = await new KlientiksMock().start();
});
afterEach(async () => {
	await mock.stop();
});

describe('Klientiks transport', () => {
	it('lists clients through the URL scheme, the token only in the path', async () => {
		for (let i = 0; i < 3; i++) await mock.addClient();
		const ctx = klientiksContext(mock);
		const c = await connect(ctx);
		const result = await klientiksList.call(ctx, c, [['m', 'clients']], {}, {});
		expect(result).toMatchObject({ complete: true, nextOffset: 3 });
		expect(result.rows.map((r) => r.id)).toEqual([6439301, 6439302, 6439303]);
		expect(mock.requests[0].path).toBe('/clientix/Restapi/list/a/a1b2c3d4e5f6/u/0a1b2c3d4e5f/t/***/m/clients/');
		expect(mock.requests[0].query).toEqual({ offset: '0', limit: '100' });
	});

	it('getClientByPhone: one object in items is one row; "No data" is none', async () => {
		const { row } = await mock.addClient();
		const ctx = klientiksContext(mock);
		const c = await connect(ctx);
		expect(rowsOf(await klientiksGet.call(ctx, c, 'list', [['m', 'getClientByPhone'], ['phone', row.phone]]))).toEqual([row]);
		expect(rowsOf(await klientiksGet.call(ctx, c, 'list', [['m', 'getClientByPhone'], ['phone', '70000000000']]))).toEqual([]);
	});

	it('a wrong token: NodeApiError quoting the API, no token in it', async () => {
		const ctx = klientiksContext(mock, {}, { credentials: { accountId: 'a1b2c3d4e5f6', userId: '0a1b2c3d4e5f', accessToken: 'f'.repeat(32), baseUrl: mock.baseUrl } });
		const c = await connect(ctx);
		const error = await klientiksList.call(ctx, c, [['m', 'clients']], {}, {}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NodeApiError);
		expect((error as Error).message).toContain('Access denied');
		expect(serialised(error)).not.toContain('f'.repeat(32));
		expect(serialised(error)).not.toContain(TOKEN);
	});

	it('opens from a poll context as from an execute context (type-checked: IPollFunctions has no cancel signal in n8n 1.x)', () => {
		const fromPoll = async (poll: IPollFunctions): Promise<KlientiksConnection> => await openKlientiks.call(poll);
		const fromExecute = async (execute: IExecuteFunctions): Promise<KlientiksConnection> => await openKlientiks.call(execute);
		expect([typeof fromPoll, typeof fromExecute]).toEqual(['function', 'function']);
	});
});
