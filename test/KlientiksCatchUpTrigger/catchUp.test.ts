// The poll's logic against the Klientiks mock, through a small reader of its own (the node's
// own transport is tested with the node in KlientiksCatchUpTrigger.test.ts). The clock is the
// test's: the mock stamps rows with it and the poll reads it; nothing waits on real time.
import type { IDataObject } from 'n8n-workflow';

import { latestEvent, pollOnce, type CatchUpSettings, type KlientiksReader } from '../../nodes/KlientiksCatchUpTrigger/catchUp';
import type { Position } from '../../nodes/KlientiksCatchUpTrigger/position';
import { KlientiksMock } from '../../scripts/lib/klientiksMock';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const MIN = 60_000;

function makeClock(start = T0) {
	let now = start;
	return { now: () => now, advance: (ms: number) => (now += ms), set: (ms: number) => (now = ms) };
}

/** Pages as the contract says: offset an item index; stop on an empty or short page, at total_count, at maxRows or maxPages. */
function mockReader(mock: KlientiksMock, pageSize = 3): KlientiksReader & { appointmentReads: string[] } {
	const url = (action: string, params: Array<[string, string]>, query: Record<string, string>) =>
		`${mock.urlFor(action)}/${params.map(([k, v]) => `${encodeURIComponent(k)}/${encodeURIComponent(v)}`).join('/')}/?${new URLSearchParams(query)}`;
	const appointmentReads: string[] = [];
	return {
		account: 'a1b2c3d4e5f6',
		appointmentReads,
		async list(params, query, { startOffset = 0, maxRows = Infinity, maxPages = Infinity }) {
			const rows: IDataObject[] = [];
			let offset = startOffset;
			let complete = false;
			let totalCount: number | undefined;
			for (let pages = 0; pages < maxPages && rows.length < maxRows; pages++) {
				const limit = Math.min(pageSize, maxRows - rows.length);
				const answer = (await (await fetch(url('list', params, { ...query, offset: String(offset), limit: String(limit) }))).json()) as IDataObject;
				if (typeof answer.items === 'string') {
					if (answer.items !== 'No data') throw new Error(answer.items);
					complete = true;
					break;
				}
				const page = answer.items as IDataObject[];
				rows.push(...page);
				offset += page.length;
				totalCount = answer.total_count as number | undefined;
				if (page.length < limit || (totalCount !== undefined && offset >= totalCount)) {
					complete = page.length < limit || offset >= (totalCount as number);
					break;
				}
			}
			return { rows, nextOffset: offset, complete, totalCount };
		},
		async appointment(id) {
			appointmentReads.push(id);
			const answer = (await (await fetch(`${mock.urlFor('getAppointment')}/id/${id}/`)).json()) as IDataObject;
			return typeof answer.items === 'object' ? (answer.items as IDataObject) : null;
		},
	};
}

const settings = (overrides: Partial<CatchUpSettings> = {}): CatchUpSettings => ({
	events: ['client_added', 'appointment_created', 'visit_paid'],
	emitRaw: false,
	overlapMs: 10 * MIN,
	startFrom: null,
	timeZone: 'Europe/Moscow',
	maxRows: 1000,
	budgetMs: 4 * MIN,
	...overrides,
});

