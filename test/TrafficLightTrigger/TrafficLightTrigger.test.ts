import fc from 'fast-check';
import type { INodeProperties } from 'n8n-workflow';

import { TrafficLightTrigger } from '../../nodes/TrafficLightTrigger/TrafficLightTrigger.node';
import { propertyRuns } from '../shared/propertyRuns';
import { callTrigger, type FakeCall } from '../shared/webhookContext';

// The property at the end tries 800 cases by default; PROPERTY_RUNS=full tries 5,000.

const trigger = new TrafficLightTrigger();
const SECRET = 'tl-pb-7c2d-secret';
const ALL = ['new', 'confirmed', 'hold', 'canceled', 'trash'];

function postback(query: string, options: Partial<FakeCall> & { token?: string | null; statuses?: string[] } = {}) {
	const { token = SECRET, statuses = ALL, parameters, ...rest } = options;
	return callTrigger(trigger, {
		query: token === null ? query : `${query}&token=${encodeURIComponent(token)}`,
		parameters: { statuses, secretToken: SECRET, ...parameters },
		...rest,
	});
}

describe('TrafficLightTrigger description', () => {
	const { description } = trigger;
	const byName = (name: string) => description.properties.find((p) => p.name === name) as INodeProperties;

	it('registers GET and POST on one path and answers 200 at once with its own body', () => {
		expect(description.webhooks).toEqual([
			{ name: 'default', httpMethod: 'GET,POST', responseMode: 'onReceived', responseData: '', path: 'webhook' },
		]);
		expect(description.name).toBe('trafficLightTrigger');
		expect(description.inputs).toEqual([]);
	});

	it('offers the five statuses, all selected by default', () => {
		const statuses = byName('statuses');
		expect((statuses.options as Array<{ name: string }>).map((o) => o.name)).toEqual([
			'Canceled',
			'Confirmed',
			'Hold',
			'New',
			'Trash',
		]);
		expect(statuses.default).toEqual(ALL);
	});

	it('keeps the secret token in a password field', () => {
		expect(byName('secretToken')).toMatchObject({ type: 'string', typeOptions: { password: true }, default: '' });
	});

	it.each(ALL)('shows the postback line for %s, with and without the token', (status) => {
		expect(byName(`pasteLine_${status}`).displayName).toContain(
			`<li>?status=${status}&amp;id={id}&amp;id2={id2}&amp;created_at={created_at}</li>`,
		);
		expect(byName(`pasteLine_${status}`).displayOptions).toEqual({ show: { statuses: [status], secretToken: [''] } });
		expect(byName(`pasteLineWithToken_${status}`).displayName).toContain(
			`<li>?status=${status}&amp;token=YOUR_SECRET_TOKEN&amp;id={id}&amp;id2={id2}&amp;created_at={created_at}</li>`,
		);
		expect(byName(`pasteLine_${status}`).displayName).toMatch(/Production URL/);
	});

	it('lists the inferred stream macros separately and says they are inferred', () => {
		const notice = byName('streamMacrosNotice').displayName;
		expect(notice).toMatch(/inferred/);
		expect(notice).toContain(
			'&amp;sub1={sub1}&amp;sub2={sub2}&amp;sub3={sub3}&amp;sub4={sub4}&amp;sub5={sub5}&amp;web_id={web_id}' +
				'&amp;utm_source={utm_source}&amp;utm_medium={utm_medium}&amp;utm_campaign={utm_campaign}' +
				'&amp;utm_content={utm_content}&amp;utm_term={utm_term}',
		);
	});

	it('explains that the workflow must be published (active on 1.x) and that Traffic Light retries until 200', () => {
		const setup = byName('setupNotice').displayName;
		expect(setup).toMatch(/must be published \(active on n8n 1\.x\)/);
		expect(setup).toMatch(/until it gets HTTP 200/);
	});

	it('keeps the UI in English', () => {
		expect(JSON.stringify(description)).not.toMatch(/[\u0400-\u04FF]/);
	});
});

