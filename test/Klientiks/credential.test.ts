// The credential's Test as n8n runs a declarative test: the request with the saved Base URL, the
// credential's authenticate(), n8n's real request helper, then the rules in order (the first whose
// `key` reads `value` in the answer fails the Test with its message).
import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import { KlientiksApi } from '../../credentials/KlientiksApi.credentials';
import { createExecuteContext } from '../helpers/executeContext';
import { credentialsFor, DEFAULT_CREDENTIALS, KlientiksMock, TOKEN } from './fixtures';

const credential = new KlientiksApi();
let mock: KlientiksMock;
beforeEach(async () => {
	mock = await new KlientiksMock().start();
});
afterEach(async () => {
	await mock.stop();
});

const pick = (body: unknown, key: string): unknown => (typeof body === 'object' && body !== null ? (body as IDataObject)[key] : undefined);

async function runTest(credentials: IDataObject): Promise<{ status: 'OK' | 'Error'; message: string }> {
	const request = { ...(credential.test.request as IHttpRequestOptions), baseURL: String(credentials.baseUrl ?? '') };
	let authenticated: IHttpRequestOptions;
	try {
		authenticated = await credential.authenticate(credentials as never, request);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	let body: unknown;
	try {
		body = await createExecuteContext({ parameters: {} }).helpers.httpRequest(authenticated);
	} catch (error) {
		return { status: 'Error', message: `Couldn't connect: ${(error as Error).message}` };
	}
	for (const rule of credential.test.rules ?? []) {
		const { key, value, message } = (rule as { properties: { key: string; value: unknown; message: string } }).properties;
		if (pick(body, key) === value) return { status: 'Error', message };
	}
	return { status: 'OK', message: 'Connection successful' };
}

describe('Klientiks API credential Test', () => {
	it('passes with the right ids and token, reading one client with the token in the path only', async () => {
		await mock.addClient();
		expect(await runTest(credentialsFor(mock))).toEqual({ status: 'OK', message: 'Connection successful' });
		expect(mock.requests[0]).toMatchObject({ path: `/clientix/Restapi/list/a/${DEFAULT_CREDENTIALS.account}/u/${DEFAULT_CREDENTIALS.user}/t/***/m/clients/`, query: { offset: '0', limit: '1' } });
	});

	it('passes on an account without clients ("No data")', async () => {
		expect((await runTest(credentialsFor(mock))).status).toBe('OK');
	});

	it('tells a wrong token from an API that is off', async () => {
		const wrong = await runTest(credentialsFor(mock, { accessToken: 'f'.repeat(32) }));
		expect(wrong).toMatchObject({ status: 'Error', message: expect.stringContaining('Account ID, User ID or Access Token') });
		mock.setMode({ kind: 'apiDisabled' });
		const off = await runTest(credentialsFor(mock));
		expect(off).toMatchObject({ status: 'Error', message: expect.stringContaining('Включить api') });
		expect(off.message).toContain('PRO+');
		expect(`${wrong.message}${off.message}`).not.toContain(TOKEN);
	});

	it('an unreachable host fails to connect; a bad Base URL fails before any request, masked', async () => {
		const unreachable = await runTest(credentialsFor(mock, { baseUrl: 'http://127.0.0.1:9' }));
		expect(unreachable.message).toMatch(/connect|refused/i);
		expect(unreachable.message).not.toContain(TOKEN);
		const bad = await runTest(credentialsFor(mock, { baseUrl: `https://x.example/?t=${TOKEN}` }));
		expect(bad.message).toContain('must not contain a query');
		expect(bad.message).not.toContain(TOKEN);
		expect(mock.requests).toHaveLength(0);
	});

	it('a Base URL that is not the Klientiks API says so', async () => {
		const other = await runTest(credentialsFor(mock, { baseUrl: `${mock.baseUrl}/elsewhere` }));
		expect(other).toMatchObject({ status: 'Error', message: expect.stringContaining('does not point at the Klientiks API') });
	});

	it('leaves the node\'s own requests (no baseURL) untouched', async () => {
		const request: IHttpRequestOptions = { url: 'http://x/clientix/Restapi/list/a/1/u/2/t/3/m/clients/', method: 'GET' };
		expect(await credential.authenticate(credentialsFor(mock) as never, request)).toBe(request);
	});
});