describe('pollOnce against the mock', () => {
	let mock: KlientiksMock;
	let clock: ReturnType<typeof makeClock>;
	let reader: ReturnType<typeof mockReader>;

	beforeEach(async () => {
		clock = makeClock();
		mock = new KlientiksMock({ now: clock.now });
		await mock.start();
		reader = mockReader(mock);
	});
	afterEach(async () => {
		await mock.stop();
	});

	/** Polls like n8n: the saved position is what the last poll left (static data), unless a test restores an older one. */
	async function poll(stored: unknown, s = settings()) {
		const outcome = await pollOnce(reader, stored, s, clock.now);
		return { ...outcome, leadIds: outcome.items.map((i) => i.leadId) };
	}

	it('first activation: seeds the position at now, makes no request, emits nothing, even with history in the account', async () => {
		await mock.addClient({}, { at: T0 - 5 * MIN });
		await mock.payVisit({}, { at: T0 - 2 * MIN });
		const first = await poll(undefined);
		expect(first).toMatchObject({ items: [], seeded: true });
		expect(first.position).toMatchObject({ floor: new Date(T0).toISOString(), clients: { since: new Date(T0).toISOString() } });
		expect(mock.requests).toHaveLength(0);
		clock.advance(MIN);
		// The history inside the overlap stays history: nothing before the first activation is an event.
		expect((await poll(first.position)).items).toEqual([]);
	});

	it('Start From emits history from that moment on, oldest first', async () => {
		const old = await mock.addClient({}, { at: T0 - 3 * 24 * 60 * MIN });
		const client = await mock.addClient({}, { at: T0 - 2 * 24 * 60 * MIN });
		const visit = await mock.payVisit({ client_id: client.row.id }, { at: T0 - 60 * MIN });
		const s = settings({ startFrom: new Date(T0 - 2 * 24 * 60 * MIN - MIN).toISOString() });
		const { leadIds, seeded } = await poll(undefined, s);
		expect(seeded).toBe(false);
		expect(leadIds).toEqual([`klx-client-${client.row.id}`, `klx-appointment-${visit.row.appointment_id}`, `klx-visit-${visit.row.id}`]);
		expect(leadIds).not.toContain(`klx-client-${old.row.id}`);
	});

	it('events after the position are emitted once, with their Lead IDs and the trigger shape; a second poll emits nothing', async () => {
		const { position } = await poll(undefined);
		clock.advance(MIN);
		const client = await mock.addClient();
		clock.advance(MIN);
		const booked = await mock.addAppointment({ client_id: client.row.id });
		clock.advance(MIN);
		const paid = await mock.payVisit({ appointment_id: booked.row.id });
		clock.advance(MIN);
		const first = await poll(position);
		expect(first.leadIds).toEqual([`klx-client-${client.row.id}`, `klx-appointment-${booked.row.id}`, `klx-visit-${paid.row.id}`]);
		expect(first.items.map((i) => i.event)).toEqual(['client_added', 'appointment_created', 'visit_paid']);
		expect(first.items[1].appointment).toMatchObject({ id: booked.row.id, services: 'Стрижка женская', totalCost: 3500 });
		expect(reader.appointmentReads).toEqual([String(booked.row.id)]);
		clock.advance(MIN);
		expect((await poll(first.position)).items).toEqual([]);
	});

	it('a row changed while a poll ran is in the next window (the overlap), and is emitted once', async () => {
		const { position } = await poll(undefined);
		clock.advance(5 * MIN);
		const readFrom = clock.now();
		// Stamped a second before the poll began but listed only after it: the API's clock or its commit was late.
		const late = await mock.addClient({}, { at: readFrom - 1000 });
		mock.clients.delete(late.row.id);
		const first = await poll(position);
		expect(first.items).toEqual([]);
		mock.clients.set(late.row.id, { row: late.row, modifiedMs: readFrom - 1000 });
		clock.advance(MIN);
		expect((await poll(first.position)).leadIds).toEqual([`klx-client-${late.row.id}`]);
	});

	it('a restart from an older saved position re-emits nothing (seen), and still emits what is new', async () => {
		const { position: seededAt } = await poll(undefined);
		clock.advance(MIN);
		await mock.addClient();
		await mock.payVisit();
		clock.advance(MIN);
		const first = await poll(seededAt);
		expect(first.items).toHaveLength(4);
		// n8n forgot the positions of later empty polls: the one saved with the items is all it has, and its cursors are older.
		const older: Position = { ...first.position, clients: { since: seededAt.clients.since }, visits: { since: seededAt.visits.since } };
		clock.advance(MIN);
		const fresh = await mock.addClient();
		const again = await poll(older);
		expect(again.leadIds).toEqual([`klx-client-${fresh.row.id}`]);
	});

	it('Max Rows: the poll keeps since and resumes at its offset; the next poll emits the rest; nothing skipped or twice', async () => {
		const s = settings({ events: ['client_added'], maxRows: 5 });
		const before = await mock.addClient({}, { at: T0 - 2 * 24 * 60 * MIN });
		const { position } = await poll(undefined, s);
		clock.advance(MIN);
		const ids: number[] = [];
		for (let i = 0; i < 8; i++) ids.push((await mock.addClient({}, { at: clock.now() + i })).row.id);
		clock.advance(MIN);
		const first = await poll(position, s);
		expect(first.leadIds).toEqual(ids.slice(0, 5).map((id) => `klx-client-${id}`));
		expect(first.position.clients).toEqual({ since: position.clients.since, offset: 5 });
		// An old client that changes between the polls enters the listing before the offset and pushes the rest on: re-read, not skipped.
		await mock.modifyClient(before.row.id, { email: 'x@example.ru' });
		clock.advance(MIN);
		const second = await poll(first.position, s);
		expect(second.leadIds).toEqual(ids.slice(5).map((id) => `klx-client-${id}`));
		expect(second.position.clients.offset).toBeUndefined();
		expect(Date.parse(second.position.clients.since)).toBeGreaterThan(Date.parse(position.clients.since));
		const all = [...first.leadIds, ...second.leadIds];
		expect(new Set(all).size).toBe(all.length);
	});

	it('Max Rows spent on clients: the visits feed is not read this poll and keeps its cursor', async () => {
		const { position } = await poll(undefined);
		clock.advance(MIN);
		for (let i = 0; i < 3; i++) await mock.addClient();
		const visit = await mock.payVisit();
		clock.advance(MIN);
		const first = await poll(position, settings({ maxRows: 3 }));
		expect(first.items.map((i) => i.event)).toEqual(['client_added', 'client_added', 'client_added']);
		expect(first.position.visits).toEqual(position.visits);
		expect(mock.requestsTo('list', 'AppointmentClientLinks')).toHaveLength(0);
		clock.advance(MIN);
		const second = await poll(first.position, settings({ maxRows: 3 }));
		expect(second.leadIds).toEqual([`klx-client-${visit.row.client_id}`, `klx-appointment-${visit.row.appointment_id}`, `klx-visit-${visit.row.id}`]);
	});

	it('past the time budget an appointment waits for the next poll at its row; what came before is emitted', async () => {
		const s = settings({ events: ['appointment_created', 'visit_paid'], budgetMs: MIN });
		const { position } = await poll(undefined, s);
		clock.advance(MIN);
		const paid = await mock.payVisit();
		const booked = await mock.addAppointment({ client_id: paid.row.client_id }, { at: clock.now() + 1 });
		clock.advance(MIN);
		// The first appointment read takes the budget.
		const slowReader = { ...reader, appointment: async (id: string) => (clock.advance(MIN), reader.appointment(id)) };
		const first = await pollOnce(slowReader, position, s, clock.now);
		expect(first.items.map((i) => i.leadId)).toEqual([`klx-appointment-${paid.row.appointment_id}`, `klx-visit-${paid.row.id}`]);
		expect(first.position.visits.offset).toBe(1);
		const second = await pollOnce(reader, first.position, s, clock.now);
		expect(second.items.map((i) => i.leadId)).toEqual([`klx-appointment-${booked.row.id}`]);
	});

	it('a failing read throws, and the caller keeps its position (nothing is advanced)', async () => {
		const { position } = await poll(undefined);
		clock.advance(MIN);
		await mock.addClient();
		mock.setMode({ kind: 'apiDisabled' });
		await expect(poll(position)).rejects.toThrow('API is disabled');
	});

	it('only the selected events; another event selection starts afresh at now but keeps what was seen', async () => {
		const { position } = await poll(undefined);
		clock.advance(MIN);
		const visit = await mock.payVisit();
		clock.advance(MIN);
		const paidOnly = await poll(position, settings({ events: ['visit_paid'] }));
		expect(paidOnly.seeded).toBe(true);
		clock.advance(MIN);
		const again = await poll(paidOnly.position, settings({ events: ['visit_paid'] }));
		expect(again.items).toEqual([]);
		const second = await mock.payVisit();
		clock.advance(MIN);
		expect((await poll(again.position, settings({ events: ['visit_paid'] }))).leadIds).toEqual([`klx-visit-${second.row.id}`]);
		expect(visit.row.id).not.toBe(second.row.id);
	});

	it('Emit Raw Changed Rows: every changed row once per change, with the Lead ID its event would have', async () => {
		const s = settings({ emitRaw: true });
		const { position } = await poll(undefined, s);
		clock.advance(MIN);
		const booked = await mock.addAppointment();
		clock.advance(MIN);
		const first = await poll(position, s);
		expect(first.items.map((i) => [i.event, i.feed, i.leadId])).toEqual([
			['raw', 'clients', `klx-client-${booked.row.client_id}`],
			['raw', 'visits', `klx-appointment-${booked.row.id}`],
		]);
		clock.advance(MIN);
		const paid = await mock.payVisit({ appointment_id: booked.row.id });
		clock.advance(MIN);
		const second = await poll(first.position, s);
		expect(second.items.map((i) => [i.feed, i.leadId])).toEqual([['visits', `klx-visit-${paid.row.id}`]]);
	});

	it('a sale is not an event', async () => {
		const { position } = await poll(undefined);
		clock.advance(MIN);
		const sale = await mock.payVisit({ is_sale: true });
		clock.advance(MIN);
		expect((await poll(position)).leadIds).toEqual([`klx-client-${sale.row.client_id}`]);
	});

	describe('latestEvent (Fetch Test Event)', () => {
		it('the latest event of the selected ones, whatever the position; null when there is none', async () => {
			expect(await latestEvent(reader, settings(), clock.now, 3)).toBeNull();
			await mock.addClient({}, { at: T0 - 60 * MIN });
			const visit = await mock.payVisit({}, { at: T0 - 30 * MIN });
			for (let i = 0; i < 4; i++) await mock.addClient({}, { at: T0 - 50 * MIN });
			const latest = await latestEvent(reader, settings(), clock.now, 3);
			expect(latest).toMatchObject({ event: 'visit_paid', leadId: `klx-visit-${visit.row.id}` });
			expect(await latestEvent(reader, settings({ events: ['client_added'] }), clock.now, 3)).toMatchObject({ event: 'client_added' });
		});

		it('reads the last page of the visits feed by its total count', async () => {
			for (let i = 0; i < 7; i++) await mock.payVisit({}, { at: T0 - (60 - i) * MIN });
			const last = [...mock.visits.values()].map((v) => v.row).at(-1) as IDataObject;
			const latest = await latestEvent(reader, settings({ events: ['visit_paid'] }), clock.now, 3);
			expect(latest).toMatchObject({ leadId: `klx-visit-${String(last.id)}` });
			expect(mock.requestsTo('list', 'AppointmentClientLinks').map((r) => r.query.offset)).toEqual(['0', '4']);
		});
	});
});
