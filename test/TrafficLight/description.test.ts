import type { INodeProperties, INodePropertyCollection } from 'n8n-workflow';

import { TrafficLightApi } from '../../credentials/TrafficLightApi.credentials';
import { OPTIONAL_LEAD_FIELDS } from '../../nodes/TrafficLight/leadRules/leadFields';
import { DEFAULTS } from '../../nodes/TrafficLight/actions/options';
import { TrafficLight } from '../../nodes/TrafficLight/TrafficLight.node';
import { createExecuteContext } from '../helpers/executeContext';
import { DEFAULT_KEY, TrafficLightMock } from '../../scripts/lib/trafficLightMock';

const { description } = new TrafficLight();
const property = (name: string, operation: string) =>
	description.properties.find(
		(p) => p.name === name && (p.displayOptions?.show?.operation as string[] | undefined)?.includes(operation),
	) as INodeProperties;

describe('Traffic Light node description', () => {
	it('is an action node usable as an AI tool, with the credential', () => {
		expect(description.usableAsTool).toBe(true);
		expect(description.credentials).toEqual([{ name: 'trafficLightApi', required: true }]);
		expect(description.inputs).toEqual(['main']);
	});

	it('offers every optional lead field in Additional Fields, sorted by name', () => {
		const collection = property('additionalFields', 'send');
		const names = (collection.options as INodeProperties[]).map((o) => o.name);
		expect(names.sort()).toEqual(OPTIONAL_LEAD_FIELDS.map((f) => f.param).sort());
		const shown = (collection.options as INodeProperties[]).map((o) => o.displayName);
		expect(shown).toEqual([...shown].sort((a, b) => a.localeCompare(b)));
	});

	it('shows the option defaults the code uses, in every operation', () => {
		const defaultsOf = (operation: string) =>
			Object.fromEntries((property('options', operation).options as INodeProperties[]).map((o) => [o.name, o.default]));
		expect(defaultsOf('send')).toEqual({
			concurrency: DEFAULTS.concurrency,
			retryAttempts: DEFAULTS.retryAttempts,
			skipDuplicates: DEFAULTS.skipDuplicates,
			timeout: DEFAULTS.timeoutSeconds,
		});
		expect(defaultsOf('getStatus')).toEqual({ timeout: DEFAULTS.timeoutSeconds });
		expect(defaultsOf('getBalance')).toEqual({ timeout: DEFAULTS.timeoutSeconds });
	});

	it('requires Offer ID, Phone and Country, Country defaulting to RU', () => {
		for (const name of ['offerId', 'phone', 'country']) expect(property(name, 'send').required).toBe(true);
		expect(property('country', 'send').default).toBe('RU');
	});

	it('has one operation list per resource', () => {
		const operations = description.properties.filter((p) => p.name === 'operation');
		const values = operations.map((p) => (p.options as INodePropertyCollection[]).map((o) => (o as unknown as { value: string }).value));
		expect(values).toEqual([['getStatus', 'send'], ['getBalance']]);
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