describe('accepted postbacks', () => {
	it('outputs status, Traffic Light id, your lead id, ISO creation time and every parameter', async () => {
		const { item, result } = await postback(
			'status=confirmed&id=5512&id2=klx-appointment-918201&created_at=2015-06-12T17%3A50%3A39%2B00%3A00&sub1=spring&web_id=w7',
		);
		expect(result.webhookResponse).toEqual({ received: true, status: 'confirmed' });
		expect(item).toEqual({
			status: 'confirmed',
			trafficLightId: 5512,
			leadId: 'klx-appointment-918201',
			createdAt: '2015-06-12T17:50:39.000Z',
			createdAtRaw: '2015-06-12T17:50:39+00:00',
			parameters: {
				status: 'confirmed',
				id: '5512',
				id2: 'klx-appointment-918201',
				created_at: '2015-06-12T17:50:39+00:00',
				sub1: 'spring',
				web_id: 'w7',
			},
			warnings: [],
			raw: {
				method: 'GET',
				query:
					'status=confirmed&id=5512&id2=klx-appointment-918201&created_at=2015-06-12T17%3A50%3A39%2B00%3A00&sub1=spring&web_id=w7',
				encoding: 'ascii',
			},
		});
	});

	it('keeps a numeric lead id as text (it is the Lead ID you sent)', async () => {
		const { item } = await postback('status=hold&id=1&id2=777');
		expect(item?.leadId).toBe('777');
	});

	it('converts a creation time with another offset to UTC and reads one without offset as UTC', async () => {
		expect((await postback('status=new&id=1&id2=a&created_at=2015-06-12T20:50:39%2B03:00')).item?.createdAt).toBe(
			'2015-06-12T17:50:39.000Z',
		);
		expect((await postback('status=new&id=1&id2=a&created_at=2015-06-12+17:50:39')).item?.createdAt).toBe(
			'2015-06-12T17:50:39.000Z',
		);
	});

	it('reports a creation time it cannot read', async () => {
		const { item } = await postback('status=new&id=1&id2=a&created_at=yesterday');
		expect(item).toMatchObject({ createdAt: null, createdAtRaw: 'yesterday' });
		expect(item?.warnings).toEqual([expect.stringMatching(/"created_at" \("yesterday"\) is not a date/)]);
	});

	it('turns macros Traffic Light did not expand into null with warnings', async () => {
		const { item } = await postback('status=canceled&id=9&id2={id2}&created_at={created_at}&sub1={sub1}&utm_source=%7Butm_source%7D');
		expect(item).toMatchObject({
			leadId: null,
			createdAt: null,
			createdAtRaw: null,
			parameters: { id2: null, created_at: null, sub1: null, utm_source: null },
		});
		expect(item?.warnings).toEqual([
			'Parameter "id2" holds the unfilled placeholder {id2}; it was read as null.',
			'No lead id: "id2" is missing or empty (Traffic Light fills {id2} only when the lead was sent with a Lead ID).',
			'Parameter "created_at" holds the unfilled placeholder {created_at}; it was read as null.',
			'Parameter "sub1" holds the unfilled placeholder {sub1}; it was read as null.',
			'Parameter "utm_source" holds the unfilled placeholder {utm_source}; it was read as null.',
		]);
	});

	it('warns when the Traffic Light order id is missing', async () => {
		const { item } = await postback('status=trash&id2=x');
		expect(item?.trafficLightId).toBeNull();
		expect(item?.warnings).toEqual(['No Traffic Light order id: "id" is missing or empty, so trafficLightId is null.']);
	});

	it('reads the data from the query string of a POST too', async () => {
		const { item } = await postback('status=confirmed&id=3&id2=x', { method: 'POST' });
		expect(item).toMatchObject({ status: 'confirmed', trafficLightId: 3, raw: { method: 'POST' } });
	});

	it('gives the same item for a repeated postback of one order', async () => {
		const query = 'status=confirmed&id=5512&id2=klx-visit-1&created_at=2015-06-12T17:50:39%2B00:00';
		const first = await postback(query);
		const second = await postback(query);
		expect(second.item).toEqual(first.item);
	});

	it.each([
		['HOLD', 'hold'],
		['held', 'hold'],
		['cancelled', 'canceled'],
		[' Confirmed ', 'confirmed'],
	])('reads status %j as %s', async (marker, status) => {
		const { item } = await postback(`status=${encodeURIComponent(marker)}&id=1&id2=x`);
		expect(item?.status).toBe(status);
	});
});

