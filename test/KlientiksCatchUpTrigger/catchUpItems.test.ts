import type { IDataObject } from 'n8n-workflow';

import {
	appointmentCreatedItem,
	clientAddedItem,
	clientEvents,
	dayInZone,
	rawItem,
	rawLeadId,
	stampToMs,
	visitEvents,
	visitPaidItem,
} from '../../nodes/KlientiksCatchUpTrigger/catchUpItems';
import { instantOf } from '../../nodes/Klientiks/actions/visit/getMany.operation';
import { KlientiksTrigger } from '../../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { KlientiksMock } from '../../scripts/lib/klientiksMock';
import { callTrigger } from '../shared/webhookContext';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const MOSCOW = 'Europe/Moscow';
const trigger = new KlientiksTrigger();

/** The Klientiks Trigger's item for the same event, from the query the mock would send to the webhook. */
async function webhookItem(event: string, params: string[][]): Promise<IDataObject> {
	const { item } = await callTrigger(trigger, { query: new URLSearchParams(params as Array<[string, string]>).toString(), parameters: { events: [event], secretToken: '' } });
	if (!item) throw new Error('the trigger emitted nothing');
	return item;
}

/** Every key, entities' keys included, in order. */
function shape(item: IDataObject): unknown {
	return Object.entries(item).map(([key, value]) =>
		value !== null && typeof value === 'object' && !Array.isArray(value) && key !== 'parameters' && key !== 'raw' ? [key, Object.keys(value)] : key,
	);
}

/** An entity without the companions that hold the text as sent (the API's text differs from the webhook's: `true` vs `1`). */
function typed(entity: unknown): IDataObject {
	return Object.fromEntries(Object.entries(entity as IDataObject).filter(([key]) => !key.endsWith('Raw')));
}

describe('stamps in the account zone', () => {
	it('reads Klientiks stamps as the account zone local time', () => {
		expect(stampToMs('2026-12-01 12:00:00.000000', MOSCOW)).toBe(T0);
		expect(stampToMs('2026-12-01 12:00:00.295301', MOSCOW)).toBe(T0 + 295);
		expect(stampToMs('2026-12-01 12:00', MOSCOW)).toBe(T0);
		expect(stampToMs('2026-12-01', MOSCOW)).toBe(Date.parse('2026-11-30T21:00:00Z'));
		expect(stampToMs('2026-12-01 12:00:00', 'UTC')).toBe(Date.parse('2026-12-01T12:00:00Z'));
	});

	it('follows a zone with summer time on either side of the change', () => {
		expect(stampToMs('2026-07-01 12:00:00', 'Europe/Berlin')).toBe(Date.parse('2026-07-01T10:00:00Z'));
		expect(stampToMs('2026-01-01 12:00:00', 'Europe/Berlin')).toBe(Date.parse('2026-01-01T11:00:00Z'));
	});

	it("the Klientiks node's Changed Since reads a zone-less time the same way (one conversion for both)", () => {
		for (const [text, zone] of [['2026-07-01 12:00:00', 'Europe/Berlin'], ['2026-03-29 03:30:00', 'Europe/Berlin'], ['2026-12-01 12:00:00', MOSCOW]]) {
			expect(instantOf(text.replace(' ', 'T'), zone)).toBe(stampToMs(text, zone));
		}
	});

	it.each([null, undefined, 12, '', 'yesterday', '01.12.2026 12:00'])('%p is not a stamp (NaN)', (value) => {
		expect(stampToMs(value, MOSCOW)).toBeNaN();
	});

	it('builds a time zone formatter once per zone, not per stamp (building one per stamp held a 1,000-row poll over half a second)', () => {
		const Real = Intl.DateTimeFormat;
		let built = 0;
		const spy = jest.spyOn(Intl, 'DateTimeFormat').mockImplementation(((...args: ConstructorParameters<typeof Intl.DateTimeFormat>) => {
			built++;
			return new Real(...args);
		}) as unknown as typeof Intl.DateTimeFormat);
		try {
			for (let i = 0; i < 1000; i++) stampToMs(`2026-12-01 12:00:${String(i % 60).padStart(2, '0')}.000000`, 'Asia/Yekaterinburg');
			dayInZone(T0, 'Asia/Yekaterinburg');
			expect(stampToMs('2026-12-01 12:00:00', 'Asia/Yekaterinburg')).toBe(Date.parse('2026-12-01T07:00:00Z'));
		} finally {
			spy.mockRestore();
		}
		expect(built).toBeLessThanOrEqual(1);
	});

	it("the account's local day of an instant", () => {
		expect(dayInZone(Date.parse('2026-11-30T20:59:59Z'), MOSCOW)).toBe('2026-11-30');
		expect(dayInZone(Date.parse('2026-11-30T21:00:00Z'), MOSCOW)).toBe('2026-12-01');
	});
});

