import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { KlientiksTrigger } from '../../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { CLIENT_FIELDS, EVENT_PRESETS, type FieldKind } from '../../nodes/KlientiksTrigger/presets';
import { propertyRuns } from '../shared/propertyRuns';
import { callTrigger, type CallResult, type FakeCall } from '../shared/webhookContext';

/**
 * Property: whatever arrives — random text, random bytes, broken escapes,
 * placeholders, repeated or hostile keys — the trigger never throws, and
 * either emits exactly one well-formed item, or answers 200 without an
 * execution, or answers 403 without an execution when the token is not right.
 * The secret never shows up in anything the node returns.
 *
 * By default each property tries a few hundred cases, so that the
 * suite takes seconds; PROPERTY_RUNS=full runs 12,000, 10,000 and 2,000 cases:
 *   PROPERTY_RUNS=full npx jest test/KlientiksTrigger/KlientiksTrigger.property.test.ts
 */

const trigger = new KlientiksTrigger();
const SECRET = 'Zq7-property-secret-Xk9';
const EVENTS = ['client_added', 'appointment_created', 'invoice_created', 'visit_paid', 'custom'];
const ENCODINGS = ['ascii', 'utf-8', 'windows-1251', 'mixed'];
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?)?$/;
const TIME = /^\d{2}:\d{2}:\d{2}(\.\d+)?$/;
/** Thousands of calls take seconds; give a busy machine room (this bounds the run, it asserts nothing). */
const LONG_RUN = 180_000;

function fieldKeys(field: string, kind: FieldKind): string[] {
	if (kind === 'phone') return [field, `${field}Normalized`];
	if (kind === 'list') return [field, `${field}List`];
	if (kind === 'id' || kind === 'text') return [field];
	return [field, `${field}Raw`];
}

function checkField(entity: IDataObject, field: string, kind: FieldKind): void {
	const value = entity[field];
	switch (kind) {
		case 'id':
			expect(value === null || Number.isSafeInteger(value) || (typeof value === 'string' && value !== '')).toBe(true);
			break;
		case 'text':
			expect(value === null || (typeof value === 'string' && value === value.trim() && value !== '')).toBe(true);
			break;
		case 'phone': {
			const normalized = entity[`${field}Normalized`];
			expect(value === null || typeof value === 'string').toBe(true);
			expect(normalized === null || (typeof normalized === 'string' && /^\d+$/.test(normalized))).toBe(true);
			break;
		}
		case 'list':
			expect(value === null || typeof value === 'string').toBe(true);
			expect(Array.isArray(entity[`${field}List`])).toBe(true);
			for (const entry of entity[`${field}List`] as unknown[]) expect(typeof entry).toBe('string');
			break;
		case 'boolean':
			expect(value === null || typeof value === 'boolean').toBe(true);
			break;
		case 'money':
			expect(value === null || (typeof value === 'number' && Number.isFinite(value))).toBe(true);
			break;
		case 'time':
			expect(value === null || (typeof value === 'string' && TIME.test(value))).toBe(true);
			break;
		default:
			expect(value === null || (typeof value === 'string' && ISO.test(value))).toBe(true);
	}
	if (['boolean', 'money', 'date', 'time', 'timestamp'].includes(kind)) {
		const raw = entity[`${field}Raw`];
		expect(raw === null || typeof raw === 'string').toBe(true);
	}
}

