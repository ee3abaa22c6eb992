import { fixForErrmsg } from '../../nodes/TrafficLight/actions/nodeErrors';
import { callWithRetries, classifyThrown } from '../../nodes/shared/apiRequest';
import { MAX_RETRY_AFTER_MS } from '../../nodes/shared/waits';
import { checkBaseUrl, secretMasker } from '../../nodes/shared/outsideData';
import { DEFAULT_BASE_URL, classifyAnswer, SEND_PATH } from '../../nodes/TrafficLight/transport/trafficLightApi';
import { ERRMSG } from '../../scripts/lib/trafficLightMock';
import { answeringContext, instantRunAllowance, type Answer } from '../helpers/instantClock';

describe('classifyAnswer: the body decides, whatever the status', () => {
	it('JSON with an id is a success', async () => {
		expect(classifyAnswer(200, '{"id": 42}')).toEqual({ ok: true, statusCode: 200, body: { id: 42 } });
	});

	it.each([200, 400, 500])('errmsg with HTTP %i is a refusal that proves nothing was created', async (status) => {
		expect(classifyAnswer(status, '{"errmsg":"offer not found"}')).toEqual({
			ok: false,
			failure: { kind: 'errmsg', notDelivered: true, statusCode: status, errmsg: 'offer not found' },
		});
	});

	it.each([
		[429, true],
		[503, true],
		[500, false],
		[502, false],
		[504, false],
		[404, false],
	])('HTTP %i without errmsg: notDelivered = %s', async (status, notDelivered) => {
		const result = classifyAnswer(status, '<html>oops</html>');
		expect(result).toMatchObject({ ok: false, failure: { kind: 'http', statusCode: status, notDelivered } });
	});

	it('a 200 that is not JSON may hide a stored lead', async () => {
		expect(classifyAnswer(200, '<html><body>Maintenance</body></html>')).toMatchObject({
			ok: false,
			failure: { kind: 'notAnObject', notDelivered: false, detail: '<html><body>Maintenance</body></html>' },
		});
		expect(classifyAnswer(200, '')).toMatchObject({ ok: false, failure: { kind: 'notAnObject', detail: 'an empty body' } });
		expect(classifyAnswer(200, '[1,2]')).toMatchObject({ ok: false, failure: { kind: 'notAnObject' } });
	});
});

describe('classifyThrown: what a transport error says about the lead', () => {
	const wrapped = (code: string, message = 'x') => ({ message: 'wrapped', cause: Object.assign(new Error(message), { code }) });

	it.each([
		['ECONNREFUSED', 'refused', true],
		['ENOTFOUND', 'dns', true],
		['EAI_AGAIN', 'dns', true],
		['ECONNABORTED', 'timeout', false],
		['ETIMEDOUT', 'timeout', false],
		['ECONNRESET', 'connectionLost', false],
		['EPIPE', 'connectionLost', false],
		['ERR_CANCELED', 'cancelled', false],
		['EHOSTUNREACH', 'network', false],
	])('%s → %s (notDelivered %s)', (code, kind, notDelivered) => {
		expect(classifyThrown(wrapped(code))).toMatchObject({ kind, notDelivered });
	});

	// n8n 1.x: httpRequestWithAuthentication throws a NodeApiError with no cause; the
	// socket code is only in httpCode and the original message only in `messages`.
	it.each([
		['ECONNREFUSED', 'The service refused the connection - perhaps it is offline', 'connect ECONNREFUSED 127.0.0.1:9', 'refused'],
		['ECONNABORTED', 'The connection was aborted, perhaps the server is offline', 'timeout of 3000ms exceeded', 'timeout'],
		['ENOTFOUND', 'The connection cannot be established', 'getaddrinfo ENOTFOUND x.invalid', 'dns'],
		['ECONNRESET', 'The connection to the server was closed unexpectedly', 'socket hang up', 'connectionLost'],
	])('n8n 1.x wrapping with httpCode %s → %s', (httpCode, message, original, kind) => {
		const wrapped1x = { name: 'NodeApiError', httpCode, message, messages: [original], cause: undefined };
		expect(classifyThrown(wrapped1x)).toMatchObject({ kind });
	});

	it('recognises axios timeout and socket hang up messages without a code', () => {
		expect(classifyThrown(new Error('timeout of 1000ms exceeded'))).toMatchObject({ kind: 'timeout' });
		expect(classifyThrown(new Error('socket hang up'))).toMatchObject({ kind: 'connectionLost' });
	});
});

