import type { IDataObject, IHookFunctions, INodeProperties } from 'n8n-workflow';

import { KlientiksTrigger } from '../../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { EVENT_PRESETS } from '../../nodes/KlientiksTrigger/presets';
import { callTrigger, encodeCp1251, type FakeCall } from '../shared/webhookContext';

const trigger = new KlientiksTrigger();
const SECRET = 'kl-9f3a-secret';
const ALL_EVENTS = ['client_added', 'appointment_created', 'invoice_created', 'visit_paid', 'custom'];

/** A Klientiks call: `query` without token; the right token is added unless `token` says otherwise. */
function call(query: string, options: Partial<FakeCall> & { token?: string | null; events?: string[] } = {}) {
	const { token = SECRET, events = ALL_EVENTS, parameters, ...rest } = options;
	const fullQuery = token === null ? query : `${query}&token=${encodeURIComponent(token)}`;
	return callTrigger(trigger, {
		query: fullQuery,
		parameters: { events, secretToken: SECRET, ...parameters },
		...rest,
	});
}

const emptyClient = {
	id: null,
	phone: null,
	phoneNormalized: null,
	name: null,
	firstName: null,
	patronymic: null,
	lastName: null,
	email: null,
	deleted: null,
	deletedRaw: null,
};

describe('KlientiksTrigger description', () => {
	const { description } = trigger;
	const properties = description.properties;
	const byName = (name: string) => properties.find((p) => p.name === name) as INodeProperties;

	it('registers GET and POST on one path, answers on receipt with our own body', () => {
		expect(description.webhooks).toEqual([
			{
				name: 'default',
				httpMethod: 'GET,POST',
				responseMode: 'onReceived',
				responseData: '',
				path: 'webhook',
			},
		]);
		// Not undefined: n8n would substitute 'firstEntryJson' and send that literal text.
		expect(description.webhooks?.[0].responseData).toBeDefined();
	});

	it('is a trigger without inputs', () => {
		expect(description.name).toBe('klientiksTrigger');
		expect(description.group).toEqual(['trigger']);
		expect(description.inputs).toEqual([]);
	});

	it('has no-op webhook lifecycle methods that report the webhook as existing', async () => {
		const hooks = trigger.webhookMethods.default;
		const context = {} as IHookFunctions;
		await expect(hooks.checkExists.call(context)).resolves.toBe(true);
		await expect(hooks.create.call(context)).resolves.toBe(true);
		await expect(hooks.delete.call(context)).resolves.toBe(true);
	});

	it('offers every preset plus Custom, sorted by name', () => {
		const events = byName('events');
		expect(events.type).toBe('multiOptions');
		const names = (events.options as Array<{ name: string; value: string }>).map((o) => o.name);
		expect(names).toEqual(['Appointment Created', 'Client Added', 'Custom', 'Invoice Created', 'Visit Paid']);
	});

	it('keeps the secret token in a password field', () => {
		expect(byName('secretToken')).toMatchObject({ type: 'string', typeOptions: { password: true }, default: '' });
	});

	it.each(EVENT_PRESETS.map((p) => [p.value, p]))('shows paste-ready lines for %s', (value, preset) => {
		const plain = byName(`pasteLine_${value}`);
		const withToken = byName(`pasteLineWithToken_${value}`);
		expect(plain.displayOptions).toEqual({ show: { events: [value], secretToken: [''] } });
		expect(withToken.displayOptions).toEqual({ show: { events: [value] }, hide: { secretToken: [''] } });
		const pairs = preset.fields.map((f) => `&amp;${f.key}={{${f.placeholder}}}`).join('');
		expect(plain.displayName).toContain(`<li>?event=${value}${pairs}</li>`);
		expect(withToken.displayName).toContain(`<li>?event=${value}&amp;token=YOUR_SECRET_TOKEN${pairs}</li>`);
	});

	it("fixes the Webjack guide's typos in the lines", () => {
		const text = properties.map((p) => p.displayName).join('\n');
		expect(text).toContain('appointment_time={{appointment.time}}');
		expect(text).not.toContain('appointment.time={{appointment_time}}');
		expect(text).toContain('appointment_status={{appointment.status}}');
		expect(text).not.toMatch(/[^{]\{appointment\.status\}\}/);
	});

	it('shows a Custom line and explains test vs production URL and the lead id', () => {
		expect(byName('pasteLine_custom').displayName).toContain('?event=custom&amp;your_parameter=');
		const setup = byName('setupNotice').displayName;
		expect(setup).toMatch(/Test URL/);
		expect(setup).toMatch(/Production URL: works only while the workflow is published \(active on n8n 1\.x\)/);
		expect(byName('leadIdNotice').displayName).toMatch(/timestamp or random id/);
	});

	it('keeps the UI in English', () => {
		const texts = JSON.stringify(description);
		expect(texts).not.toMatch(/[\u0400-\u04FF]/);
	});
});

