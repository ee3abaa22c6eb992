import type { INodeProperties } from 'n8n-workflow';

import { TrafficLightApi } from '../../credentials/TrafficLightApi.credentials';
import { OPTIONAL_LEAD_FIELDS } from '../../nodes/TrafficLight/leadRules';
import { concurrencyOf, retryAttemptsOf, timeoutMsOf } from '../../nodes/TrafficLight/actions/options';
import { TrafficLight } from '../../nodes/TrafficLight/TrafficLight.node';
import { createExecuteContext } from '../helpers/executeContext';
import { DEFAULT_KEY, TrafficLightMock } from '../../scripts/lib/trafficLightMock';

const { description } = new TrafficLight();
const property = (name: string, operation: string) =>
	description.properties.find(
		(p) => p.name === name && (p.displayOptions?.show?.operation as string[] | undefined)?.includes(operation),
	) as INodeProperties;

describe('Traffic Light node description', () => {
	it('offers every optional lead field in Additional Fields, sorted by name', () => {
		const collection = property('additionalFields', 'send');
		const names = (collection.options as INodeProperties[]).map((o) => o.name);
		expect(names.sort()).toEqual(OPTIONAL_LEAD_FIELDS.map((f) => f.param).sort());
		const shown = (collection.options as INodeProperties[]).map((o) => o.displayName);
		expect(shown).toEqual([...shown].sort((a, b) => a.localeCompare(b)));
	});

	it('shows the documented option defaults, in every operation, and the code uses them', () => {
		const defaultsOf = (operation: string) =>
			Object.fromEntries((property('options', operation).options as INodeProperties[]).map((o) => [o.name, o.default]));
		// The documented values (README, Options), written out: a changed default must change this test.
		expect(defaultsOf('send')).toEqual({ concurrency: 5, retryAttempts: 3, skipDuplicates: true, timeout: 30 });
		expect(defaultsOf('getStatus')).toEqual({ timeout: 30 });
		expect(defaultsOf('getBalance')).toEqual({ timeout: 30 });
		expect([timeoutMsOf({}), concurrencyOf({}), retryAttemptsOf({})]).toEqual([30_000, 5, 3]);
	});

	it('states the item budget and the feed checks as the code applies them', () => {
		const options = property('options', 'send').options as INodeProperties[];
		const timeout = options.find((o) => o.name === 'timeout')?.description as string;
		expect(timeout).toContain('up to 3 feed checks after a timeout');
		expect(timeout).toContain('ends within (Retry Attempts + 5) × this: 4 minutes at the defaults');
		expect(timeout).toContain('held it back for 10 × this in all');
	});

	it('routes every operation it offers, and only those', async () => {
		const offered = description.properties
			.filter((p) => p.name === 'operation')
			.flatMap((p) =>
				(p.options as Array<{ value: string }>).map((o) => [(p.displayOptions?.show?.resource as string[])[0], o.value]),
			);
		expect(offered).toHaveLength(3);
		// A routed operation reaches the credential first; an unrouted one fails before it.
		const reached = async (resource: string, operation: string) => {
			const ctx = createExecuteContext({ parameters: { resource, operation }, credentials: {} });
			ctx.getCredentials = async () => {
				throw new Error('routed');
			};
			return await new TrafficLight().execute.call(ctx).then(
				() => 'no error',
				(error: Error) => error.message,
			);
		};
		for (const [resource, operation] of offered) expect(await reached(resource, operation)).toBe('routed');
		expect(await reached('lead', 'getBalance')).toMatch(/not known for "lead"/);
		expect(await reached('account', 'constructor')).toMatch(/not known for "account"/);
	});
});

describe('Traffic Light API credential', () => {
	const credential = new TrafficLightApi();

	it('has a password API key and a Base URL defaulting to the real API', () => {
		const [apiKey, baseUrl] = credential.properties;
		expect(apiKey).toMatchObject({ name: 'apiKey', typeOptions: { password: true }, required: true });
		expect(baseUrl).toMatchObject({ name: 'baseUrl', default: 'https://api.cpa.tl' });
	});

	it('puts the key into the form of a POST and into the query of a GET', async () => {
		const post = await credential.authenticate({ apiKey: 'K' }, { url: '/x', method: 'POST', body: { a: '1' } });
		expect(post.body).toEqual({ a: '1', key: 'K' });
		expect(post.qs).toBeUndefined();
		const get = await credential.authenticate({ apiKey: 'K' }, { url: '/x', method: 'GET', qs: { 'id[]': '0' } });
		expect(get.qs).toEqual({ 'id[]': '0', key: 'K' });
	});

	// n8n's credential tester fails a 2xx answer when get(body, rule.key) === rule.value.
	const testVerdict = (body: Record<string, unknown>) => {
		const rule = credential.test.rules?.find((r) => r.type === 'responseSuccessBody');
		if (rule?.type !== 'responseSuccessBody') throw new Error('expected a responseSuccessBody rule');
		return body[rule.properties.key] === rule.properties.value ? rule.properties.message : 'OK';
	};

	it('the test request tells a right key from a wrong one at the mock', async () => {
		const mock = await new TrafficLightMock().start();
		try {
			const request = credential.test.request;
			expect(request.baseURL).toContain('$credentials.baseUrl');
			const verdictFor = async (apiKey: string) => {
				const ctx = createExecuteContext({ parameters: {}, credentials: { apiKey, baseUrl: mock.baseUrl } });
				const body = await ctx.helpers.httpRequestWithAuthentication.call(ctx, 'trafficLightApi', {
					method: request.method,
					url: `${mock.baseUrl}${request.url}`,
					qs: request.qs,
					json: true,
				});
				return testVerdict(body);
			};
			expect(await verdictFor(DEFAULT_KEY)).toBe('OK');
			expect(await verdictFor('not-the-key')).toMatch(/did not accept this API key/);
			expect(mock.requests[0].query).toEqual({ 'id[]': '0', key: DEFAULT_KEY });
		} finally {
			await mock.stop();
		}
	});
});
