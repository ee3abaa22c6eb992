import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { KlientiksTrigger } from '../../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { REQUEST_LIMITS } from '../../nodes/webhookIntake/limits';
import { TrafficLightTrigger } from '../../nodes/TrafficLightTrigger/TrafficLightTrigger.node';
import { propertyRuns } from './propertyRuns';
import { callTrigger, fakeWebhookContext, type FakeCall } from './webhookContext';

/**
 * Calls built to hurt: a trigger must answer each with work linear in its
 * size and an item bounded by REQUEST_LIMITS, whatever the shape. How long
 * each shape takes is measured in bench/micro.js, never asserted here.
 * The property at the end tries 100 shapes by default; PROPERTY_RUNS=full tries 300.
 */

const SECRET = 'hostile-secret-token';
const klientiks = new KlientiksTrigger();
const postbacks = new TrafficLightTrigger();

function callKlientiks(query: string, extra: Partial<FakeCall> = {}) {
	return callTrigger(klientiks, {
		query: `${query}&token=${SECRET}`,
		parameters: { events: ['client_added', 'custom'], secretToken: SECRET },
		...extra,
	});
}

/** Nesting depth of a JSON value (a scalar is 0). */
function depthOf(value: unknown): number {
	if (typeof value !== 'object' || value === null) return 0;
	let deepest = 0;
	for (const child of Object.values(value)) deepest = Math.max(deepest, depthOf(child));
	return deepest + 1;
}

function hasOwnProtoKey(value: unknown): boolean {
	if (typeof value !== 'object' || value === null) return false;
	if (Object.prototype.hasOwnProperty.call(value, '__proto__')) return true;
	return Object.values(value).some(hasOwnProtoKey);
}