describe('filtered postbacks', () => {
	it('answers 200 and starts nothing for an unselected status', async () => {
		const { result } = await postback('status=hold&id=1&id2=x', { statuses: ['confirmed'] });
		expect(result).toEqual({
			webhookResponse: { received: true, ignored: true, reason: 'Status "hold" is not selected in the trigger.' },
		});
	});

	it('answers 200 and starts nothing for an unknown or missing status', async () => {
		const unknown = await postback('status=approved&id=1');
		expect(unknown.result).toEqual({
			webhookResponse: { received: true, ignored: true, reason: 'Status "approved" is not a known postback status.' },
		});
		for (const inherited of ['constructor', '__proto__']) {
			expect((await postback(`status=${inherited}&id=1`)).result).toEqual({
				webhookResponse: { received: true, ignored: true, reason: `Status "${inherited}" is not a known postback status.` },
			});
		}
		// A long status is cut by the one shortener, never inside a surrogate pair.
		const long = await postback(`status=${'a'.repeat(59)}${encodeURIComponent('😀')}x`);
		expect((long.result.webhookResponse as { reason: string }).reason).toBe(`Status "${'a'.repeat(59)}…" is not a known postback status.`);
		const missing = await postback('id=1');
		expect(missing.result).toEqual({
			webhookResponse: { received: true, ignored: true, reason: 'The request has no "status" parameter.' },
		});
		const macro = await postback('status={status}&id=1');
		expect(macro.result.workflowData).toBeUndefined();
	});
});

describe('TrafficLightTrigger property: never throws, one well-formed item or a clean rejection', () => {
	it(`holds for ${propertyRuns(800, 5000)} random postbacks`, async () => {
		const piece = fc.oneof(
			fc.constantFrom('status=', 'id=', 'id2=', 'created_at=', '&', '=', '%', '%ZZ', '%C8', '{id2}', '{sub1}', '+', ...ALL),
			fc.string({ maxLength: 5 }),
			fc.string({ unit: 'binary', maxLength: 3 }),
		);
		await fc.assert(
			fc.asyncProperty(
				fc.array(piece, { maxLength: 16 }).map((parts) => parts.join('')),
				fc.subarray(ALL),
				fc.boolean(),
				async (query, statuses, rightToken) => {
					const { result, written, item } = await postback(query, { statuses, token: rightToken ? SECRET : 'nope' });
					expect(JSON.stringify({ result, written })).not.toContain(SECRET);
					if (!rightToken) {
						expect(result).toEqual({ noWebhookResponse: true });
						expect(written?.status).toBe(403);
						return;
					}
					if (result.workflowData === undefined) {
						expect(result.webhookResponse).toMatchObject({ received: true, ignored: true });
						return;
					}
					expect(result.workflowData[0]).toHaveLength(1);
					expect(ALL).toContain(item?.status);
					expect(statuses).toContain(item?.status);
					expect(item?.leadId === null || typeof item?.leadId === 'string').toBe(true);
					const id = item?.trafficLightId;
					expect(id === null || Number.isSafeInteger(id) || typeof id === 'string').toBe(true);
					expect(item?.createdAt === null || typeof item?.createdAt === 'string').toBe(true);
					expect(Array.isArray(item?.warnings)).toBe(true);
					expect(item?.parameters).not.toHaveProperty('token');
				},
			),
			{ numRuns: propertyRuns(800, 5000) },
		);
	}, 120_000);
});