describe('which rows are events', () => {
	const from = T0;
	it('a client created inside the window is Client Added; one created before it (only modified since) is not', () => {
		const row = { id: 7, created: '2026-12-01 12:00:00.000000', modified: '2026-12-01 12:05:00.000000' };
		expect(clientEvents(row, from, MOSCOW)).toEqual([{ event: 'client_added', leadId: 'klx-client-7', at: T0, row }]);
		expect(clientEvents({ ...row, created: '2026-12-01 11:59:59.999000' }, from, MOSCOW)).toEqual([]);
		expect(clientEvents({ ...row, id: null }, from, MOSCOW)).toEqual([]);
		expect(clientEvents({ ...row, created: 'junk' }, from, MOSCOW)).toEqual([]);
	});

	it('a visits row created inside the window is Appointment Created; paid and modified inside it, Visit Paid; both can hold; sales are neither', () => {
		const row = { id: 3300001, appointment_id: 918201, paid: true, is_sale: false, created: '2026-12-01 12:00:00.000000', modified: '2026-12-01 12:30:00.000000' };
		expect(visitEvents(row, from, MOSCOW).map((f) => [f.event, f.leadId, f.at])).toEqual([
			['appointment_created', 'klx-appointment-918201', T0],
			['visit_paid', 'klx-visit-3300001', T0 + 30 * 60_000],
		]);
		expect(visitEvents({ ...row, created: '2026-12-01 11:00:00.000000' }, from, MOSCOW).map((f) => f.event)).toEqual(['visit_paid']);
		expect(visitEvents({ ...row, paid: false }, from, MOSCOW).map((f) => f.event)).toEqual(['appointment_created']);
		expect(visitEvents({ ...row, paid: 'true' }, from, MOSCOW).map((f) => f.event)).toEqual(['appointment_created']);
		expect(visitEvents({ ...row, is_sale: true }, from, MOSCOW)).toEqual([]);
		expect(visitEvents({ ...row, modified: '2026-12-01 11:00:00.000000', created: '2026-12-01 11:00:00.000000' }, from, MOSCOW)).toEqual([]);
	});
});