function checkWellFormed(item: IDataObject): void {
	expect(typeof item.event).toBe('string');
	expect(item.leadId === null || (typeof item.leadId === 'string' && item.leadId.startsWith('klx-'))).toBe(true);
	expect(Array.isArray(item.warnings)).toBe(true);
	for (const warning of item.warnings as unknown[]) expect(typeof warning).toBe('string');
	const raw = item.raw as IDataObject;
	expect(typeof raw.method).toBe('string');
	expect(typeof raw.query).toBe('string');
	expect(ENCODINGS).toContain(raw.encoding);
	expect(String(raw.query).split('&').some((pair) => /^token=/.test(pair))).toBe(false);
	expect(typeof item.parameters).toBe('object');
	expect(Object.prototype.hasOwnProperty.call(item.parameters, 'token')).toBe(false);

	const preset = EVENT_PRESETS.find((p) => p.value === item.event);
	if (!preset) {
		expect(Object.keys(item)).toEqual(['event', 'leadId', 'parameters', 'warnings', 'raw']);
		return;
	}
	const client = item.client as IDataObject;
	expect(Object.keys(client)).toEqual(CLIENT_FIELDS.flatMap(({ field, kind }) => fieldKeys(field, kind)));
	for (const { field, kind } of CLIENT_FIELDS) checkField(client, field, kind);
	for (const spec of preset.fields) {
		const entity = item[spec.entity] as IDataObject;
		for (const key of fieldKeys(spec.field, spec.kind)) expect(entity).toHaveProperty([key]);
		checkField(entity, spec.field, spec.kind);
	}
	if (preset.combineStart) {
		const start = (item.appointment as IDataObject).start;
		expect(start === null || (typeof start === 'string' && ISO.test(start))).toBe(true);
	}
}

/** Checks one outcome and returns which one it was. */
function checkOutcome(outcome: CallResult, tokenSent: boolean): 'item' | 'ignored' | 'rejected' {
	const { result, written, item } = outcome;
	const everything = JSON.stringify({ result, written });
	expect(everything).not.toContain(SECRET);
	if (result.noWebhookResponse) {
		expect(result.workflowData).toBeUndefined();
		expect(written?.status).toBe(403);
		expect(tokenSent).toBe(false);
		return 'rejected';
	}
	expect(tokenSent).toBe(true);
	expect(written).toBeUndefined();
	if (result.workflowData === undefined) {
		expect(result.webhookResponse).toMatchObject({ received: true, ignored: true });
		return 'ignored';
	}
	expect(result.workflowData).toHaveLength(1);
	expect(result.workflowData[0]).toHaveLength(1);
	expect(result.webhookResponse).toMatchObject({ received: true });
	expect(result.webhookResponse).not.toBe('firstEntryJson');
	checkWellFormed(item as IDataObject);
	return 'item';
}

// ---- generators -----------------------------------------------------------

const fragment = fc.oneof(
	fc.constantFrom(
		'event',
		'token',
		'=',
		'&',
		'+',
		'%',
		'%2',
		'%ZZ',
		'%C8%E2%E0%ED',
		'%D0%98',
		'%E0%A4%A',
		'%00',
		'%98',
		'{{client.phone}}',
		'{appointment.status}}',
		'{sub1}',
		'__proto__',
		'constructor',
		'client_id',
		'appointment_id',
		'invoice_id',
		'appointment_date',
		'appointment_time',
		'appointment_total_cost',
		'client_deleted',
		'appointment_created',
		'services',
		'15.03.2025',
		'2025-02-30',
		'14:30',
		'1 500,50 руб',
		'да',
		'8 (999) 123-45-67',
		'99999999999999999999',
		...EVENTS,
	),
	fc.string({ maxLength: 6 }),
	fc.string({ unit: 'binary', maxLength: 4 }),
	fc.integer({ min: -5, max: 1e9 }).map(String),
);

/** Query strings made of meaningful and hostile pieces. */
const structuredQuery = fc.array(fragment, { maxLength: 24 }).map((parts) => parts.join(''));

/** Query strings shaped like real calls: event marker, preset keys, random values. */
const presetLikeQuery = fc
	.tuple(
		fc.constantFrom(...EVENT_PRESETS),
		fc.array(fc.tuple(fc.nat(), fragment), { maxLength: 12 }),
		fc.boolean(),
	)
	.map(([preset, values, withMarker]) => {
		const pairs = values.map(([index, value]) => `${preset.fields[index % preset.fields.length].key}=${value}`);
		return [withMarker ? `event=${preset.value}` : '', ...pairs].filter((p) => p !== '').join('&');
	});

/** Arbitrary bytes, percent-encoded or (when ASCII) sent as they are. */
const byteQuery = fc.uint8Array({ maxLength: 64 }).map((bytes) =>
	Array.from(bytes, (byte) =>
		byte >= 0x21 && byte < 0x7f && Math.floor(byte / 7) % 2 === 0 ? String.fromCharCode(byte) : `%${byte.toString(16).padStart(2, '0')}`,
	).join(''),
);