describe('the secret token is checked before the call is read', () => {
	it.each([
		['Klientiks Trigger', klientiks, { events: ['client_added'], secretToken: SECRET }],
		['Traffic Light Trigger', postbacks, { statuses: ['confirmed'], secretToken: SECRET }],
	])('%s rejects a wrong token without reading the body', async (_name, node, parameters) => {
		const { context } = fakeWebhookContext({
			method: 'POST',
			query: 'event=client_added&status=confirmed&token=guess',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			rawBody: Buffer.from('client_id=1&'.repeat(50_000)),
			body: { client_id: '1' },
			parameters,
		});
		const request = context.getRequestObject() as unknown as Record<string, unknown>;
		const bodyBytes = request.rawBody;
		let bodyReads = 0;
		Object.defineProperty(request, 'rawBody', {
			get: () => {
				bodyReads++;
				return bodyBytes;
			},
		});
		const result = await node.webhook!.call(context);
		expect(result).toEqual({ noWebhookResponse: true });
		expect(bodyReads).toBe(0);
		expect(context.getBodyData).not.toHaveBeenCalled();
	});

	it.each([
		['Klientiks Trigger', klientiks, 'event=client_added&client_id=1', { events: ['client_added'], secretToken: SECRET }],
		['Traffic Light Trigger', postbacks, 'status=confirmed&id=1', { statuses: ['confirmed'], secretToken: SECRET }],
	])('%s enforces it: 403 and no execution without the right token, even for an unselected event or status', async (_name, node, query, parameters) => {
		const send = (fullQuery: string) => callTrigger(node, { query: fullQuery, parameters });
		const missing = await send(query);
		expect(missing.result).toEqual({ noWebhookResponse: true });
		expect(missing.written).toEqual({ status: 403, body: { received: false, error: 'The token parameter is missing.' } });
		const wrong = await send('event=unselected&status=hold&token=guess');
		expect(wrong.result).toEqual({ noWebhookResponse: true });
		expect(wrong.written).toEqual({ status: 403, body: { received: false, error: 'The token parameter is wrong.' } });
		// The right token starts an execution and stays out of its item.
		const right = await send(`${query}&token=${SECRET}`);
		expect(right.item).toBeDefined();
		expect(JSON.stringify(right.result)).not.toContain(SECRET);
		expect((right.item?.raw as IDataObject).query).toBe(query);
	});

	it('refuses a token sent more than once, even when one copy is right', async () => {
		const { written } = await callKlientiks('event=client_added&client_id=1&token=guess');
		expect(written).toEqual({
			status: 403,
			body: { received: false, error: 'The token parameter is sent more than once; send it once.' },
		});
	});

	it('answers a call whose token is only in the body with the 403 that says the token is read from the URL query only, without reading the body', async () => {
		const { written, context } = await callTrigger(klientiks, {
			method: 'POST',
			query: 'event=client_added&client_id=1',
			headers: { 'content-type': 'application/json', 'content-length': '17' },
			body: { token: SECRET },
			parameters: { events: ['client_added'], secretToken: SECRET },
		});
		expect(written).toEqual({
			status: 403,
			body: {
				received: false,
				error: 'The token parameter is missing from the URL query; it is read from the URL query only, not from the body.',
			},
		});
		expect(context.getBodyData).not.toHaveBeenCalled();
	});

	it('tells a body sent in chunks (transfer-encoding) the same way, and a call without a body gets the plain "missing"', async () => {
		const chunked = await callTrigger(klientiks, {
			method: 'POST',
			query: 'event=client_added&client_id=1',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' },
			rawBody: Buffer.from(`token=${SECRET}`),
			parameters: { events: ['client_added'], secretToken: SECRET },
		});
		expect(chunked.written?.body).toMatchObject({ error: expect.stringMatching(/read from the URL query only/) });
		const bodiless = await callTrigger(klientiks, {
			method: 'POST',
			query: 'event=client_added&client_id=1',
			headers: { 'content-length': '0' },
			parameters: { events: ['client_added'], secretToken: SECRET },
		});
		expect(bodiless.written?.body).toEqual({ received: false, error: 'The token parameter is missing.' });
	});

	it('leaves a token in the body out of the item, with a warning, when the URL query carries the right one', async () => {
		const { item } = await callTrigger(klientiks, {
			method: 'POST',
			query: `event=client_added&client_id=1&token=${SECRET}`,
			headers: { 'content-type': 'application/json', 'content-length': '30' },
			body: { token: 'another-value' },
			parameters: { events: ['client_added'], secretToken: SECRET },
		});
		expect(JSON.stringify(item)).not.toContain('another-value');
		expect(item?.warnings).toContainEqual("The body's token parameter was left out: the token is read from the URL query only.");
	});

});