describe('Client Added', () => {
	it('outputs a typed client and a lead id from the client id', async () => {
		const { item, result } = await call(
			'event=client_added&client_id=6439301&client_phone=8+(999)+123-45-67&client_name=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2+%D0%98%D0%B2%D0%B0%D0%BD' +
				'&client_first_name=%D0%98%D0%B2%D0%B0%D0%BD&client_patron_name=%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2%D0%B8%D1%87' +
				'&client_second_name=%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2&client_deleted=f&client_email=ivan%40example.ru',
			{ events: ['client_added'] },
		);
		expect(result.webhookResponse).toEqual({ received: true, event: 'client_added' });
		expect(item).toEqual({
			event: 'client_added',
			leadId: 'klx-client-6439301',
			client: {
				id: 6439301,
				phone: '8 (999) 123-45-67',
				phoneNormalized: '79991234567',
				name: 'Иванов Иван',
				firstName: 'Иван',
				patronymic: 'Петрович',
				lastName: 'Иванов',
				deleted: false,
				deletedRaw: 'f',
				email: 'ivan@example.ru',
			},
			parameters: {
				event: 'client_added',
				client_id: '6439301',
				client_phone: '8 (999) 123-45-67',
				client_name: 'Иванов Иван',
				client_first_name: 'Иван',
				client_patron_name: 'Петрович',
				client_second_name: 'Иванов',
				client_deleted: 'f',
				client_email: 'ivan@example.ru',
			},
			warnings: [],
			raw: {
				method: 'GET',
				query: expect.stringMatching(/^event=client_added&client_id=6439301&client_phone=8\+\(999\)/),
				encoding: 'utf-8',
			},
		});
		expect(result.workflowData?.[0]).toHaveLength(1);
	});

	it.each([
		['1', true],
		['0', false],
		['true', true],
		['false', false],
		['t', true],
		['yes', true],
		['no', false],
		['%D0%B4%D0%B0', true],
		['%D0%BD%D0%B5%D1%82', false],
		['', false],
	])('reads deleted=%s as %s', async (raw, expected) => {
		const { item } = await call(`event=client_added&client_id=1&client_deleted=${raw}`);
		expect((item?.client as IDataObject).deleted).toBe(expected);
	});

	it('reports a deleted value it cannot read', async () => {
		const { item } = await call('event=client_added&client_id=1&client_deleted=maybe');
		expect((item?.client as IDataObject).deleted).toBeNull();
		expect((item?.client as IDataObject).deletedRaw).toBe('maybe');
		expect(item?.warnings).toEqual([expect.stringMatching(/"client_deleted" \("maybe"\) is not a yes\/no value.*client\.deleted is null/)]);
	});
});