const settings = fc.record({
	events: fc.subarray(EVENTS),
	secretSet: fc.boolean(),
	token: fc.constantFrom('right', 'wrong', 'none', 'empty', 'right-in-body'),
	method: fc.constantFrom('GET', 'POST'),
});

type Settings = { events: string[]; secretSet: boolean; token: string; method: string };

function buildCall(query: string, s: Settings, bodyBytes?: Uint8Array): { call: FakeCall; tokenSent: boolean } {
	let fullQuery = query;
	let body: unknown = {};
	let rawBody = bodyBytes;
	if (s.token === 'right') fullQuery += `&token=${SECRET}`;
	if (s.token === 'wrong') fullQuery += '&token=wrong';
	if (s.token === 'empty') fullQuery += '&token=';
	if (s.token === 'right-in-body') {
		// A form body is read from its bytes, a JSON body as parsed: put the token where it will be read.
		if (rawBody && rawBody.length > 0) rawBody = Buffer.concat([rawBody, Buffer.from(`&token=${SECRET}`)]);
		else body = { token: SECRET };
	}
	return {
		call: {
			method: s.method,
			query: fullQuery,
			body,
			rawBody,
			headers: rawBody ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
			parameters: { events: s.events, secretToken: s.secretSet ? SECRET : '' },
		},
		// Exactly one token, in the query: a random query may carry "token" parameters of its own,
		// which make the token repeated; a token in the body never counts.
		tokenSent: !s.secretSet || (s.token === 'right' && new URLSearchParams(fullQuery).getAll('token').length === 1),
	};
}

describe('KlientiksTrigger property: never throws, one well-formed item or a clean rejection', () => {
	it(`holds for ${propertyRuns(600, 12000)} random query strings`, async () => {
		const seen = new Set<string>();
		await fc.assert(
			fc.asyncProperty(
				fc.oneof(structuredQuery, presetLikeQuery, fc.string({ unit: 'binary', maxLength: 80 })),
				settings,
				async (query, s) => {
					const { call, tokenSent } = buildCall(query, s);
					seen.add(checkOutcome(await callTrigger(trigger, call), tokenSent));
				},
			),
			{ numRuns: propertyRuns(600, 12000) },
		);
		// The generators reach every outcome, so the checks above were all exercised.
		expect([...seen].sort()).toEqual(['ignored', 'item', 'rejected']);
	}, LONG_RUN);

	it(`holds for ${propertyRuns(600, 10000)} random byte sequences, in the query and as a form body`, async () => {
		const seen = new Set<string>();
		await fc.assert(
			fc.asyncProperty(
				byteQuery,
				fc.uint8Array({ maxLength: 64 }),
				fc.boolean(),
				settings,
				async (query, bodyBytes, withBody, s) => {
					const prefix = s.events.length > 0 && withBody ? `event=${s.events[0]}&` : '';
					const { call, tokenSent } = buildCall(prefix + query, s, withBody ? bodyBytes : undefined);
					seen.add(checkOutcome(await callTrigger(trigger, call), tokenSent));
				},
			),
			{ numRuns: propertyRuns(600, 10000) },
		);
		expect([...seen].sort()).toEqual(['ignored', 'item', 'rejected']);
	}, LONG_RUN);

	it('emits an item for every well-formed preset call that is selected and authorised', async () => {
		await fc.assert(
			fc.asyncProperty(presetLikeQuery, async (query) => {
				const marker = /^event=([a-z_]+)/.exec(query)?.[1];
				fc.pre(marker !== undefined);
				const outcome = await callTrigger(trigger, {
					query: `${query}&token=${SECRET}`,
					parameters: { events: EVENTS, secretToken: SECRET },
				});
				expect(checkOutcome(outcome, true)).toBe('item');
				expect(outcome.item?.event).toBe(marker);
			}),
			{ numRuns: propertyRuns(200, 2000) },
		);
	}, LONG_RUN);
});
