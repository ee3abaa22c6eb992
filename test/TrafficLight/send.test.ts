import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';

import { KNOWN_GUESSES } from '../../scripts/lib/trafficLightMock';
import { contextFor, DEFAULT_KEY, items, run, runExpectingError, sendParameters, TrafficLightMock } from './fixtures';

// Waits (retry backoff, feed checks) are recorded instead of slept, so the
// branches run in milliseconds and the tests can assert the schedule.
jest.mock('n8n-workflow', () => ({
	...jest.requireActual('n8n-workflow'),
	sleep: jest.fn(async () => undefined),
}));
const sleepMock = sleep as jest.MockedFunction<typeof sleep>;

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
	sleepMock.mockClear();
});
afterEach(async () => {
	await mock.stop();
});

const sends = () => mock.requestsTo('send');
const feeds = () => mock.requestsTo('feed');

describe('Lead → Send: the request', () => {
	it('posts every field form-encoded with the key in the body and nothing secret in the URL', async () => {
		const out = await run(
			contextFor(
				mock,
				sendParameters({
					phone: '8 (999) 123-45-67',
					additionalFields: {
						leadId: 'klx-appointment-42',
						name: 'Анна Иванова',
						comments: 'Маникюр & педикюр, 2026-12-01 10:30',
						streamId: 'EZyFO7Wb',
						utmSource: 'klientiks',
						sub1: 'a=b&c',
					},
				}),
			),
		);
		expect(sends()).toHaveLength(1);
		const [request] = sends();
		expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
		expect(request.url).toBe('/api/lead/send');
		expect(request.url).not.toContain(DEFAULT_KEY);
		expect(request.form).toEqual({
			key: DEFAULT_KEY,
			offer_id: '1234',
			phone: '8 (999) 123-45-67',
			country: 'RU',
			id: 'klx-appointment-42',
			name: 'Анна Иванова',
			comments: 'Маникюр & педикюр, 2026-12-01 10:30',
			stream_hid: 'EZyFO7Wb',
			utm_source: 'klientiks',
			sub1: 'a=b&c',
			ip_address: '0.0.0.0',
			tz: '3',
			web_id: '0',
		});
		expect(out).toHaveLength(1);
		expect(out[0].pairedItem).toEqual({ item: 0 });
		expect(out[0].json).toMatchObject({
			trafficLightId: mock.leads[0].id,
			leadId: 'klx-appointment-42',
			duplicate: false,
			confirmedByFeed: false,
			attempts: 1,
		});
		expect(out[0].json.sent).toEqual({ ...request.form, key: undefined });
		expect(JSON.stringify(out)).not.toContain(DEFAULT_KEY);
	});

	it('validates before any request and names the field', async () => {
		const error = await runExpectingError(contextFor(mock, sendParameters({ country: 'Россия' })));
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('Country "Россия" is not an ISO 3166-1 code — nothing was sent');
		expect(error.description).toMatch(/two letters .* \(field: Country\)/);
		expect((error.context as { itemIndex: number }).itemIndex).toBe(0);
		expect(mock.requests).toHaveLength(0);
	});

	it('reads per-item values (expressions) and keeps output order = input order', async () => {
		const out = await run(
			contextFor(mock, sendParameters({ phone: (i: number) => `+7999000000${i}` }), { items: items(7) }),
		);
		expect(out.map((o) => o.pairedItem)).toEqual(items(7).map((_, i) => ({ item: i })));
		expect(out.map((o) => (o.json.sent as Record<string, string>).phone)).toEqual(
			items(7).map((_, i) => `+7999000000${i}`),
		);
		expect(mock.leads).toHaveLength(7);
	});
});