describe('Appointment Created', () => {
	const query =
		'event=appointment_created&client_id=42&client_phone=89991234567&client_name=%D0%90%D0%BD%D0%BD%D0%B0' +
		'&appointment_id=777&appointment_date=15.03.2025&appointment_time=14:30' +
		'&executor_name=%D0%9E%D0%BB%D1%8C%D0%B3%D0%B0&executor_phone=%2B7+(911)+000-11-22' +
		'&services=%D0%A1%D1%82%D1%80%D0%B8%D0%B6%D0%BA%D0%B0%2C+%D0%A3%D0%BA%D0%BB%D0%B0%D0%B4%D0%BA%D0%B0' +
		'&appointment_total_cost=2+500%2C50+%D1%80%D1%83%D0%B1.&user_position=%D0%90%D0%B4%D0%BC%D0%B8%D0%BD';

	it('outputs client and appointment, combines date and time, lead id from the appointment id', async () => {
		const { item } = await call(query, { events: ['appointment_created'] });
		expect(item).toMatchObject({
			event: 'appointment_created',
			leadId: 'klx-appointment-777',
			client: { ...emptyClient, id: 42, phone: '89991234567', phoneNormalized: '79991234567', name: 'Анна' },
			appointment: {
				id: 777,
				date: '2025-03-15',
				dateRaw: '15.03.2025',
				time: '14:30:00',
				timeRaw: '14:30',
				start: '2025-03-15T14:30:00',
				executorName: 'Ольга',
				executorPhone: '+7 (911) 000-11-22',
				executorPhoneNormalized: '79110001122',
				services: 'Стрижка, Укладка',
				servicesList: ['Стрижка', 'Укладка'],
				totalCost: 2500.5,
				totalCostRaw: '2 500,50 руб.',
				userPosition: 'Админ',
			},
			warnings: [],
		});
		expect(Object.keys(item as IDataObject)).toEqual([
			'event',
			'leadId',
			'client',
			'appointment',
			'parameters',
			'warnings',
			'raw',
		]);
	});

	it('takes start from a date that already has a time', async () => {
		const { item } = await call('event=appointment_created&appointment_id=1&appointment_date=2025-03-15+09:00:00');
		expect(item?.appointment).toMatchObject({ date: '2025-03-15T09:00:00', start: '2025-03-15T09:00:00' });
	});

	it('leaves start null without a time and reports an unreadable date', async () => {
		const { item } = await call('event=appointment_created&appointment_id=1&appointment_date=2025-03-15');
		expect(item?.appointment).toMatchObject({ date: '2025-03-15', time: null, start: null });
		const bad = await call('event=appointment_created&appointment_id=1&appointment_date=31.02.2025&appointment_time=10:00');
		expect(bad.item?.appointment).toMatchObject({ date: null, dateRaw: '31.02.2025', time: '10:00:00', start: null });
		expect(bad.item?.warnings).toEqual([expect.stringMatching(/"appointment_date".*not a real calendar date/)]);
	});

	it('accepts the Webjack guide’s old key appointment.time only as a plain parameter', async () => {
		const { item } = await call('event=appointment_created&appointment_id=1&appointment.time=10:00');
		expect(item?.appointment).toMatchObject({ time: null });
		expect(item?.parameters).toMatchObject({ 'appointment.time': '10:00' });
	});

	it('reads money written in many ways', async () => {
		for (const [raw, expected] of [
			['1500', 1500],
			['1500.5', 1500.5],
			['1%C2%A0500%2C00%E2%82%BD', 1500],
			['%E2%82%BD+990', 990],
		] as const) {
			const { item } = await call(`event=appointment_created&appointment_id=1&appointment_total_cost=${raw}`);
			expect([raw, (item?.appointment as IDataObject).totalCost]).toEqual([raw, expected]);
		}
	});

	it('turns unfilled placeholders into null and lists them in warnings', async () => {
		const { item } = await call(
			'event=appointment_created&appointment_id=5&client_phone=%7B%7Bclient.phone%7D%7D&user_position={{user.position}}',
		);
		expect((item?.client as IDataObject).phone).toBeNull();
		expect((item?.appointment as IDataObject).userPosition).toBeNull();
		expect(item?.parameters).toMatchObject({ client_phone: null, user_position: null });
		expect(item?.warnings).toEqual([
			'Parameter "client_phone" holds the unfilled placeholder {{client.phone}}; it was read as null.',
			'Parameter "user_position" holds the unfilled placeholder {{user.position}}; it was read as null.',
		]);
	});
});