describe('errmsg table', () => {
	it('has a specific fix for each of the eight known messages', () => {
		const fixes = Object.values(ERRMSG).map((message) => fixForErrmsg(message));
		for (const fix of fixes) expect(fix).not.toMatch(/refused the request with this message|did not accept the API key/);
		expect(new Set(fixes).size).toBe(8);
		expect(fixForErrmsg('offer not found')).toMatch(/Offer ID is wrong, or the offer has no geo/);
	});

	it('points a key problem at the credential and anything else at the message', () => {
		expect(fixForErrmsg('incorrect api key')).toMatch(/API key/);
		expect(fixForErrmsg('Access denied')).toMatch(/API key/);
		expect(fixForErrmsg('something new')).toMatch(/refused the request with this message/);
	});
});

/** One call through the public retry loop, on an instant clock: what it asked to wait, and what it sent. */
async function callOn(answers: Answer[], options: { timeoutMs?: number; query?: Record<string, string | string[]>; retryAttempts?: number } = {}) {
	const { clock, run } = instantRunAllowance();
	const { ctx, requests } = answeringContext(answers);
	const connection = { baseUrl: 'http://tl.test', credentialType: 'trafficLightApi', credentials: {}, mask: secretMasker(''), classify: classifyAnswer, maxAnswerBytes: 1024, allowance: run } as never;
	const call = { method: 'GET', path: '/api/user/balance', timeoutMs: options.timeoutMs ?? 30_000, query: options.query } as const;
	const { result, attempts } = await callWithRetries.call(ctx, connection, call, options.retryAttempts ?? 1);
	return { result, attempts, asked: clock.asked, requests };
}
const BALANCE: Answer = { statusCode: 200, body: '{"balance":1}' };

it('a query sends arrays the way PHP reads them', async () => {
	const { requests } = await callOn([BALANCE], { query: { id2: ['a b', 'c'], key: 'k' } });
	expect(requests.map((r) => r.url)).toEqual(['http://tl.test/api/user/balance?id2%5B%5D=a+b&id2%5B%5D=c&key=k']);
});