describe('counts and sizes are capped, and the item says what was left out', () => {
	it('reads at most 1,000 parameters of a call', async () => {
		const pairs = Array.from({ length: 5000 }, (_, i) => `p${i}=${i}`).join('&');
		const { item } = await callKlientiks(`event=custom&${pairs}`);
		const parameters = item?.parameters as IDataObject;
		// "event" and p0…p998; the rest, the token among them, are counted, not read.
		expect(Object.keys(parameters)).toHaveLength(REQUEST_LIMITS.maxParameters);
		expect(parameters).not.toHaveProperty('p999');
		expect(item?.warnings).toContainEqual('The query string has more parameters than the 1000 read; the rest were ignored.');
	});

	it('keeps the first 100 warnings and counts the rest', async () => {
		const placeholders = Array.from({ length: 900 }, (_, i) => `p${i}={{client.field_${i}}}`).join('&');
		const { item } = await callKlientiks(`event=custom&${placeholders}`);
		const warnings = item?.warnings as string[];
		expect(warnings).toHaveLength(REQUEST_LIMITS.maxWarnings + 1);
		expect(warnings).toContainEqual('Parameter "p0" holds the unfilled placeholder {{client.field_0}}; it was read as null.');
		expect(warnings[100]).toMatch(/^…and \d+ more warning\(s\)\.$/);
	});

	it('cuts a value to 10,000 characters and the query copy in raw to 4,096', async () => {
		const { item } = await callKlientiks(`event=client_added&client_id=1&client_name=${'%D0%98'.repeat(200_000)}`);
		const name = (item?.client as IDataObject).name as string;
		expect(name).toBe('И'.repeat(REQUEST_LIMITS.maxValueLength));
		const raw = item?.raw as IDataObject;
		expect((raw.query as string).length).toBeLessThanOrEqual(REQUEST_LIMITS.maxRawQuery + 1);
		expect(raw.encoding).toBe('utf-8');
		expect(item?.warnings).toEqual([
			expect.stringMatching(/"client_name".*longer than 10000 characters/),
			expect.stringMatching(/raw\.query keeps the first 4096 of the query string's 1200\d{3} characters/),
		]);
	});

	it('bounds all the text a call puts into its item', async () => {
		const values = Array.from({ length: 100 }, (_, i) => `v${i}=${'x'.repeat(9000)}`).join('&');
		const { item } = await callKlientiks(`event=custom&${values}`);
		const parameters = item?.parameters as IDataObject;
		const kept = Object.entries(parameters).reduce((sum, [key, value]) => sum + key.length + String(value).length, 0);
		expect(kept).toBeLessThanOrEqual(REQUEST_LIMITS.maxTotalText);
		expect(Object.values(parameters).every((value) => typeof value === 'string')).toBe(true);
		expect(item?.warnings).toContainEqual(expect.stringMatching(/more than 200000 characters of parameters/));
	});

	it('cuts a JSON body nested 10,000 levels deep and drops __proto__ keys', async () => {
		let deep: unknown = 'bottom';
		for (let i = 0; i < 10_000; i++) deep = { next: deep };
		const body = JSON.parse('{"__proto__": {"polluted": true}, "safe": {"__proto__": {"x": 1}, "y": 2}}');
		body.deep = deep;
		const { item } = await callTrigger(klientiks, {
			method: 'POST',
			query: `event=custom&token=${SECRET}`,
			headers: { 'content-type': 'application/json' },
			body,
			parameters: { events: ['custom'], secretToken: SECRET },
		});
		const parameters = item?.parameters as IDataObject;
		expect(depthOf(parameters.deep)).toBe(REQUEST_LIMITS.maxDepth);
		expect(parameters.safe).toEqual({ y: 2 });
		expect(hasOwnProtoKey(item)).toBe(false);
		expect(() => JSON.stringify(item)).not.toThrow();
		expect(item?.warnings).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/"deep" in the body is nested deeper than 10 levels/),
				expect.stringMatching(/"safe" in the body holds a "__proto__" key/),
				expect.stringMatching(/body holds a "__proto__" parameter/),
			]),
		);
	});

	it('answers a JSON body over 1 MB with 413 before listing its keys, and reads one of 1 MB', async () => {
		// `{"event":"custom"` then `,"k<i>":0` until the text is `bytes` long, counted as it grows.
		const keys = (bytes: number) => {
			const body: IDataObject = { event: 'custom' };
			let length = '{"event":"custom"}'.length;
			for (let i = 0; length < bytes; i++) {
				body[`k${i}`] = 0;
				length += `,"k${i}":0`.length;
			}
			return body;
		};
		const call = (body: IDataObject, size: { rawBody?: Buffer; length?: number }) =>
			callTrigger(klientiks, {
				method: 'POST',
				query: `event=custom&token=${SECRET}`,
				headers: { 'content-type': 'application/json', ...(size.length ? { 'content-length': String(size.length) } : {}) },
				...(size.rawBody ? { rawBody: size.rawBody } : {}),
				body,
				parameters: { events: ['custom'], secretToken: SECRET },
			});
		const big = keys(REQUEST_LIMITS.maxJsonBodyBytes + 10);
		const bigText = Buffer.from(JSON.stringify(big));
		const keysListed = jest.spyOn(Object, 'keys');
		const refused = await call(big, { rawBody: bigText });
		expect(keysListed.mock.calls.some(([object]) => object === big)).toBe(false);
		keysListed.mockRestore();
		expect(refused.result).toEqual({ noWebhookResponse: true });
		expect(refused.written).toEqual({
			status: 413,
			body: {
				received: false,
				error: `The JSON body holds ${bigText.length} bytes; this trigger reads JSON bodies of up to 1 MB (a Klientiks or Traffic Light call is a few KB). Send the event's fields in the URL query or a form body.`,
			},
		});
		// Without the bytes (n8n did not keep them), Content-Length tells the size.
		expect((await call(big, { length: bigText.length })).written?.status).toBe(413);
		const fits = keys(REQUEST_LIMITS.maxJsonBodyBytes - 20);
		const fitsText = Buffer.from(JSON.stringify(fits));
		expect(fitsText.length).toBeLessThanOrEqual(REQUEST_LIMITS.maxJsonBodyBytes);
		const read = await call(fits, { rawBody: fitsText });
		expect(read.written).toBeUndefined();
		expect(read.item?.event).toBe('custom');
	});

	it('gives a Custom event a clean lead id however long its marker is', async () => {
		const marker = `a${'-'.repeat(100_000)}b`;
		const { item } = await callKlientiks(`event=${marker}&client_id=7`);
		expect(item?.leadId).toBe('klx-a-7');
	});
});