describe('items have the Klientiks Trigger shape and Lead ID for the same event', () => {
	let mock: KlientiksMock;
	beforeEach(() => {
		mock = new KlientiksMock({ now: () => T0 });
	});

	it('Client Added: the same keys in the same order, the same typed client, plus source', async () => {
		const { row } = await mock.addClient({ email: 'anna@example.ru' });
		const hook = await webhookItem('client_added', mock.clientAddedParams(row));
		const item = clientAddedItem(row, `klx-client-${row.id}`);
		expect(shape(item)).toEqual([...(shape(hook) as unknown[]), 'source']);
		expect(item).toMatchObject({ event: 'client_added', leadId: hook.leadId, parameters: null, raw: null, warnings: [], source: 'catchUp' });
		expect(typed(item.client)).toEqual(typed(hook.client));
		expect(item.client).toMatchObject({ deleted: false, deletedRaw: 'false', phoneNormalized: row.phone, email: 'anna@example.ru' });
		expect(hook.source).toBeUndefined();
	});

	it('Appointment Created: the same keys; date, time, start, services and total from the appointment; executor and client name/phone null, with warnings', async () => {
		const { row: appointment } = await mock.addAppointment({}, { services: [{ name: 'Стрижка, женская', price: 1500 }, { name: 'Укладка', price: 2000 }] });
		const link = [...mock.visits.values()].map((v) => v.row).find((r) => r.appointment_id === appointment.id) as IDataObject;
		const hook = await webhookItem('appointment_created', mock.appointmentParams(appointment, mock.appointments.get(appointment.id)!.extra));
		const item = appointmentCreatedItem(link, appointment, `klx-appointment-${String(link.appointment_id)}`);
		expect(shape(item)).toEqual([...(shape(hook) as unknown[]), 'source']);
		expect(item.leadId).toBe(hook.leadId);
		const a = item.appointment as IDataObject;
		const h = hook.appointment as IDataObject;
		for (const key of ['id', 'date', 'time', 'start', 'totalCost', 'totalCostRaw']) expect([key, a[key]]).toEqual([key, h[key]]);
		expect(a.services).toBe('Стрижка, женская, Укладка');
		expect(a.servicesList).toEqual(['Стрижка, женская', 'Укладка']);
		expect(a).toMatchObject({ executorName: null, executorPhone: null, executorPhoneNormalized: null, userPosition: null });
		expect(item.client).toMatchObject({ id: appointment.client_id, phone: null, name: null });
		expect(item.warnings).toEqual([expect.stringContaining('Client → Get'), expect.stringContaining('executorName')]);
	});

	it('Appointment Created without the appointment (the API had none): ids only, and a warning', () => {
		const item = appointmentCreatedItem({ id: 5, appointment_id: 77, client_id: 9 }, null, 'klx-appointment-77');
		expect(item.appointment).toMatchObject({ id: 77, date: null, start: null, services: null, servicesList: [] });
		expect((item.client as IDataObject).id).toBe(9);
		expect(item.warnings).toContainEqual('The Klientiks API had no appointment 77: only its id is filled.');
	});

	it('Visit Paid: the same keys and the same typed appointment (the visits row); client name and phone null, with a warning', async () => {
		const { row } = await mock.payVisit({});
		const hook = await webhookItem('visit_paid', mock.visitPaidParams(row));
		const item = visitPaidItem(row, `klx-visit-${row.id}`);
		expect(shape(item)).toEqual([...(shape(hook) as unknown[]), 'source']);
		expect(item.leadId).toBe(hook.leadId);
		expect(typed(item.appointment)).toEqual(typed(hook.appointment));
		expect(item.appointment).toMatchObject({ paid: true, paidRaw: 'true', status: 'finished', created: '2026-12-01T12:00:00.000000' });
		expect(item.client).toMatchObject({ id: row.client_id, name: null, phone: null });
		expect(item.warnings).toEqual([expect.stringContaining('Client → Get')]);
	});

	it('a value the trigger cannot type is null with a warning, as in a webhook item', () => {
		const item = visitPaidItem({ id: 1, client_id: 2, created: 'not a date', paid: true }, 'klx-visit-1');
		expect(item.appointment).toMatchObject({ created: null, createdRaw: 'not a date' });
		expect(item.warnings).toContainEqual(expect.stringMatching(/^Field "appointment\.created" \("not a date"\) is not a date .*appointment\.created is null\.$/));
	});

	it('raw rows: heavy fields left out, the Lead ID their event would have', async () => {
		const { row } = await mock.addClient();
		expect((row as IDataObject).json_data).toBeDefined();
		const item = rawItem('clients', row, rawLeadId('clients', row));
		expect(item).toMatchObject({ event: 'raw', leadId: `klx-client-${row.id}`, feed: 'clients', source: 'catchUp' });
		expect((item.row as IDataObject).json_data).toBeUndefined();
		expect(rawLeadId('visits', { id: 4, appointment_id: 8, paid: true })).toBe('klx-visit-4');
		expect(rawLeadId('visits', { id: 4, appointment_id: 8, paid: false })).toBe('klx-appointment-8');
		expect(rawLeadId('visits', { id: 4, paid: false })).toBeNull();
	});
});