describe('answers that cannot be trusted', () => {
	it.each([401, 403])('HTTP %i without errmsg is a refused key, proven not delivered', async (status) => {
		expect(classifyAnswer(status, '<html>Unauthorized</html>')).toEqual({
			ok: false,
			failure: { kind: 'keyRejected', notDelivered: true, statusCode: status, detail: `HTTP ${status}` },
		});
	});

	it('masks the key in errmsg, in the parsed body and in a non-JSON preview, and bounds the errmsg', async () => {
		const mask = secretMasker('s3cret');
		expect(classifyAnswer(200, '{"errmsg":"bad key s3cret"}', mask)).toMatchObject({ failure: { errmsg: 'bad key ***' } });
		expect(classifyAnswer(200, '{"id":1,"note":{"k":["s3cret"]}}', mask)).toMatchObject({ body: { id: 1, note: { k: ['***'] } } });
		expect(classifyAnswer(200, '<p>key=s3cret</p>', mask)).toMatchObject({ failure: { detail: '<p>key=***</p>' } });
		const long = classifyAnswer(200, JSON.stringify({ errmsg: 'x'.repeat(5000) }));
		expect(long.ok === false && long.failure.kind === 'errmsg' && long.failure.errmsg).toBe(`${'x'.repeat(300)}…`);
	});

	it('invalid JSON nested deeper than any real answer is never a delivered lead', () => {
		const send = { path: SEND_PATH };
		for (const depth of [21, 1000, 100_000]) {
			const nested = `{"id":5,"x":${'['.repeat(depth)}}`;
			expect(classifyAnswer(200, nested, secretMasker(''), send)).toMatchObject({ ok: false, failure: { kind: 'notAnObject', notDelivered: false } });
		}
		const valid = `{"id":5,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
		expect(classifyAnswer(200, valid, secretMasker(''), send).ok).toBe(false);
	});
});

describe('odd send answers: delivered only with a lead id, refused only with a non-empty errmsg', () => {
	const send = (text: string) => classifyAnswer(200, text, secretMasker(''), { path: SEND_PATH });
	it.each(['false', '0', '[]', '{}', 'null', '""', '"  "'])('{"id":5,"errmsg":%s} is delivered', (errmsg) => {
		expect(send(`{"id":5,"errmsg":${errmsg}}`)).toMatchObject({ ok: true, body: { id: 5 } });
	});
	it.each(['0', '-1', '5.5', '1e400', '""', '" "', `"${'9'.repeat(65)}"`, 'true', '[5]'])('{"id":%s} is an unknown outcome, never delivered', (id) => {
		expect(send(`{"id":${id}}`)).toMatchObject({ ok: false, failure: { kind: 'incomplete', notDelivered: false, missing: 'a lead id' } });
	});
	it.each(['5', '"tl-5"', '9007199254740991'])('{"id":%s} is delivered', (id) => {
		expect(send(`{"id":${id}}`).ok).toBe(true);
	});
	it('the landing kit\'s order_id counts the same way; a feed or balance answer needs no id', () => {
		expect(send('{"order_id":7}').ok).toBe(true);
		expect(send('{"order_id":0}').ok).toBe(false);
		expect(classifyAnswer(200, '{"balance":0}', secretMasker(''), { path: '/api/user/balance' }).ok).toBe(true);
	});
});

describe('checkBaseUrl', () => {
	it.each([
		['', 'https://api.cpa.tl', false],
		['https://api.cpa.tl/', 'https://api.cpa.tl', false],
		['https://proxy.example/tl//', 'https://proxy.example/tl', false],
		['http://localhost:8080', 'http://localhost:8080', false],
		['http://127.0.0.1:9', 'http://127.0.0.1:9', false],
		['http://[::1]:9', 'http://[::1]:9', false],
		['http://tl.example', 'http://tl.example', true],
	])('%j → %s (unencrypted: %s)', (value, baseUrl, unencrypted) => {
		expect(checkBaseUrl(value, DEFAULT_BASE_URL)).toEqual({ ok: true, baseUrl, unencrypted });
	});

	it.each([
		['https://api.cpa.tl?', /query/],
		['https://api.cpa.tl/#', /fragment/],
		['https://user:pw@api.cpa.tl', /user name or password/],
		['javascript:alert(1)', /must start with https/],
		['://x', /not a valid URL/],
	])('%j is refused', (value, problem) => {
		const checked = checkBaseUrl(value, DEFAULT_BASE_URL);
		expect(checked.ok).toBe(false);
		expect(checked.ok === false && checked.problem).toMatch(problem);
	});

	it('does not echo the password of a Base URL refused for holding one', () => {
		const checked = checkBaseUrl('https://user:s3cret-pw@api.cpa.tl/x', DEFAULT_BASE_URL);
		expect(checked).toEqual({ ok: false, value: 'https://***@api.cpa.tl/x', problem: 'must not contain a user name or password' });
	});
});

describe('Retry-After and the wait before a retry, as asked of the run\'s clock', () => {
	// The instant clock starts at 2026-12-01T10:00:00Z.
	it.each([
		['5', 5000],
		['Tue, 01 Dec 2026 10:00:30 GMT', 30000],
		// No wait in the future: the node's own back-off (1 s first) applies instead of an instant retry.
		[' 0 ', 1000],
		['-1', 1000],
		['1.5', 1000],
		['Tue, 01 Dec 2026 09:59:00 GMT', 1000],
		['junk', 1000],
		['', 1000],
		[undefined, 1000],
	])('a 429 with Retry-After %j waits %s ms, then sends again', async (header, ms) => {
		const refused: Answer = { statusCode: 429, headers: header === undefined ? {} : { 'retry-after': header } };
		const { result, attempts, asked } = await callOn([refused, BALANCE]);
		expect(asked).toEqual([ms]);
		expect(attempts).toBe(2);
		expect(result.ok).toBe(true);
	});

	it('a 503 asking for an hour waits at most MAX_RETRY_AFTER_MS, and at most the Timeout', async () => {
		const refused: Answer = { statusCode: 503, headers: { 'retry-after': '3600' } };
		expect((await callOn([refused, BALANCE], { timeoutMs: 300_000 })).asked).toEqual([MAX_RETRY_AFTER_MS]);
		expect((await callOn([refused, BALANCE], { timeoutMs: 10_000 })).asked).toEqual([10_000]);
		expect((await callOn([{ statusCode: 429, headers: { 'retry-after': '20' } }, BALANCE], { timeoutMs: 10_000 })).asked).toEqual([10_000]);
	});

	it('without Retry-After the back-off doubles from 1 s and stays at 8 s; no wait after the last attempt', async () => {
		const { result, attempts, asked } = await callOn([{ statusCode: 500, body: 'oops' }], { retryAttempts: 5 });
		expect(asked).toEqual([1000, 2000, 4000, 8000, 8000]);
		expect(attempts).toBe(6);
		expect(result).toMatchObject({ ok: false, failure: { kind: 'http', statusCode: 500 } });
	});
});