describe('Invoice Created', () => {
	it('outputs the invoice with amounts and a lead id from the invoice id', async () => {
		const { item } = await call(
			'event=invoice_created&client_id=42&client_name=Anna&client_phone=79990000000&invoice_id=9001&appointment_id=777' +
				'&appointment_amount=3000&appointment_paid=0&appointment_name=Invoice+12&appointment_description=' +
				'&appointment_paid_sum=1000%2C50&appointment_left_to_pay=1999.5',
		);
		expect(item).toMatchObject({
			event: 'invoice_created',
			leadId: 'klx-invoice-9001',
			client: { ...emptyClient, id: 42, name: 'Anna', phone: '79990000000', phoneNormalized: '79990000000' },
			invoice: {
				id: 9001,
				objectId: 777,
				amount: 3000,
				amountRaw: '3000',
				paid: false,
				paidRaw: '0',
				name: 'Invoice 12',
				description: null,
				paidSum: 1000.5,
				paidSumRaw: '1000,50',
				leftToPay: 1999.5,
				leftToPayRaw: '1999.5',
			},
			warnings: [],
		});
		expect(item).not.toHaveProperty('appointment');
	});

	it('gives a null lead id and says what to add when the invoice id is missing', async () => {
		const { item } = await call('event=invoice_created&client_id=42&appointment_id=777');
		expect(item?.leadId).toBeNull();
		expect(item?.warnings).toEqual([
			'No lead id: parameter "invoice_id" is missing or empty, so leadId is null. Add invoice_id={{id}} to the URL in Klientiks.',
		]);
	});
});

describe('Visit Paid', () => {
	it('outputs the visit with its timestamp and a lead id from the visit id', async () => {
		const { item } = await call(
			'event=visit_paid&client_id=42&client_name=Anna&client_phone=8-999-000-11-22&appointment_id=555&appointment_account_id=21947' +
				'&appointment_created=2021-09-28+19%3A26%3A04.295301&appointment_appointment_id=777' +
				'&appointment_status=finished&appointment_paid=true',
		);
		expect(item).toMatchObject({
			event: 'visit_paid',
			leadId: 'klx-visit-555',
			client: { ...emptyClient, id: 42, name: 'Anna', phone: '8-999-000-11-22', phoneNormalized: '79990001122' },
			appointment: {
				id: 555,
				accountId: 21947,
				created: '2021-09-28T19:26:04.295301',
				createdRaw: '2021-09-28 19:26:04.295301',
				appointmentId: 777,
				status: 'finished',
				paid: true,
				paidRaw: 'true',
			},
			warnings: [],
		});
	});

	it('reads the Webjack guide’s brace typo, if a user kept it, as an unfilled placeholder', async () => {
		const { item } = await call('event=visit_paid&appointment_id=1&appointment_status={appointment.status}}');
		expect((item?.appointment as IDataObject).status).toBeNull();
		expect(item?.warnings).toEqual([expect.stringContaining('{appointment.status}}')]);
	});
});

describe('Custom', () => {
	it('passes every parameter through and builds a lead id from the most specific id', async () => {
		const { item } = await call('event=appointment_cancelled&client_id=42&appointment_id=777&reason=%D0%B1%D0%BE%D0%BB%D0%B5%D0%B7%D0%BD%D1%8C', {
			events: ['custom'],
		});
		expect(item).toEqual({
			event: 'appointment_cancelled',
			leadId: 'klx-appointment_cancelled-777',
			parameters: { event: 'appointment_cancelled', client_id: '42', appointment_id: '777', reason: 'болезнь' },
			warnings: [],
			raw: { method: 'GET', query: expect.any(String), encoding: 'utf-8' },
		});
	});

	it('accepts a request without an event marker as "custom"', async () => {
		const { item } = await call('client_id=42', { events: ['custom'] });
		expect(item).toMatchObject({ event: 'custom', leadId: 'klx-custom-42' });
	});

	it('makes the event part of the lead id URL-safe', async () => {
		const { item } = await call('event=Запись%20отменена!&id=1', { events: ['custom'] });
		expect(item?.leadId).toBe('klx-custom-1');
		const other = await call('event=Visit%20Moved&id=2', { events: ['custom'] });
		expect(other.item?.leadId).toBe('klx-visit-moved-2');
	});

	it('gives a null lead id with a warning when no id parameter is present', async () => {
		const { item } = await call('event=custom&note=hello', { events: ['custom'] });
		expect(item?.leadId).toBeNull();
		expect(item?.warnings).toEqual([
			'No lead id: none of "appointment_id", "invoice_id", "client_id", "id" is in the request, so leadId is null.',
		]);
	});
});