describe('Lead → Send: Traffic Light refuses the lead (errmsg)', () => {
	it.each([
		['offer not found', /Offer ID is wrong, or the offer has no geo for the Country/],
		['incorrect customer phone', /could not read the phone number/],
		['customer name too long', /Name is longer than Traffic Light accepts/],
		['country is a required field', /Country arrived empty/],
		['incorrect IP-address', /IP Address is not valid/],
		['incorrect country code; should be ISO2 or ISO3 format', /two-letter \(RU\) or three-letter/],
		['customer phone is a required field', /Phone arrived empty/],
		['incorrect timezone', /Time Zone must be a whole number/],
	])('"%s" → NodeApiError with the message and its fix, no retry', async (errmsg, fix) => {
		mock.setMode({ kind: 'errmsg', errmsg, status: 200 });
		const error = await runExpectingError(contextFor(mock, sendParameters()));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(`Traffic Light rejected the lead: ${errmsg}`);
		expect(error.description).toMatch(fix);
		expect(error.description).toMatch(/The lead was not created/);
		expect(sends()).toHaveLength(1);
		expect(sleepMock).not.toHaveBeenCalled();
	});

	it('a wrong key is explained as a credential problem and the key is not echoed', async () => {
		const ctx = contextFor(mock, sendParameters());
		(await ctx.getCredentials('trafficLightApi')).apiKey = 'wrong-key-123';
		const error = await runExpectingError(ctx);
		expect(error.message).toBe(`Traffic Light rejected the lead: ${KNOWN_GUESSES.badKeyErrmsg}`);
		expect(error.description).toMatch(/paste the key again/);
		expect(JSON.stringify(error)).not.toContain('wrong-key-123');
	});

	it('real validation in the mock: an offer without this geo', async () => {
		await mock.stop();
		mock = await new TrafficLightMock({ offers: { '1234': ['KZ'] } }).start();
		const error = await runExpectingError(contextFor(mock, sendParameters()));
		expect(error.message).toBe('Traffic Light rejected the lead: offer not found');
		expect(error.httpCode).toBe('200');
	});
});

