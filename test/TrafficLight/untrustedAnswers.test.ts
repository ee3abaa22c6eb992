// The Traffic Light answer is not trusted blindly: redirects, feeds that ignore
// the id2 filter, slow-drip and huge answers, answers that echo the API key,
// odd Base URLs and wrong keys. Each case drives the node through n8n's real
// request helper against the mock, in the mode that reproduces the problem.
import { NodeApiError, NodeOperationError, sleep, type IDataObject } from 'n8n-workflow';

import { TrafficLightApi } from '../../credentials/TrafficLightApi.credentials';
import { SEND_ANSWER_BYTES as MAX_ANSWER_BYTES } from '../../nodes/TrafficLight/transport/trafficLightApi';
import { secretMasker } from '../../nodes/shared/outsideData';
import { contextFor, DEFAULT_KEY, run, runExpectingError, sendParameters, TrafficLightMock } from './fixtures';

jest.mock('n8n-workflow', () => ({
	...jest.requireActual('n8n-workflow'),
	sleep: jest.fn(async () => undefined),
}));
const sleepMock = sleep as jest.MockedFunction<typeof sleep>;

let mock: TrafficLightMock;
/** A second server on another origin: where a redirect points. It must never be called. */
let foreign: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
	foreign = await new TrafficLightMock().start();
	foreign.setMode({ kind: 'fixedAnswer', body: { id: 5 }, route: 'all' });
	sleepMock.mockClear();
});
afterEach(async () => {
	await mock.stop();
	await foreign.stop();
});

const sends = () => mock.requestsTo('send');
const statusParameters = (leadIds: string) => ({ resource: 'lead', operation: 'getStatus', lookupBy: 'leadId', leadIds, options: {} });
const balanceParameters = { resource: 'account', operation: 'getBalance', options: {} };

/** Every form in which a key can come back from a server: as is, URL-encoded, form-encoded. */
function keyForms(key: string): string[] {
	return [key, encodeURIComponent(key), new URLSearchParams({ k: key }).toString().slice(2)];
}

function expectNoKey(value: unknown, key: string): void {
	const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? { ...v, message: v.message } : v));
	for (const form of keyForms(key)) expect(text).not.toContain(form);
}

describe('redirects are never followed', () => {
	it('307 to another origin: the form (key included) is not re-posted there; the error names the Location', async () => {
		const location = `${foreign.baseUrl}/api/lead/send`;
		mock.setMode({ kind: 'redirect', status: 307, location });
		const error = await runExpectingError(contextFor(mock, sendParameters()));
		expect(foreign.requests).toHaveLength(0);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(`Traffic Light answered with a redirect (HTTP 307) to ${location}`);
		expect(error.description).toMatch(/does not follow redirects.*Base URL/);
	});

	it('302 with a foreign {"id": 5}: not taken as delivered', async () => {
		mock.setMode({ kind: 'redirect', status: 302, location: `${foreign.baseUrl}/done` });
		const error = await runExpectingError(contextFor(mock, sendParameters()));
		expect(foreign.requests).toHaveLength(0);
		expect(error.message).toMatch(/redirect \(HTTP 302\)/);
		// The redirect may come after the lead was stored, so it is not called "not delivered".
		expect(error.description).toMatch(/may or may not have reached Traffic Light/);
	});

	it.each([
		['the lead feed', statusParameters('klx-1'), 'feed'],
		['the balance', balanceParameters, 'balance'],
	])('%s: a 301 is a failure naming the Location', async (_what, parameters, route) => {
		mock.setMode({ kind: 'redirect', status: 301, location: `${foreign.baseUrl}/x`, route: route as 'feed' });
		const error = await runExpectingError(contextFor(mock, parameters));
		expect(foreign.requests).toHaveLength(0);
		expect(error.message).toBe(`Traffic Light answered with a redirect (HTTP 301) to ${foreign.baseUrl}/x`);
	});
});