describe('encoding is judged per call', () => {
	it('names a value that only reads as Windows-1251 when the rest of the call is UTF-8', async () => {
		const { item } = await callKlientiks('event=client_added&client_id=1&client_name=%D0%98%D0%B2&client_email=%D0');
		expect(item?.warnings).toEqual([
			expect.stringMatching(/"client_email" in the query string is not valid UTF-8 while the rest of the call is.*"Р"/),
		]);
		expect(item?.raw).toMatchObject({
			encoding: 'mixed',
			encodings: { client_name: 'utf-8', client_email: 'windows-1251' },
		});
	});

	it('keeps one encoding when all values read alike', async () => {
		const { item } = await callKlientiks('event=client_added&client_id=1&client_name=%C8%E2%E0%ED&client_email=%D0');
		expect(item?.raw).toMatchObject({ encoding: 'windows-1251' });
		expect(item?.raw).not.toHaveProperty('encodings');
		expect(item?.warnings).toEqual([]);
	});
});

/** Shapes an attacker would send, grown to a random size. */
const hostileShape = fc.oneof(
	fc.integer({ min: 1, max: 30_000 }).map((n) => `event=${'-'.repeat(n)}`),
	fc.integer({ min: 1, max: 5000 }).map((n) => 'client_id=1&'.repeat(n)),
	fc.integer({ min: 1, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `k${i}={{x}}`).join('&')),
	fc.integer({ min: 1, max: 30_000 }).map((n) => `client_name=${'%D0'.repeat(n)}`),
	fc.integer({ min: 1, max: 30_000 }).map((n) => `appointment_date=${' '.repeat(n)}x`),
	fc.integer({ min: 1, max: 30_000 }).map((n) => `${'k'.repeat(n)}=${'&'.repeat(n)}`),
);

describe('property: any hostile shape yields a bounded item', () => {
	it(`holds for ${propertyRuns(100, 300)} random shapes and sizes`, async () => {
		await fc.assert(
			fc.asyncProperty(hostileShape, hostileShape, async (a, b) => {
				const { item, result } = await callKlientiks(`event=custom&${a}&${b}`);
				expect(result.workflowData).toHaveLength(1);
				const json = JSON.stringify(item);
				// Parameter text, its typed copies and the raw query: a few times maxTotalText at most.
				expect(json.length).toBeLessThan(3 * REQUEST_LIMITS.maxTotalText);
				expect(Object.keys(item?.parameters as IDataObject).length).toBeLessThanOrEqual(REQUEST_LIMITS.maxParameters);
				expect((item?.warnings as string[]).length).toBeLessThanOrEqual(REQUEST_LIMITS.maxWarnings + 1);
			}),
			{ numRuns: propertyRuns(100, 300) },
		);
	}, 120_000);
});