describe('Lead → Send: failures that prove nothing arrived are retried', () => {
	it('HTTP 503 twice, then success: three attempts, 1 s and 2 s apart, one lead', async () => {
		mock.setMode({ kind: 'http5xx', status: 503, times: 2 });
		const out = await run(contextFor(mock, sendParameters()));
		expect(out[0].json).toMatchObject({ attempts: 3, duplicate: false });
		expect(sends()).toHaveLength(3);
		expect(mock.leads).toHaveLength(1);
		expect(sleepMock.mock.calls).toEqual([[1000], [2000]]);
	});

	it.each([0, -5, 1.5])('a Retry-After of %j asks for no real wait: the node backs off 1 s as without one', async (seconds) => {
		mock.setMode({ kind: 'rateLimited', maxInFlight: 0, retryAfterSeconds: seconds, times: 1 });
		const out = await run(contextFor(mock, sendParameters()));
		expect(out[0].json).toMatchObject({ attempts: 2, duplicate: false });
		expect(sleepMock.mock.calls).toEqual([[1000]]);
	});

	it('HTTP 429 is retried too', async () => {
		mock.setMode({ kind: 'http5xx', status: 429, times: 1 });
		const out = await run(contextFor(mock, sendParameters()));
		expect(out[0].json.attempts).toBe(2);
	});

	it('connection refused until the server is back: exactly one lead', async () => {
		const port = mock.port;
		await mock.stop();
		sleepMock.mockImplementationOnce(async () => {
			await mock.start(port);
		});
		const out = await run(contextFor(mock, sendParameters()));
		expect(out[0].json).toMatchObject({ attempts: 2, trafficLightId: mock.leads[0].id });
		expect(mock.leads).toHaveLength(1);
	});

	it('with a Lead ID the duplicate check waits for the server the same way, then one lead is sent', async () => {
		const port = mock.port;
		await mock.stop();
		sleepMock.mockImplementationOnce(async () => {
			await mock.start(port);
		});
		const out = await run(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-client-1' } })));
		expect(out[0].json).toMatchObject({ attempts: 1, duplicate: false, trafficLightId: mock.leads[0].id });
		expect(feeds()).toHaveLength(1);
		expect(mock.leads).toHaveLength(1);
		expect(sleepMock.mock.calls).toEqual([[1000]]);
	});

	it('connection refused for good: fails after Retry Attempts + 1 tries, says nothing was delivered', async () => {
		const ctx = contextFor(mock, sendParameters({ options: { retryAttempts: 2 } }));
		await mock.stop();
		const error = await runExpectingError(ctx);
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe('Could not connect to Traffic Light (connection refused)');
		expect(error.description).toMatch(/not delivered \(tried 3 times\); sending it again is safe/);
		expect(error.description).toMatch(/Base URL/);
		expect(sleepMock.mock.calls).toEqual([[1000], [2000]]);
	});

	it('host not found is reported as such, and retried like a refused connection (nothing was sent)', async () => {
		const ctx = contextFor(mock, sendParameters({ options: { retryAttempts: 1 } }), {
			credentials: { apiKey: DEFAULT_KEY, baseUrl: 'http://no-such-host.invalid' },
		});
		const error = await runExpectingError(ctx);
		expect(error.message).toBe('Could not connect to Traffic Light (host name not found)');
		expect(error.description).toMatch(/not delivered \(tried 2 times\); sending it again is safe/);
		expect(sleepMock.mock.calls).toEqual([[1000]]);
	});
});

describe('Lead → Send: unknown outcomes are never resent', () => {
	it('timeout without a Lead ID: one attempt, error says a retry may duplicate', async () => {
		mock.setMode({ kind: 'hang' });
		const error = await runExpectingError(contextFor(mock, sendParameters({ options: { timeout: 0.3 } })));
		expect(error.message).toBe('Traffic Light did not answer within 0.3 s');
		expect(error.description).toMatch(/may or may not have reached Traffic Light.*without a Lead ID/);
		expect(sends()).toHaveLength(1);
		expect(feeds()).toHaveLength(0);
	});

	it('timeout after the lead was stored, with a Lead ID: confirmed from the feed', async () => {
		mock.setMode({ kind: 'recordThenHang' });
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-appointment-7' }, options: { timeout: 0.3 } })),
		);
		expect(out[0].json).toMatchObject({
			trafficLightId: mock.leads[0].id,
			leadId: 'klx-appointment-7',
			confirmedByFeed: true,
			recoveredFrom: 'timeout',
		});
		expect(sends()).toHaveLength(1);
		expect(mock.leads).toHaveLength(1);
		expect(sleepMock.mock.calls).toEqual([[1000]]);
	});

	it('timeout, the feed lists the Lead ID under an id that is no id (0): delivered, never "safe to resend"', async () => {
		mock.setMode({ kind: 'recordThenHang' });
		mock.nextLeadId = 0;
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-appointment-8' }, options: { timeout: 0.3 } })),
		);
		expect(out[0].json).toMatchObject({ trafficLightId: null, leadId: 'klx-appointment-8', confirmedByFeed: true, recoveredFrom: 'timeout' });
		expect(sends()).toHaveLength(1);
		expect(feeds()).toHaveLength(2);
	});

	it('connection dropped after the lead was stored: confirmed from the feed', async () => {
		mock.setMode({ kind: 'recordThenDrop' });
		const out = await run(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-client-9' } })));
		expect(out[0].json).toMatchObject({ confirmedByFeed: true, recoveredFrom: 'connectionLost' });
		expect(mock.leads).toHaveLength(1);
	});

	it('timeout, lead not in the feed after three checks: not delivered, retry is safe', async () => {
		mock.setMode({ kind: 'hang' });
		const error = await runExpectingError(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-x' }, options: { timeout: 0.3 } })),
		);
		expect(error.message).toBe('Traffic Light did not answer within 0.3 s');
		expect(error.description).toMatch(/there is no such lead\. The lead was not delivered, and sending it again is safe/);
		expect(sends()).toHaveLength(1);
		expect(sleepMock.mock.calls).toEqual([[1000], [2000], [4000]]);
	});

	it('timeout and the feed is down as well: still unknown, names the Lead ID to check', async () => {
		mock.setMode({ kind: 'hang', route: 'all' });
		const error = await runExpectingError(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-y' }, options: { timeout: 0.3, skipDuplicates: false } })),
		);
		expect(error.description).toMatch(/may or may not have reached Traffic Light/);
		expect(error.description).toMatch(/Get Status by Lead ID "klx-y"/);
		expect(sends()).toHaveLength(1);
	});

	it.each([
		[500, 'Traffic Light answered HTTP 500'],
		[502, 'Traffic Light answered HTTP 502'],
		[504, 'Traffic Light answered HTTP 504'],
	])('HTTP %i is not resent; the feed decides', async (status, message) => {
		mock.setMode({ kind: 'http5xx', status });
		const error = await runExpectingError(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-z' } })));
		expect(error.message).toBe(message);
		expect(error.httpCode).toBe(String(status));
		expect(error.description).toMatch(/there is no such lead/);
		expect(sends()).toHaveLength(1);
	});

	it('a non-JSON answer says so and quotes its beginning', async () => {
		mock.setMode({ kind: 'nonJson' });
		const error = await runExpectingError(contextFor(mock, sendParameters()));
		expect(error.message).toBe('Traffic Light answered with something that is not a JSON object (HTTP 200)');
		expect(error.description).toMatch(/may or may not have reached/);
		expect(sends()).toHaveLength(1);
	});
});

describe('Lead → Send: duplicates', () => {
	it('skips a Lead ID Traffic Light already has, with its id and status, without sending', async () => {
		await run(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-appointment-1' } })));
		mock.setLeadStatus(mock.leads[0].id, 'confirmed');
		const out = await run(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-appointment-1' } })));
		expect(out[0].json).toMatchObject({
			duplicate: true,
			duplicateOf: 'trafficLight',
			trafficLightId: mock.leads[0].id,
			status: 'confirmed',
			leadId: 'klx-appointment-1',
		});
		expect(sends()).toHaveLength(1);
		expect(mock.leads).toHaveLength(1);
	});

	it('looks all Lead IDs of a run up in one feed request', async () => {
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: `klx-client-${i}` }) }), {
				items: items(5),
			}),
		);
		expect(feeds()).toHaveLength(1);
		expect(feeds()[0].query['id2[]']).toEqual(['klx-client-0', 'klx-client-1', 'klx-client-2', 'klx-client-3', 'klx-client-4']);
		expect(out.every((o) => o.json.duplicate === false)).toBe(true);
		expect(sends()).toHaveLength(5);
	});

	it('batches more than 50 Lead IDs into requests of 50', async () => {
		await run(
			contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: `id-${i}` }), options: { concurrency: 20 } }), {
				items: items(120),
			}),
		);
		const asked = feeds().map((r) => r.query['id2[]'] as string[]);
		expect(asked.flat()).toEqual(items(120).map((_, i) => `id-${i}`));
		// The first window is as large as Concurrency, so that the first leads leave early.
		expect(asked.map((ids) => ids.length)).toEqual([20, 50, 50]);
		expect(mock.leads).toHaveLength(120);
	});

	it('sends the first leads before reading the parameters of the later items', async () => {
		let lastRead = -1;
		let readWhenFirstSent = -1;
		mock.onRequest((record) => {
			if (record.path === '/api/lead/send' && readWhenFirstSent < 0) readWhenFirstSent = lastRead;
		});
		const leadId = (i: number) => {
			lastRead = Math.max(lastRead, i);
			return { leadId: `id-${i}` };
		};
		await run(contextFor(mock, sendParameters({ additionalFields: leadId }), { items: items(200) }));
		expect(readWhenFirstSent).toBeLessThan(5 + 50);
		expect(mock.leads).toHaveLength(200);
	});

	it('a failed look-up holds back its items and the rest of the run, without asking the feed again; earlier leads are sent', async () => {
		mock.onRequest((record) => {
			// The second look-up (it is not recorded yet: one before it) and every later one fail.
			if (record.path === '/api/lead/feed' && feeds().length === 1) mock.setMode({ kind: 'http5xx', status: 500, route: 'feed' });
		});
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: `id-${i}` }), options: { retryAttempts: 0 } }), {
				items: items(120),
				continueOnFail: true,
			}),
		);
		expect(out.slice(0, 5).every((o) => o.json.duplicate === false)).toBe(true);
		expect(out.slice(5).map((o) => o.json.error)).toEqual(
			items(115).map((_, i) => `Traffic Light answered HTTP 500 while checking Lead ID "id-${i + 5}" for duplicates — nothing was sent`),
		);
		// Every error item has one shape: error, Lead ID and outcome.
		expect(out[5].json).toMatchObject({ leadId: 'id-5', outcome: 'duplicateCheckFailed' });
		expect(mock.leads.map((l) => l.id2)).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
		// The first window's look-up, the failed one, and at most the one read ahead while it was under way.
		expect(feeds().length).toBeLessThanOrEqual(3);
	});

	it('the same Lead ID in a later window is a duplicate of this run, not of the feed, and is not looked up again', async () => {
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: i === 70 ? 'id-1' : `id-${i}` }) }), {
				items: items(80),
			}),
		);
		expect(out[70].json).toMatchObject({ duplicate: true, duplicateOf: 'thisRun', trafficLightId: out[1].json.trafficLightId });
		expect(feeds().flatMap((r) => r.query['id2[]']).filter((id) => id === 'id-1')).toHaveLength(1);
		expect(mock.leads).toHaveLength(79);
	});

	it('two items with the same Lead ID in one run: one send, the second marked duplicate', async () => {
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-appointment-5' }, options: { concurrency: 5 } }), {
				items: items(2),
			}),
		);
		expect(sends()).toHaveLength(1);
		expect(out[0].json).toMatchObject({ duplicate: false, trafficLightId: mock.leads[0].id });
		expect(out[1].json).toMatchObject({ duplicate: true, duplicateOf: 'thisRun', trafficLightId: mock.leads[0].id });
		expect(out[1].pairedItem).toEqual({ item: 1 });
	});

	it('same Lead ID, the first send has an unknown outcome: the second is held back, not sent', async () => {
		mock.setMode({ kind: 'hang' });
		mock.onRequest((record) => {
			// After the first send (which hangs), the feed fails too: the first item's outcome stays unknown.
			if (record.path === '/api/lead/send') queueMicrotask(() => mock.setMode({ kind: 'http5xx', status: 500, route: 'feed' }));
		});
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-appointment-6' }, options: { timeout: 0.3 } }), {
				items: items(2),
				continueOnFail: true,
			}),
		);
		expect(sends()).toHaveLength(1);
		expect(out[0].json).toMatchObject({ leadId: 'klx-appointment-6', outcome: 'stillUnknown' });
		expect(out[1].error).toBeInstanceOf(NodeOperationError);
		expect(out[1].json).toMatchObject({ leadId: 'klx-appointment-6', outcome: 'heldBack' });
		expect(out[1].json.error).toBe(
			'Lead ID "klx-appointment-6" was held back: item 0 of this run sent the same Lead ID and its outcome is unknown — nothing was sent for this item',
		);
		expect((out[1].error?.context as { itemIndex: number }).itemIndex).toBe(1);
		expect(out[1].pairedItem).toEqual({ item: 1 });
	});

	it('same Lead ID, the first send was rejected: the second is sent (nothing reached Traffic Light)', async () => {
		mock.setMode({ kind: 'errmsg', errmsg: 'incorrect customer phone', times: 1 });
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-appointment-7' } }), {
				items: items(2),
				continueOnFail: true,
			}),
		);
		expect(sends()).toHaveLength(2);
		expect(out[0].json).toMatchObject({ outcome: 'rejected' });
		expect(out[1].json).toMatchObject({ duplicate: false, trafficLightId: mock.leads[0].id, leadId: 'klx-appointment-7' });
		expect(mock.leads).toHaveLength(1);
	});

	it('Skip Duplicates off sends every item', async () => {
		await run(
			contextFor(mock, sendParameters({ additionalFields: { leadId: 'same' }, options: { skipDuplicates: false } }), {
				items: items(2),
			}),
		);
		expect(feeds()).toHaveLength(0);
		expect(mock.leads).toHaveLength(2);
	});

	it('items without a Lead ID are sent without a feed look-up', async () => {
		await run(contextFor(mock, sendParameters(), { items: items(2) }));
		expect(feeds()).toHaveLength(0);
		expect(mock.leads).toHaveLength(2);
	});

	it('when the duplicate check cannot read the feed, the lead is held back, not sent blindly', async () => {
		mock.setMode({ kind: 'http5xx', status: 500, route: 'feed' });
		const error = await runExpectingError(contextFor(mock, sendParameters({ additionalFields: { leadId: 'klx-1' } })));
		expect(error.message).toBe('Traffic Light answered HTTP 500 while checking Lead ID "klx-1" for duplicates — nothing was sent');
		expect(error.description).toMatch(/the lead was held back instead of risking a duplicate\. Sending it again is safe/);
		expect(sends()).toHaveLength(0);
	});
});

