// An answer is data, never structure: its keys cannot change an object's
// prototype or make a match, an answer without what the call needs says so,
// the key is masked in every form a server may echo it, and the Base URL check
// is one function, linear, shared with the credential Test.
import { sleep, type IDataObject, type IHttpRequestOptions } from 'n8n-workflow';

import { TrafficLightApi } from '../../credentials/TrafficLightApi.credentials';
import { checkBaseUrl, secretMasker } from '../../nodes/shared/outsideData';
import { fixForErrmsg } from '../../nodes/TrafficLight/actions/nodeErrors';
import { DEFAULT_BASE_URL, classifyAnswer, FEED_DAY_BYTES } from '../../nodes/TrafficLight/transport/trafficLightApi';
import { contextFor, DEFAULT_KEY, run, runExpectingError, sendParameters, TrafficLightMock } from './fixtures';

jest.mock('n8n-workflow', () => ({
	...jest.requireActual('n8n-workflow'),
	sleep: jest.fn(async () => undefined),
}));
(sleep as jest.MockedFunction<typeof sleep>).mockResolvedValue(undefined);

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	await mock.stop();
});

const sends = () => mock.requestsTo('send');

describe('keys of an answer are data', () => {
	it('{"__proto__":{"id":7}} is not a delivered lead with id 7', async () => {
		mock.setMode({ kind: 'fixedAnswer', body: '{"__proto__":{"id":7}}' });
		const error = await runExpectingError(contextFor(mock, sendParameters()));
		expect(error.message).toBe('Traffic Light answered without a lead id (HTTP 200)');
	});

	it('a feed row {"__proto__":{"id2":…}} does not make a new lead a duplicate', async () => {
		mock.setMode({ kind: 'fixedAnswer', route: 'feed', body: '{"count":1,"leads":[{"__proto__":{"id2":"klx-new","id":9}}]}' });
		const error = await runExpectingError(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-new' } })));
		expect(error.message).toBe('Could not verify Lead ID "klx-new" against the Traffic Light lead feed — nothing was sent');
		expect(sends()).toHaveLength(0);
	});

	it('a long array where a key belongs is not JSON, and never a "__proto__" key', async () => {
		const row = `{["__proto__"${' '.repeat(20_000)}]:{"id2":"klx-new","id":9}}`;
		expect(classifyAnswer(200, `{"count":1,"leads":[${row}]}`)).toMatchObject({ ok: false, failure: { kind: 'notAnObject' } });
	});

	it('"constructor" and "prototype" are ordinary keys and errmsgs', async () => {
		mock.setMode({ kind: 'fixedAnswer', route: 'balance', body: '{"constructor":1,"prototype":{"x":2},"__proto__":{"y":3}}' });
		const [item] = await run(contextFor(mock, { resource: 'account', operation: 'getBalance', options: {} }));
		expect(item.json).toEqual({ constructor: 1, prototype: { x: 2 } });
		expect(Object.getPrototypeOf(item.json)).toBe(Object.prototype);
		expect(fixForErrmsg('constructor')).toMatch(/^Traffic Light refused the request with this message/);
	});
});

describe('an answer without what the call needs says so', () => {
	it('a send answer that is JSON without a lead id', async () => {
		mock.setMode({ kind: 'fixedAnswer', body: '{"status":"ok"}' });
		const error = await runExpectingError(contextFor(mock, sendParameters()));
		expect(error.message).toBe('Traffic Light answered without a lead id (HTTP 200)');
		expect(error.description).toMatch(/The answer began with: \{"status":"ok"\}\./);
		expect(error.description).toMatch(/may or may not have reached Traffic Light/);
	});

	it('a date range is read one day per request; a day too long for its cap is refused by name, with the way out', async () => {
		mock.setMode({ kind: 'fixedAnswer', route: 'feed', body: '{"count":1,"leads":[{"id":1,"id2":"a","status":"accepted"}]}' });
		const parameters = { resource: 'lead', operation: 'getStatus', lookupBy: 'dateRange', dateFrom: '2026-02-27', dateTo: '2026-03-02', options: {} };
		const items = await run(contextFor(mock, parameters));
		expect(items).toHaveLength(4);
		const days = mock.requestsTo('feed').map((r) => r.query['date[]']);
		expect(days).toEqual([['2026-02-27', '2026-02-27'], ['2026-02-28', '2026-02-28'], ['2026-03-01', '2026-03-01'], ['2026-03-02', '2026-03-02']]);
		mock.setMode({ kind: 'fixedAnswer', route: 'feed', body: `{"count":1,"leads":[${'0,'.repeat(FEED_DAY_BYTES / 2)}0]}` });
		const error = await runExpectingError(contextFor(mock, parameters));
		expect(error.message).toBe(`The lead feed for 2026-02-27 alone is longer than ${FEED_DAY_BYTES / 1024} KB; none of it was used`);
		expect(error.description).toMatch(/Look Up By → Lead ID/);
	});
});

describe('the key is masked in every form a server may echo it', () => {
	const KEY = 'tl key+/=&ä:$,7f3a<b>"\'';
	const entities = (text: string, form: (code: number) => string) => [...text].map((c) => form(c.codePointAt(0) as number)).join('');
	const base64At = (offset: number, alphabet: 'base64' | 'base64url') =>
		Buffer.concat([Buffer.alloc(offset, 120), Buffer.from(KEY)]).toString(alphabet);

	it.each([
		['upper-cased', KEY.toUpperCase()],
		['percent-encoded, lower-case hex', encodeURIComponent(KEY).toLowerCase()],
		['HTML decimal entities', entities(KEY, (code) => `&#${code};`)],
		['HTML decimal entities with a leading zero', entities(KEY, (code) => `&#0${code};`)],
		['HTML decimal entities with many leading zeros', entities(KEY, (code) => `&#0000000${code};`)],
		['HTML decimal entities without ";"', entities(KEY, (code) => `&#${code}`)],
		['percent-encoded twice', encodeURIComponent(encodeURIComponent(KEY))],
		['HTML entities of a percent-encoding', encodeURIComponent(KEY).replace(/%/g, '&#37;')],
		['HTML hex entities, upper-case', entities(KEY, (code) => `&#X${code.toString(16).toUpperCase()};`)],
		['HTML named entities', KEY.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#039;')],
	])('%s', (_form, echoed) => {
		expect(secretMasker(KEY)(`a ${echoed} b`)).toBe('a *** b');
	});

	it.each([0, 1, 2])('base64 and base64url, the key at offset %i of a 3-byte group', (offset) => {
		for (const alphabet of ['base64', 'base64url'] as const) {
			const masked = secretMasker(KEY)(base64At(offset, alphabet));
			expect(masked).toContain('***');
			// What is left is at most the groups the key shares with its neighbours.
			expect(masked.replace('***', '').length).toBeLessThanOrEqual(8 + (alphabet === 'base64' ? 3 : 0));
		}
	});

	it('an all-digit key echoed as a JSON number, even past double precision', () => {
		for (const digits of ['12345678', '123456789012345678901234567890']) {
			const answer = classifyAnswer(200, `{"balance":1,"key":${digits},"list":[${digits}]}`, secretMasker(digits));
			expect(answer).toEqual({ ok: true, statusCode: 200, body: { balance: 1, key: '***', list: ['***'] } });
		}
	});

	it('in an answer passed to the output', async () => {
		await mock.stop();
		mock = await new TrafficLightMock({ keys: [KEY] }).start();
		const echo = [KEY.toUpperCase(), Buffer.from(KEY).toString('base64'), entities(KEY, (code) => `&#x${code.toString(16)};`)];
		mock.setMode({ kind: 'fixedAnswer', route: 'balance', body: JSON.stringify({ balance: 1, echo, [KEY.toUpperCase()]: 1 }) });
		const ctx = contextFor(mock, { resource: 'account', operation: 'getBalance', options: {} }, { credentials: { apiKey: KEY, baseUrl: mock.baseUrl } });
		const [item] = await run(ctx);
		expect(item.json).toEqual({ balance: 1, echo: ['***', '***', '***'], '***': 1 });
	});
});

describe('the Base URL check: one function, linear, shared with the credential Test', () => {
	it('many slashes before the end cost no more than reading them', () => {
		const url = `https://api.cpa.tl/${'/'.repeat(200_000)}x`;
		const started = process.cpuUsage();
		expect(checkBaseUrl(url, DEFAULT_BASE_URL)).toMatchObject({ ok: true });
		// This process's CPU time, which other processes' load does not lengthen: linear is about a
		// millisecond; the old /\/+$/ took minutes on this input.
		expect(process.cpuUsage(started).user).toBeLessThan(2_000_000);
	});

	const credential = new TrafficLightApi();
	/** The Test request as the credential hands it over, for a saved Base URL. */
	async function testRequestFor(baseUrl: string): Promise<IHttpRequestOptions> {
		const request = { ...(credential.test.request as IHttpRequestOptions), baseURL: baseUrl };
		return await credential.authenticate({ apiKey: DEFAULT_KEY, baseUrl }, request);
	}

	it.each(['', '   ', 'https://api.cpa.tl/', `https://proxy.example/tl${'/'.repeat(50)}`])(
		'%j: the Test goes where the node would send',
		async (baseUrl) => {
			const checked = checkBaseUrl(baseUrl, DEFAULT_BASE_URL);
			expect((await testRequestFor(baseUrl)).baseURL).toBe(checked.ok ? checked.baseUrl : undefined);
		},
	);

	it.each(['/', '///', 'api.cpa.tl', 'https://api.cpa.tl/?x=1'])('%j: the Test refuses it as the node does', async (baseUrl) => {
		const checked = checkBaseUrl(baseUrl, DEFAULT_BASE_URL);
		expect(checked.ok).toBe(false);
		await expect(testRequestFor(baseUrl)).rejects.toThrow(checked.ok ? 'never' : checked.problem);
	});

	it('the Test request reads the Base URL through no pattern of its own', () => {
		expect((credential.test.request as IDataObject).baseURL).toBe('={{$credentials.baseUrl}}');
	});
});