describe('event filtering', () => {
	it('answers 200 and starts nothing for an event that is not selected', async () => {
		const { result, item } = await call('event=client_added&client_id=1', { events: ['appointment_created'] });
		expect(item).toBeUndefined();
		expect(result).toEqual({
			webhookResponse: { received: true, ignored: true, reason: 'Event "client_added" is not selected in the trigger.' },
		});
	});

	it('does not let Custom catch a known event that is not selected', async () => {
		const { result } = await call('event=client_added&client_id=1', { events: ['custom'] });
		expect(result.workflowData).toBeUndefined();
	});

	it('ignores a request without an event marker unless Custom is selected', async () => {
		const { result } = await call('client_id=1', { events: ['client_added'] });
		expect(result).toEqual({
			webhookResponse: {
				received: true,
				ignored: true,
				reason: 'The request has no "event" parameter and Custom is not selected in the trigger.',
			},
		});
	});

	it('ignores an unknown event unless Custom is selected', async () => {
		const { result } = await call('event=something_else', { events: ['client_added'] });
		expect(result.workflowData).toBeUndefined();
		expect(result.webhookResponse).toMatchObject({ ignored: true });
	});

	it('reads the marker case-insensitively and trims it', async () => {
		const { item } = await call('event=+Client_Added+&client_id=3', { events: ['client_added'] });
		expect(item?.event).toBe('client_added');
	});

	it('ignores everything when no event is selected', async () => {
		const { result } = await call('event=client_added&client_id=1', { events: [] });
		expect(result.workflowData).toBeUndefined();
	});
});

describe('request forms and decoding', () => {
	it('merges a POST form body with the query', async () => {
		const { item } = await call('event=client_added', {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			rawBody: Buffer.from(`client_id=77&client_name=${encodeCp1251('Иван')}`),
			body: { client_id: '77', client_name: '????' },
		});
		expect(item).toMatchObject({
			leadId: 'klx-client-77',
			client: { id: 77, name: 'Иван' },
			raw: { method: 'POST' },
		});
	});

	it('decodes Windows-1251 percent-encoding (%C8%E2%E0%ED = Иван) and says so', async () => {
		const { item } = await call('event=client_added&client_id=1&client_name=%C8%E2%E0%ED+%CF%E5%F2%F0%EE%E2');
		expect((item?.client as IDataObject).name).toBe('Иван Петров');
		expect(item?.raw).toMatchObject({ encoding: 'windows-1251' });
		expect(item?.warnings).toEqual([]);
	});

	it('never crashes on malformed escapes and reports them', async () => {
		const { item } = await call('event=client_added&client_id=1&client_name=%E0%A4%A&client_email=50%');
		expect(item?.client).toMatchObject({ id: 1, email: '50%' });
		expect(item?.warnings).toEqual([
			expect.stringMatching(/"client_name".*malformed percent escape/),
			expect.stringMatching(/"client_email".*malformed percent escape/),
		]);
	});

	it('keeps an id with leading zeros as text, so its lead id stays distinct from the unpadded one', async () => {
		const padded = await call('event=client_added&client_id=00123');
		const plain = await call('event=client_added&client_id=123');
		expect(padded.item).toMatchObject({ leadId: 'klx-client-00123', client: { id: '00123' } });
		expect(plain.item).toMatchObject({ leadId: 'klx-client-123', client: { id: 123 } });
	});

	it('reports a repeated parameter and uses its last value', async () => {
		const { item } = await call('event=client_added&client_id=1&client_id=2');
		expect(item?.leadId).toBe('klx-client-2');
		expect(item?.parameters).toMatchObject({ client_id: ['1', '2'] });
		expect(item?.warnings).toEqual(['Parameter "client_id" was sent 2 times; the last value is used.']);
	});

	it('keeps the raw query string (minus the token) for debugging', async () => {
		const { item } = await call('event=client_added&client_id=1&client_name=%C8');
		expect((item?.raw as IDataObject).query).toBe('event=client_added&client_id=1&client_name=%C8');
	});

	it('keeps a "#" the sender forgot to escape as part of the data', async () => {
		const { item } = await call('event=client_added&client_name=Room+#5&client_id=9');
		expect(item?.client).toMatchObject({ id: 9, name: 'Room #5' });
	});
});