describe('Lead → Send: many items, failures and concurrency', () => {
	it('continueOnFail: failed items carry the error, the rest are sent, order and pairing kept', async () => {
		const phones = ['+79990000001', '', '+79990000003', 'no digits', '+79990000005'];
		const out = await run(
			contextFor(mock, sendParameters({ phone: (i: number) => phones[i] }), { items: items(5), continueOnFail: true }),
		);
		expect(out).toHaveLength(5);
		expect(out.map((o) => o.pairedItem)).toEqual([0, 1, 2, 3, 4].map((item) => ({ item })));
		expect(out[1].json).toEqual({ error: 'Phone is empty — nothing was sent', outcome: 'invalid' });
		expect(out[1].error).toBeInstanceOf(NodeOperationError);
		expect(out[3].json.error).toBe('Phone "no digits" contains no digits — nothing was sent');
		expect([0, 2, 4].map((i) => out[i].json.duplicate)).toEqual([false, false, false]);
		expect(mock.leads.map((l) => l.fields.phone).sort()).toEqual(['+79990000001', '+79990000003', '+79990000005']);
	});

	it('continueOnFail with an API error: the error item says what happened', async () => {
		mock.setMode({ kind: 'errmsg', errmsg: 'incorrect customer phone', times: 1 });
		const out = await run(contextFor(mock, sendParameters({ options: { concurrency: 1 } }), { items: items(2), continueOnFail: true }));
		expect(out[0].json).toMatchObject({ error: 'Traffic Light rejected the lead: incorrect customer phone', outcome: 'rejected' });
		expect(out[0].error).toBeInstanceOf(NodeApiError);
		expect(out[1].json.duplicate).toBe(false);
	});

	it('without continueOnFail the first failure stops the run and no later lead is started', async () => {
		const phones = ['+79990000001', '', '+79990000003'];
		const error = await runExpectingError(
			contextFor(mock, sendParameters({ phone: (i: number) => phones[i], options: { concurrency: 1 } }), { items: items(3) }),
		);
		expect(error.message).toBe('Phone is empty — nothing was sent');
		expect((error.context as { itemIndex: number }).itemIndex).toBe(1);
		expect(error.description).toMatch(/1 other lead\(s\) of this run reached Traffic Light/);
		expect(mock.leads).toHaveLength(1);
	});

	it('reads a window of 50 items in chunks of 10, yielding to the event loop in between', async () => {
		// Reading an item costs n8n its expressions; 50 at once would stall the answers of the leads on the wire.
		const out = await run(
			contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: `klx-${i}` }), options: { concurrency: 10 } }), {
				items: items(60),
			}),
		);
		expect(out).toHaveLength(60);
		// One turn before the second window (items 10–59), then one after each 10 of its items.
		expect(sleepMock.mock.calls.filter(([ms]) => ms === 0)).toHaveLength(1 + 4);
	});

	it('never has more requests in flight than Concurrency', async () => {
		mock.setMode({ kind: 'slow', delayMs: 60 });
		let inFlight = 0;
		let peak = 0;
		mock.onRequest((_record, res) => {
			inFlight++;
			peak = Math.max(peak, inFlight);
			res.on('finish', () => inFlight--);
		});
		const out = await run(contextFor(mock, sendParameters({ options: { concurrency: 4 } }), { items: items(16) }));
		expect(peak).toBe(4);
		expect(out.map((o) => o.pairedItem)).toEqual(items(16).map((_, i) => ({ item: i })));
		expect(mock.leads).toHaveLength(16);
	});

	it('reads the credential once per execution, not once per request', async () => {
		const ctx = contextFor(mock, sendParameters({ additionalFields: (i: number) => ({ leadId: `klx-${i}` }) }), { items: items(6) });
		await run(ctx);
		// 6 sends and 2 look-ups: the first window holds Concurrency (5) items.
		expect(mock.requests).toHaveLength(8);
		expect(ctx.credentialReads).toBe(1);
		expect(mock.requests.every((r) => (r.method === 'POST' ? r.form.key : r.query.key) === DEFAULT_KEY)).toBe(true);
	});

	it('the key appears in no output item and no error, whatever happens', async () => {
		mock.setMode({ kind: 'http5xx', status: 500, times: 1 });
		const out = await run(contextFor(mock, sendParameters({ options: { concurrency: 1 } }), { items: items(3), continueOnFail: true }));
		expect(out[0].error).toBeDefined();
		expect(JSON.stringify(out)).not.toContain(DEFAULT_KEY);
		expect(JSON.stringify(out[0].error)).not.toContain(DEFAULT_KEY);
		expect(JSON.stringify(out[0].error?.cause ?? null)).not.toContain(DEFAULT_KEY);
	});
});
