import { Readable } from 'node:stream';

import { fixForErrmsg, isKnownErrmsg } from '../../nodes/TrafficLight/leadRules/errmsgFixes';
import { checkBaseUrl } from '../../nodes/TrafficLight/transport/baseUrl';
import { readBounded } from '../../nodes/TrafficLight/transport/boundedBody';
import { parseAnswer, TOO_DEEP } from '../../nodes/TrafficLight/transport/answerJson';
import { secretMasker } from '../../nodes/TrafficLight/transport/secretMask';
import { retryDelayMs } from '../../nodes/TrafficLight/transport/request';
import { classifyAnswer } from '../../nodes/TrafficLight/transport/answer';
import { classifyThrown, retryAfterMs } from '../../nodes/TrafficLight/transport/failures';
import { toQueryString } from '../../nodes/TrafficLight/transport/request';
import { ERRMSG } from '../../scripts/lib/trafficLightMock';

describe('classifyAnswer: the body decides, whatever the status', () => {
	it('JSON with an id is a success', async () => {
		expect(await classifyAnswer(200, '{"id": 42}')).toEqual({ ok: true, statusCode: 200, body: { id: 42 } });
	});

	it.each([200, 400, 500])('errmsg with HTTP %i is a refusal that proves nothing was created', async (status) => {
		expect(await classifyAnswer(status, '{"errmsg":"offer not found"}')).toEqual({
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
		const result = await classifyAnswer(status, '<html>oops</html>');
		expect(result).toMatchObject({ ok: false, failure: { kind: 'http', statusCode: status, notDelivered } });
	});

	it('a 200 that is not JSON may hide a stored lead', async () => {
		expect(await classifyAnswer(200, '<html><body>Maintenance</body></html>')).toMatchObject({
			ok: false,
			failure: { kind: 'nonJson', notDelivered: false, detail: '<html><body>Maintenance</body></html>' },
		});
		expect(await classifyAnswer(200, '')).toMatchObject({ ok: false, failure: { kind: 'nonJson', detail: 'an empty body' } });
		expect(await classifyAnswer(200, '[1,2]')).toMatchObject({ ok: false, failure: { kind: 'nonJson' } });
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
		const fixes = Object.values(ERRMSG).map((message) => {
			expect(isKnownErrmsg(message)).toBe(true);
			return fixForErrmsg(message);
		});
		expect(new Set(fixes).size).toBe(8);
		expect(fixForErrmsg('offer not found')).toMatch(/Offer ID is wrong, or the offer has no geo/);
	});

	it('points a key problem at the credential and anything else at the message', () => {
		expect(fixForErrmsg('incorrect api key')).toMatch(/API key/);
		expect(fixForErrmsg('Access denied')).toMatch(/API key/);
		expect(fixForErrmsg('something new')).toMatch(/refused the request with this message/);
	});
});

it('toQueryString sends arrays the way PHP reads them', () => {
	expect(toQueryString({ 'id2': ['a b', 'c'], key: 'k' })).toBe('id2%5B%5D=a+b&id2%5B%5D=c&key=k');
});

describe('answers that cannot be trusted', () => {
	it.each([401, 403])('HTTP %i without errmsg is a refused key, proven not delivered', async (status) => {
		expect(await classifyAnswer(status, '<html>Unauthorized</html>')).toEqual({
			ok: false,
			failure: { kind: 'keyRejected', notDelivered: true, statusCode: status, detail: `HTTP ${status}` },
		});
	});

	it('masks the key in errmsg, in the parsed body and in a non-JSON preview, and bounds the errmsg', async () => {
		const mask = secretMasker('s3cret');
		expect(await classifyAnswer(200, '{"errmsg":"bad key s3cret"}', mask)).toMatchObject({ failure: { errmsg: 'bad key ***' } });
		expect(await classifyAnswer(200, '{"id":1,"note":{"k":["s3cret"]}}', mask)).toMatchObject({ body: { id: 1, note: { k: ['***'] } } });
		expect(await classifyAnswer(200, '<p>key=s3cret</p>', mask)).toMatchObject({ failure: { detail: '<p>key=***</p>' } });
		const long = await classifyAnswer(200, JSON.stringify({ errmsg: 'x'.repeat(5000) }));
		expect(long.ok === false && long.failure.kind === 'errmsg' && long.failure.errmsg).toBe(`${'x'.repeat(300)}…`);
	});

	it('a deeply nested answer is cut, not walked to a stack overflow', async () => {
		const deep = await parseAnswer(`${'['.repeat(100_000)}"s3cret"${']'.repeat(100_000)}`, secretMasker('s3cret'));
		expect(JSON.stringify(deep)).toContain(TOO_DEEP);
		expect(JSON.stringify(deep)).not.toContain('s3cret');
	});

	it('a cancelled execution does not wait for a long answer to be read to its end', async () => {
		const feed = `{"leads":[${'{"id":1},'.repeat(150_000)}{"id":1}]}`;
		const cancel = new AbortController();
		setImmediate(() => cancel.abort());
		await expect(classifyAnswer(200, feed, secretMasker(''), cancel.signal)).rejects.toMatchObject({ name: 'AbortError' });
	});

	it('readBounded stops at the cap and reads what fits', async () => {
		const never = new AbortController().signal;
		const big = Readable.from([Buffer.alloc(600), Buffer.alloc(600)]);
		expect(await readBounded(big, 1000, never)).toEqual({ ok: false, tooLarge: true });
		expect(big.destroyed).toBe(true);
		expect(await readBounded(Readable.from([Buffer.from('{"id":'), Buffer.from('1}')]), 1000, never)).toEqual({ ok: true, text: '{"id":1}' });
		// A Content-Length above the cap is refused before reading.
		const announced = Readable.from([Buffer.from('{}')]);
		expect(await readBounded(announced, 1000, never, 5000)).toEqual({ ok: false, tooLarge: true });
	});

	it('readBounded throws when the signal aborts mid-answer', async () => {
		const controller = new AbortController();
		const slow = new Readable({ read() {} });
		slow.push('{"id":');
		const reading = readBounded(slow, 1000, controller.signal);
		controller.abort();
		await expect(reading).rejects.toThrow(/aborted/);
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
		expect(checkBaseUrl(value)).toEqual({ ok: true, baseUrl, unencrypted });
	});

	it.each([
		['https://api.cpa.tl?', /query/],
		['https://api.cpa.tl/#', /fragment/],
		['https://user:pw@api.cpa.tl', /user name or password/],
		['javascript:alert(1)', /must start with https/],
		['://x', /not a valid URL/],
	])('%j is refused', (value, problem) => {
		const checked = checkBaseUrl(value);
		expect(checked.ok).toBe(false);
		expect(checked.ok === false && checked.problem).toMatch(problem);
	});

	it('does not echo the password of a Base URL refused for holding one', () => {
		const checked = checkBaseUrl('https://user:s3cret-pw@api.cpa.tl/x');
		expect(checked).toEqual({ ok: false, value: 'https://***@api.cpa.tl/x', problem: 'must not contain a user name or password' });
	});
});

describe('Retry-After and the wait before a retry', () => {
	const now = Date.parse('2026-12-01T10:00:00Z');
	it.each([
		['5', 5000],
		['Tue, 01 Dec 2026 10:00:30 GMT', 30000],
		// No wait in the future: the node's own back-off applies instead of an instant retry.
		[' 0 ', undefined],
		['-5', undefined],
		['1.5', undefined],
		['Tue, 01 Dec 2026 09:59:00 GMT', undefined],
		['soon', undefined],
		['', undefined],
		[undefined, undefined],
	])('Retry-After %j → %s ms', (header, ms) => {
		expect(retryAfterMs(header, now)).toBe(ms);
	});

	const refused = (retryAfter?: number) =>
		({ kind: 'http', notDelivered: true, statusCode: 429, detail: 'HTTP 429', retryAfterMs: retryAfter }) as const;
	it('waits what Retry-After asks, at most a minute and at most the Timeout; without it 1 s, 2 s, 4 s, … 8 s', () => {
		expect(retryDelayMs(1, refused(3000), 30000)).toBe(3000);
		expect(retryDelayMs(1, refused(3_600_000), 300_000)).toBe(60_000);
		expect(retryDelayMs(1, refused(20_000), 10_000)).toBe(10_000);
		expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, refused(), 30000))).toEqual([1000, 2000, 4000, 8000, 8000]);
	});
});