describe('the duplicate check matches only rows whose id2 is the Lead ID asked for', () => {
	it('a feed that ignores the filter and omits id2 does not make a new lead a duplicate: "cannot verify", nothing sent', async () => {
		mock.storeLead({ offer_id: '1', phone: '79990000000', country: 'RU', id: 'someone-else' });
		mock.setMode({ kind: 'feedIgnoresFilter', omitId2: true, route: 'feed' });
		const error = await runExpectingError(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-new-1' } })));
		expect(error.message).toBe('Could not verify Lead ID "klx-new-1" against the Traffic Light lead feed — nothing was sent');
		expect(error.description).toMatch(/not filtered by Lead ID/);
		expect(error.description).toMatch(/Skip Duplicates/);
		expect(sends()).toHaveLength(0);
	});

	it('a feed that ignores the filter (rows with other id2) cannot prove absence either', async () => {
		mock.storeLead({ offer_id: '1', phone: '79990000000', country: 'RU', id: 'someone-else' });
		mock.setMode({ kind: 'feedIgnoresFilter', route: 'feed' });
		const error = await runExpectingError(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-new-2' } })));
		expect(error.message).toMatch(/^Could not verify Lead ID "klx-new-2"/);
		expect(sends()).toHaveLength(0);
	});

	it('an honest feed still finds the duplicate by id2', async () => {
		const stored = mock.storeLead({ offer_id: '1', phone: '79990000000', country: 'RU', id: 'klx-dup' });
		const out = await run(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-dup' } })));
		expect(out[0].json).toMatchObject({ duplicate: true, trafficLightId: stored.id });
		expect(sends()).toHaveLength(0);
	});
});

describe('Timeout bounds the whole request, not only silence', () => {
	it('an answer dripped one byte every 300 ms is a timeout after 1 s, not a success', async () => {
		mock.setMode({ kind: 'drip', intervalMs: 300 });
		const error = await runExpectingError(contextFor(mock, sendParameters({ options: { timeout: 1 } })));
		expect(error.message).toBe('Traffic Light did not answer within 1 s');
		expect(error.description).toMatch(/may or may not have reached/);
	});

	it('the balance read the same way', async () => {
		mock.setMode({ kind: 'drip', intervalMs: 300, route: 'balance' });
		const error = await runExpectingError(contextFor(mock, { ...balanceParameters, options: { timeout: 1 } }));
		expect(error.message).toBe('Traffic Light did not answer within 1 s');
	});

	it("the execution's own cancel signal still reads as cancelled", async () => {
		mock.setMode({ kind: 'hang' });
		const ctx = contextFor(mock, sendParameters({ options: { timeout: 30 } }));
		const controller = new AbortController();
		ctx.getExecutionCancelSignal = () => controller.signal;
		const pending = runExpectingError(ctx);
		await new Promise<void>((resolve) => {
			const check = setInterval(() => {
				if (sends().length > 0) {
					clearInterval(check);
					resolve();
				}
			}, 10);
		});
		controller.abort();
		expect((await pending).message).toBe('The request to Traffic Light was cancelled with the execution');
	});
});

describe('answers are bounded', () => {
	it(`a send answer over ${MAX_ANSWER_BYTES} bytes is a failure of its own, never a success`, async () => {
		mock.setMode({ kind: 'huge', sizeBytes: 5 * 1024 * 1024 });
		const error = await runExpectingError(contextFor(mock, sendParameters()));
		expect(error.message).toBe(`Traffic Light answered with more than ${MAX_ANSWER_BYTES / 1024} KB (HTTP 200); the rest was not read`);
		expect(JSON.stringify(error).length).toBeLessThan(20_000);
	});

	it('with a Lead ID the lead is then confirmed from the feed, and the output stays small', async () => {
		mock.setMode({ kind: 'huge', sizeBytes: 5 * 1024 * 1024 });
		const out = await run(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-big' } })));
		expect(out[0].json).toMatchObject({ confirmedByFeed: true, recoveredFrom: 'tooLarge', trafficLightId: mock.leads[0].id });
		expect(JSON.stringify(out).length).toBeLessThan(20_000);
	});

	it('the balance: too large is an error, not 5 MB in the output', async () => {
		mock.setMode({ kind: 'huge', sizeBytes: 5 * 1024 * 1024, route: 'balance' });
		const error = await runExpectingError(contextFor(mock, balanceParameters));
		expect(error.message).toMatch(`more than ${MAX_ANSWER_BYTES / 1024} KB`);
	});

	it('`answer` keeps the known fields and a bounded copy of the rest', async () => {
		mock.setMode({ kind: 'fixedAnswer', body: { id: 77, status: 'new', extra: 'y'.repeat(5000) } });
		const out = await run(contextFor(mock, sendParameters()));
		const answer = out[0].json.answer as IDataObject;
		expect(answer).toMatchObject({ id: 77, status: 'new' });
		expect(answer.extra).toBeUndefined();
		expect(typeof answer.raw).toBe('string');
		expect(String(answer.raw)).toBe(`${JSON.stringify({ id: 77, status: 'new', extra: 'y'.repeat(5000) }).slice(0, 1000)}…`);
	});
});

describe('the API key is masked in everything that comes from the API', () => {
	// Characters that URL and form encoding change, so every encoded form is checked.
	const KEY = 'tl key+/=&ä:$,7f3a';
	beforeEach(async () => {
		await mock.stop();
		mock = await new TrafficLightMock({ keys: [KEY] }).start();
	});
	const withKey = (parameters: Record<string, unknown>) =>
		contextFor(mock, parameters, { credentials: { apiKey: KEY, baseUrl: mock.baseUrl } });

	it('an errmsg that echoes the form (form-encoded key) on a send', async () => {
		mock.setMode({ kind: 'echoKey', as: 'errmsg' });
		const error = await runExpectingError(withKey(sendParameters()));
		expect(error.message).toMatch(/^Traffic Light rejected the lead: bad request: .*key=\*\*\*/);
		expectNoKey({ message: error.message, description: error.description, error }, KEY);
	});

	it('an HTML page that echoes the URL (query-encoded key) on a balance read', async () => {
		mock.setMode({ kind: 'echoKey', as: 'html', route: 'balance' });
		const error = await runExpectingError(withKey(balanceParameters));
		expect(error.description).toMatch(/key=\*\*\*/);
		expectNoKey({ message: error.message, description: error.description, error }, KEY);
	});

	it.each([
		['a send answer', sendParameters(), 'send'],
		['feed rows', statusParameters('klx-1'), 'feed'],
		['the balance', balanceParameters, 'balance'],
	])('%s passed through to the output', async (_what, parameters, route) => {
		if (route === 'feed') mock.storeLead({ offer_id: '1', phone: '79990000000', country: 'RU', id: 'klx-1' });
		mock.setMode({ kind: 'echoKey', as: 'json', route: route as 'send' });
		const out = await run(withKey(parameters));
		expect(out.length).toBeGreaterThan(0);
		expect(JSON.stringify(out)).toContain('***');
		expectNoKey(out, KEY);
	});

	it('the key masker covers raw, encodeURIComponent, form and axios query encodings, any hex case', () => {
		const texts = [
			KEY,
			encodeURIComponent(KEY),
			encodeURIComponent(KEY).toLowerCase(),
			new URLSearchParams({ k: KEY }).toString().slice(2),
			encodeURIComponent(KEY).replace(/%3A/g, ':').replace(/%24/g, '$').replace(/%2C/g, ',').replace(/%20/g, '+'),
		];
		for (const text of texts) expect(secretMasker(KEY)(`a ${text} b`)).toBe('a *** b');
		expect(secretMasker(KEY)('nothing here')).toBe('nothing here');
		expect(secretMasker('')('anything')).toBe('anything');
		// The pattern is skipped for text shorter than the key, never for text of its length.
		expect(secretMasker(KEY)(KEY)).toBe('***');
		expect(secretMasker(KEY)(KEY.slice(1))).toBe(KEY.slice(1));
	});
});

describe('Base URL is parsed before any request', () => {
	it.each([
		['a query', (base: string) => `${base}/?key=abc`, /must not contain a query/],
		['a fragment', (base: string) => `${base}/#x`, /must not contain .*fragment/],
		['no scheme', () => 'api.cpa.tl', /is not a valid URL/],
		['another scheme', () => 'ftp://api.cpa.tl', /must start with https:\/\//],
	])('%s is a configuration error naming the credential field', async (_what, baseUrl, problem) => {
		const ctx = contextFor(mock, sendParameters(), { credentials: { apiKey: DEFAULT_KEY, baseUrl: baseUrl(mock.baseUrl) } });
		const error = await runExpectingError(ctx);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(problem);
		expect(error.message).toMatch(/^Base URL /);
		expect(error.description).toMatch(/Traffic Light API credential.*https:\/\/api\.cpa\.tl/);
		expect((error.context as { itemIndex: number }).itemIndex).toBe(0);
		expect(error.message + String(error.description)).not.toContain('may have reached');
		expect(mock.requests).toHaveLength(0);
	});

	it('http:// to a host other than localhost adds a warning hint; localhost does not', async () => {
		const hintsFor = async (baseUrl: string) => {
			const ctx = contextFor(mock, balanceParameters, { credentials: { apiKey: DEFAULT_KEY, baseUrl }, continueOnFail: true });
			const hints: unknown[] = [];
			ctx.addExecutionHints = (...added) => void hints.push(...added);
			await run(ctx);
			return hints;
		};
		expect(await hintsFor(mock.baseUrl)).toEqual([]);
		expect(await hintsFor(mock.baseUrl.replace('127.0.0.1', 'localhost'))).toEqual([]);
		const hints = await hintsFor('http://tl-proxy.invalid');
		expect(hints).toEqual([
			expect.objectContaining({ type: 'warning', message: expect.stringMatching(/http:\/\/tl-proxy\.invalid.*not encrypted/) }),
		]);
	});
});

describe('a wrong key says "fix the API key"', () => {
	it('the credential Test button shows our message for HTTP 401 and 403 too', async () => {
		// What n8n's credential tester does: the test request through the credential, then the
		// responseSuccessBody rule on what came back. A request that throws on 401/403 never gets there.
		const credential = new TrafficLightApi();
		const { request } = credential.test;
		const rule = credential.test.rules?.find((r) => r.type === 'responseSuccessBody');
		if (rule?.type !== 'responseSuccessBody') throw new Error('expected a responseSuccessBody rule');
		for (const status of [401, 403]) {
			mock.setMode({ kind: 'unauthorized', status, route: 'feed' });
			const ctx = contextFor(mock, {});
			(await ctx.getCredentials('trafficLightApi')).apiKey = 'wrong-key-123';
			const body = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, 'trafficLightApi', {
				method: request.method,
				url: `${mock.baseUrl}${request.url}`,
				qs: request.qs,
				ignoreHttpStatusErrors: request.ignoreHttpStatusErrors,
				json: true,
			})) as IDataObject;
			expect(body[rule.properties.key] === rule.properties.value ? rule.properties.message : 'OK').toMatch(
				/^Traffic Light did not accept this API key/,
			);
		}
	});

	it.each([
		['an errmsg', { kind: 'normal' as const }],
		['HTTP 401', { kind: 'unauthorized' as const, status: 401, route: 'all' as const }],
		['HTTP 403', { kind: 'unauthorized' as const, status: 403, route: 'all' as const }],
	])('the duplicate check refused for the key (%s): fix the key, not "run again"', async (_what, mode) => {
		mock.setMode(mode);
		const ctx = contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-1' } }));
		(await ctx.getCredentials('trafficLightApi')).apiKey = 'wrong-key-123';
		const error = await runExpectingError(ctx);
		expect(error.description).toMatch(/fix the API key/i);
		expect(error.description).not.toMatch(/run the workflow again|Skip Duplicates off/);
		expect(sends()).toHaveLength(0);
	});

	it('a send answered 401 is a key problem, not retried and not an unknown outcome', async () => {
		mock.setMode({ kind: 'unauthorized', status: 401 });
		const ctx = contextFor(mock, sendParameters({ options: { retryAttempts: 3 } }));
		(await ctx.getCredentials('trafficLightApi')).apiKey = 'wrong-key-123';
		const error = await runExpectingError(ctx);
		expect(error.message).toBe('Traffic Light did not accept the API key (HTTP 401)');
		expect(error.description).toMatch(/API key.*The lead was not created/);
		expect(sends()).toHaveLength(1);
		expect(sleepMock).not.toHaveBeenCalled();
	});
});
