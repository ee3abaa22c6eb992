import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { EVENT_PRESETS } from '../nodes/KlientiksTrigger/presets';
import { DEFAULT_CREDENTIALS, KlientiksMock, KNOWN_GUESSES, NO_DATA } from '../scripts/lib/klientiksMock';

const T0 = Date.parse('2026-12-01T09:00:00Z');

/** A clock the test moves by hand: no timed assertions. */
function makeClock(start = T0) {
	let now = start;
	return { now: () => now, set: (ms: number) => (now = ms), advance: (ms: number) => (now += ms) };
}

async function get(url: string): Promise<{ status: number; headers: Headers; body: any }> {
	const response = await fetch(url);
	const text = await response.text();
	let body: any = text;
	try {
		body = JSON.parse(text);
	} catch {
		// an HTML page stays text
	}
	return { status: response.status, headers: response.headers, body };
}

describe('Klientiks API mock', () => {
	let mock: KlientiksMock;
	let clock: ReturnType<typeof makeClock>;

	beforeEach(async () => {
		clock = makeClock();
		mock = new KlientiksMock({ now: clock.now });
		await mock.start();
	});
	afterEach(async () => {
		await mock.stop();
	});

	const list = (model: string, tail = '', query = '') => get(`${mock.urlFor('list')}/m/${model}/${tail}${query ? `?${query}` : ''}`);
	const feed = (query: string) => list('AppointmentClientLinks', 'ik/orders/rvwk/status,statuses/', query);

	describe('URL scheme and credentials', () => {
		it('binds 127.0.0.1 on a random port and answers /clientix/Restapi/{action}/a/{account}/u/{user}/t/{token}/m/{Model}/', async () => {
			expect(mock.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			await mock.addClient();
			const { status, body } = await get(
				`${mock.baseUrl}/clientix/Restapi/list/a/${DEFAULT_CREDENTIALS.account}/u/${DEFAULT_CREDENTIALS.user}/t/${DEFAULT_CREDENTIALS.token}/m/clients/`,
			);
			expect(status).toBe(200);
			expect(body).toMatchObject({ offset: 1, count: 1, limit: 50 });
			expect(body.items[0]).toMatchObject({ id: 6439301, phone: expect.stringMatching(/^7\d{10}$/), deleted: false, account_id: 21947 });
			expect(body.items[0].created).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}$/);
		});

		it.each([
			['token', { ...DEFAULT_CREDENTIALS, token: 'ffffffffffffffffffffffffffffffff' }],
			['account', { ...DEFAULT_CREDENTIALS, account: 'ffffffffffff' }],
			['user', { ...DEFAULT_CREDENTIALS, user: 'ffffffffffff' }],
		])('a wrong %s answers the guessed error string in items', async (_what, creds) => {
			await mock.addClient();
			const { status, body } = await get(`${mock.urlFor('list', creds)}/m/clients/`);
			expect(status).toBe(KNOWN_GUESSES.errorStatus);
			expect(body).toEqual({ items: KNOWN_GUESSES.wrongCredentialsItems });
			expect(body.items).not.toBe(NO_DATA);
		});

		it('a path outside the scheme or an unknown method answers a 404 page', async () => {
			expect((await get(`${mock.baseUrl}/clientix/Restapi/list/m/clients/`)).status).toBe(404);
			expect((await get(`${mock.urlFor('list')}/m/Nothing/`)).status).toBe(404);
			expect((await get(`${mock.urlFor('teleport')}/m/clients/`)).status).toBe(404);
		});

		it('mode apiDisabled: right credentials get the "API not enabled" string; wrong ones still the wrong-credentials one', async () => {
			mock.setMode({ kind: 'apiDisabled' });
			expect((await list('clients')).body).toEqual({ items: KNOWN_GUESSES.apiDisabledItems });
			const wrong = await get(`${mock.urlFor('list', { ...DEFAULT_CREDENTIALS, token: 'x' })}/m/clients/`);
			expect(wrong.body).toEqual({ items: KNOWN_GUESSES.wrongCredentialsItems });
		});
	});

	describe('paging and envelopes', () => {
		beforeEach(async () => {
			for (let i = 0; i < 7; i++) await mock.addClient();
		});

		it('offset is an item index; the answer offset is the next one; a short last page; then "No data"', async () => {
			const first = await list('clients', '', 'offset=0&limit=3');
			expect(first.body).toMatchObject({ offset: 3, count: 3, limit: 3 });
			expect(first.body.items.map((c: any) => c.id)).toEqual([6439301, 6439302, 6439303]);
			const middle = await list('clients', '', 'offset=2&limit=3');
			expect(middle.body.items.map((c: any) => c.id)).toEqual([6439303, 6439304, 6439305]);
			const last = await list('clients', '', 'offset=6&limit=3');
			expect(last.body).toMatchObject({ offset: 7, count: 1, limit: 3 });
			const after = await list('clients', '', 'offset=7&limit=3');
			expect(after.body).toEqual({ offset: 7, items: NO_DATA, count: 0, limit: 3 });
		});

		it('offset and limit also as path segments; default limit 50', async () => {
			const paged = await list('clients', 'offset/5/limit/100/');
			expect(paged.body).toMatchObject({ offset: 7, count: 2, limit: 100 });
			expect((await list('clients')).body).toMatchObject({ count: 7, limit: 50 });
		});

		it('the visits feed carries total_count; an empty account answers "No data"', async () => {
			expect((await feed('date=10')).body).toEqual({ offset: 0, items: NO_DATA, count: 0, limit: 50, total_count: 0 });
			for (let i = 0; i < 5; i++) await mock.payVisit();
			const page = await feed('date=10&offset=2&limit=2');
			expect(page.body).toMatchObject({ offset: 4, count: 2, limit: 2, total_count: 5 });
			const last = await feed('date=10&offset=4&limit=2');
			expect(last.body).toMatchObject({ offset: 5, count: 1, total_count: 5 });
		});

		it('maxLimit caps limit when set', async () => {
			const capped = new KlientiksMock({ now: clock.now, maxLimit: 2 });
			await capped.start();
			try {
				await capped.addClient();
				await capped.addClient();
				await capped.addClient();
				const { body } = await get(`${capped.urlFor('list')}/m/clients/?limit=1000`);
				expect(body).toMatchObject({ count: 2, limit: 2, offset: 2 });
			} finally {
				await capped.stop();
			}
		});
	});

	describe('methods', () => {
		it('getClientByPhone answers one object in items, "No data" when none', async () => {
			const { row } = await mock.addClient({ phone: '74445550011' });
			await mock.addClient();
			const found = await list('getClientByPhone', 'phone/74445550011');
			expect(found.body).toEqual({ items: row });
			expect(Array.isArray(found.body.items)).toBe(false);
			expect((await list('getClientByPhone', 'phone/70000000000')).body).toEqual({ items: NO_DATA });
		});

		it('getAppointment by id: the appointment with its appointment_client_links; "No data" for an unknown id', async () => {
			const { row } = await mock.addAppointment({}, { services: [{ name: 'Маникюр', price: 1500 }] });
			const visit = await mock.payVisit({ appointment_id: row.id });
			const { body } = await get(`${mock.urlFor('getAppointment')}/id/${row.id}`);
			expect(body.items).toMatchObject({ id: row.id, client_id: row.client_id, paid: true, status: 'finished', is_sale: false });
			expect(body.items.appointed_services).toEqual([{ id: row.id * 10, service_id: 100, name: 'Маникюр', type: 'service', price: 1500 }]);
			expect(body.items.appointment_client_links).toEqual([visit.row]);
			expect((await get(`${mock.urlFor('getAppointment')}/id/1`)).body).toEqual({ items: NO_DATA });
		});

		it('modifyAppointment moves modified and shows in getAppointment; the created stamp stays', async () => {
			const { row } = await mock.addAppointment({}, { at: T0 });
			await mock.modifyAppointment(row.id, { status: 'confirmed' }, { at: T0 + 60_000, webhookUrl: undefined });
			const { body } = await get(`${mock.urlFor('getAppointment')}/id/${row.id}`);
			expect(body.items).toMatchObject({ status: 'confirmed', created: '2026-12-01 12:00:00.000000', modified: '2026-12-01 12:01:00.000000' });
		});

		it('clients date/{YYYY-MM-DD} lists clients modified on or after that day (Moscow); without it, all', async () => {
			await mock.addClient({}, { at: Date.parse('2026-11-29T20:59:00Z') }); // 23:59 on 29 Nov in Moscow
			const b = await mock.addClient({}, { at: Date.parse('2026-11-29T21:00:00Z') }); // 00:00 on 30 Nov
			const c = await mock.addClient({}, { at: Date.parse('2026-11-20T10:00:00Z') });
			expect(c.row.created).toBe('2026-11-20 13:00:00.000000');
			const since = await list('clients', 'date/2026-11-30/');
			expect(since.body.items.map((x: any) => x.id)).toEqual([b.row.id]);
			await mock.modifyClient(c.row.id, { email: 'new@example.ru' }, { at: Date.parse('2026-12-01T00:00:00Z') });
			const again = await list('clients', 'date/2026-11-30/');
			expect(again.body.items.map((x: any) => x.id)).toEqual([b.row.id, c.row.id]);
			expect(again.body.items[1]).toMatchObject({ email: 'new@example.ru', created: '2026-11-20 13:00:00.000000', modified: '2026-12-01 03:00:00.000000' });
			expect((await list('clients')).body.count).toBe(3);
			expect((await list('clients', 'date/2026-12-02/')).body.items).toBe(NO_DATA);
		});

		it('the visits feed lists rows modified at or after ?date= (unix seconds), visits and sales told apart by is_sale', async () => {
			const old = await mock.payVisit({}, { at: T0 - 3600_000 });
			const visit = await mock.payVisit({}, { at: T0 });
			const sale = await mock.payVisit({ is_sale: true }, { at: T0 + 1000 });
			const { body } = await feed(`date=${T0 / 1000}`);
			expect(body.items.map((r: any) => r.id)).toEqual([visit.row.id, sale.row.id]);
			expect(body.items.map((r: any) => r.is_sale)).toEqual([false, true]);
			expect(body.items[0]).toMatchObject({ paid: true, status: 'finished', account_id: 21947, appointment_id: expect.any(Number), client_id: expect.any(Number) });
			expect((await feed('date=10')).body.total_count).toBe(3);
			expect(old.row.modified < visit.row.modified).toBe(true);
		});
	});

	describe('the visits feed follows an appointment (guessed: booking adds its row, paying updates it)', () => {
		it('addAppointment adds one unpaid, scheduled row; payVisit updates that row: paid, finished, modified moved, created kept', async () => {
			const { row: appointment } = await mock.addAppointment({}, { at: T0 });
			const booked = await feed(`date=${T0 / 1000}`);
			expect(booked.body.items).toEqual([
				{
					id: expect.any(Number),
					account_id: 21947,
					client_id: appointment.client_id,
					appointment_id: appointment.id,
					created: '2026-12-01 12:00:00.000000',
					modified: '2026-12-01 12:00:00.000000',
					status: 'scheduled',
					paid: false,
					is_sale: false,
				},
			]);
			const linkId = booked.body.items[0].id;
			const { row } = await mock.payVisit({ appointment_id: appointment.id }, { at: T0 + 3600_000 });
			expect(row).toMatchObject({ id: linkId, appointment_id: appointment.id, paid: true, status: 'finished', created: '2026-12-01 12:00:00.000000', modified: '2026-12-01 13:00:00.000000' });
			expect((await feed('date=10')).body).toMatchObject({ total_count: 1, items: [row] });
			// The row left a window that starts after the booking only by being modified again.
			expect((await feed(`date=${T0 / 1000 + 1}`)).body.items).toEqual([row]);
			expect((await feed(`date=${T0 / 1000 + 3601}`)).body.items).toBe(NO_DATA);
		});

		it('paying an appointment twice adds a second row (no unpaid row is left to update); a sale turns the row into a sale', async () => {
			const { row: appointment } = await mock.addAppointment({}, { at: T0 });
			const first = await mock.payVisit({ appointment_id: appointment.id }, { at: T0 + 1000 });
			const second = await mock.payVisit({ appointment_id: appointment.id }, { at: T0 + 2000 });
			expect(second.row.id).not.toBe(first.row.id);
			expect(second.row).toMatchObject({ appointment_id: appointment.id, paid: true, created: '2026-12-01 12:00:02.000000' });
			const sale = await mock.payVisit({ is_sale: true }, { at: T0 + 3000 });
			expect(sale.row).toMatchObject({ is_sale: true, paid: true });
			expect((await feed('date=10')).body.total_count).toBe(3);
		});

		it('payVisit with an id of its own re-keys the row', async () => {
			const { row } = await mock.payVisit({ id: 42 }, { at: T0 });
			expect(row.id).toBe(42);
			expect((await feed('date=10')).body.items.map((r: any) => r.id)).toEqual([42]);
		});
	});

	describe('modes', () => {
		it('slow: every answer waits delayMs (the wait injected, so nothing is timed)', async () => {
			const waits: number[] = [];
			mock = await swap(mock, new KlientiksMock({ now: clock.now, schedule: (answer, ms) => (waits.push(ms), answer()) }));
			mock.setMode({ kind: 'slow', delayMs: 150 });
			expect((await list('clients')).status).toBe(200);
			expect((await list('clients')).status).toBe(200);
			expect(waits).toEqual([150, 150]);
			mock.setMode({ kind: 'failing', times: 1, delayMs: 40 });
			expect((await list('clients')).status).toBe(500);
			expect((await list('clients')).status).toBe(200);
			expect(waits).toEqual([150, 150, 40, 40]);
		});

		it('slow with the default wait still answers', async () => {
			mock.setMode({ kind: 'slow', delayMs: 20 });
			expect((await list('clients')).status).toBe(200);
		});

		it('failing times: the next N requests get a 5xx page, then normal answers', async () => {
			mock.setMode({ kind: 'failing', times: 2, status: 503 });
			expect((await list('clients')).status).toBe(503);
			expect((await list('clients')).status).toBe(503);
			const ok = await list('clients');
			expect(ok.status).toBe(200);
			expect(ok.body.items).toBe(NO_DATA);
			expect(mock.failed).toBe(2);
		});

		it('failing fraction: a share of requests fails, drawn from the injected random', async () => {
			const draws = [0.1, 0.9, 0.2, 0.8];
			const flaky = new KlientiksMock({ now: clock.now, random: () => draws.shift() ?? 1 });
			await flaky.start();
			try {
				flaky.setMode({ kind: 'failing', fraction: 0.5 });
				const statuses = [];
				for (let i = 0; i < 4; i++) statuses.push((await get(`${flaky.urlFor('list')}/m/clients/`)).status);
				expect(statuses).toEqual([500, 200, 500, 200]);
			} finally {
				await flaky.stop();
			}
		});

		it('rateLimited: past perSecond requests per account within a second → 429 with Retry-After; another account is not counted', async () => {
			const other = { account: 'bbbbbbbbbbbb', user: 'cccccccccccc', token: 'dddddddddddddddddddddddddddddddd' };
			mock = await swap(mock, new KlientiksMock({ now: clock.now, credentials: [DEFAULT_CREDENTIALS, other] }));
			mock.setMode({ kind: 'rateLimited', perSecond: 2 });
			expect((await list('clients')).status).toBe(200);
			clock.advance(300);
			expect((await list('clients')).status).toBe(200);
			clock.advance(300);
			const refused = await list('clients');
			expect(refused.status).toBe(429);
			expect(refused.headers.get('retry-after')).toBe('1');
			expect((await get(`${mock.urlFor('list', other)}/m/clients/`)).status).toBe(200);
			clock.advance(400); // the first request leaves the window
			expect((await list('clients')).status).toBe(200);
			expect(mock.refused).toEqual({ total: 1, 429: 1 });
		});

		it('fixedAnswer: every request of the URL scheme gets the same status, body and content type, whatever was asked', async () => {
			mock.setMode({ kind: 'fixedAnswer', body: '{"items":[0,0]}' });
			const first = await list('clients');
			expect(first.status).toBe(200);
			expect(first.headers.get('content-type')).toContain('application/json');
			expect(first.body).toEqual({ items: [0, 0] });
			expect((await get(`${mock.urlFor('getAppointment')}/id/5/`)).body).toEqual({ items: [0, 0] });
			mock.setMode({ kind: 'fixedAnswer', status: 502, body: 'down', contentType: 'text/plain' });
			const other = await list('AppointmentClientLinks');
			expect([other.status, other.body, other.headers.get('content-type')]).toEqual([502, 'down', 'text/plain']);
			expect((await get(`${mock.baseUrl}/elsewhere`)).status).toBe(404);
		});

		it('rateLimited without Retry-After, or with a fixed one', async () => {
			mock.setMode({ kind: 'rateLimited', perSecond: 1, retryAfterSeconds: false });
			await list('clients');
			const bare = await list('clients');
			expect(bare.status).toBe(429);
			expect(bare.headers.get('retry-after')).toBeNull();
			mock.setMode({ kind: 'rateLimited', perSecond: 1, retryAfterSeconds: 7 });
			await list('clients');
			expect((await list('clients')).headers.get('retry-after')).toBe('7');
		});
	});

	describe('request log', () => {
		it('records method, path and url with the token masked, query, action, model and time', async () => {
			await feed('date=10&offset=0');
			const [record] = mock.requests;
			expect(record).toMatchObject({
				method: 'GET',
				path: `/clientix/Restapi/list/a/${DEFAULT_CREDENTIALS.account}/u/${DEFAULT_CREDENTIALS.user}/t/***/m/AppointmentClientLinks/ik/orders/rvwk/status,statuses/`,
				query: { date: '10', offset: '0' },
				action: 'list',
				account: DEFAULT_CREDENTIALS.account,
				model: 'AppointmentClientLinks',
				receivedAt: T0,
				status: 200,
			});
			expect(JSON.stringify(mock.requests)).not.toContain(DEFAULT_CREDENTIALS.token);
			expect(mock.requestsTo('list', 'appointmentclientlinks')).toHaveLength(1);
		});

		it('the control API serves the log, modes and events over HTTP', async () => {
			const post = (path: string, body: object) =>
				fetch(`${mock.baseUrl}/__mock/${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
			expect(await post('event/client', { fields: { phone: '79990001122' } })).toMatchObject({ row: { phone: '79990001122' }, webhook: null });
			expect((await list('getClientByPhone', 'phone/79990001122')).body.items.phone).toBe('79990001122');
			await post('mode', { kind: 'failing', times: 1 });
			expect((await list('clients')).status).toBe(500);
			const log = await fetch(`${mock.baseUrl}/__mock/requests`).then((r) => r.json());
			expect(log).toHaveLength(2);
			await post('reset', {});
			expect(mock.requests).toHaveLength(0);
			expect((await list('clients')).body.items).toBe(NO_DATA);
		});
	});

	describe('events happening, with and without the webhook call', () => {
		let hook: http.Server;
		let hookUrl: string;
		let calls: Array<{ method: string; url: string }>;

		beforeEach(async () => {
			calls = [];
			hook = http.createServer((req, res) => {
				calls.push({ method: req.method ?? '', url: req.url ?? '' });
				res.end('ok');
			});
			await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
			hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/webhook/abc`;
		});
		afterEach(async () => {
			await new Promise<void>((resolve) => hook.close(() => resolve()));
		});

		const keysOf = (url: string) => [...new URL(url, 'http://x').searchParams.keys()];
		const paramsOf = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams);
		const presetKeys = (event: string) => ['event', ...EVENT_PRESETS.find((p) => p.value === event)!.fields.map((f) => f.key)];

		it('without a webhook URL the row appears in the API and nothing is called', async () => {
			const { row, webhook } = await mock.addClient();
			expect(webhook).toBeNull();
			expect(calls).toHaveLength(0);
			expect((await list('clients')).body.items).toEqual([row]);
		});

		it('client added: the row appears and the webhook gets the Client Added preset (GET, UTF-8, token last)', async () => {
			const { row, webhook } = await mock.addClient({ first_name: 'Пётр', patron_name: 'Ильич', second_name: 'Чайковский', email: 'p@example.ru' }, { webhookUrl: hookUrl, token: 's3cret' });
			expect(webhook).toMatchObject({ status: 200 });
			expect(calls).toHaveLength(1);
			expect(calls[0].method).toBe('GET');
			expect(calls[0].url.startsWith('/webhook/abc?event=client_added&')).toBe(true);
			expect(keysOf(calls[0].url)).toEqual([...presetKeys('client_added'), 'token']);
			expect(paramsOf(calls[0].url)).toMatchObject({
				client_id: String(row.id),
				client_phone: row.phone,
				client_name: 'Пётр Ильич Чайковский',
				client_deleted: '0',
				client_email: 'p@example.ru',
				token: 's3cret',
			});
			expect((await list('clients')).body.items).toEqual([row]);
		});

		it('appointment created: the Appointment Created preset, with the client and the appointment the API shows', async () => {
			const { row } = await mock.addAppointment(
				{},
				{ webhookUrl: hookUrl, services: [{ name: 'Стрижка', price: 1500 }, { name: 'Укладка', price: 2000 }], executor: { name: 'Ольга' } },
			);
			expect(keysOf(calls[0].url)).toEqual(presetKeys('appointment_created'));
			const params = paramsOf(calls[0].url);
			expect(params).toMatchObject({
				appointment_id: String(row.id),
				client_id: String(row.client_id),
				appointment_date: row.start_datetime.slice(0, 10),
				appointment_time: row.start_datetime.slice(11, 16),
				services: 'Стрижка, Укладка',
				appointment_total_cost: '3500',
				executor_name: 'Ольга',
			});
			const client = (await list('clients')).body.items[0];
			expect(params.client_phone).toBe(client.phone);
			expect((await get(`${mock.urlFor('getAppointment')}/id/${row.id}`)).body.items.id).toBe(row.id);
		});

		it('visit paid: a visits row with created/modified stamps and the Visit Paid preset (appointment_id = the row id)', async () => {
			const { row } = await mock.payVisit({}, { webhookUrl: hookUrl, at: T0 });
			expect(row.created).toBe('2026-12-01 12:00:00.000000');
			expect(keysOf(calls[0].url)).toEqual(presetKeys('visit_paid'));
			expect(paramsOf(calls[0].url)).toMatchObject({
				appointment_id: String(row.id),
				appointment_appointment_id: String(row.appointment_id),
				appointment_account_id: '21947',
				appointment_created: '2026-12-01 12:00:00.000000',
				appointment_status: 'finished',
				appointment_paid: '1',
				client_id: String(row.client_id),
			});
			expect((await feed(`date=${T0 / 1000}`)).body.items).toEqual([row]);
		});

		it('the webhook call can be cp1251-encoded, as klientiksCalls sends it', async () => {
			await mock.addClient({ first_name: 'Иван', patron_name: '', second_name: '' }, { webhookUrl: hookUrl, encoding: 'windows-1251' });
			expect(calls[0].url).toContain('client_name=%C8%E2%E0%ED&');
		});

		it('a webhook that cannot be reached: the row still appears, the failure is reported, nothing throws', async () => {
			await new Promise<void>((resolve) => hook.close(() => resolve()));
			hook = http.createServer();
			await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
			const { row, webhook } = await mock.payVisit({}, { webhookUrl: hookUrl });
			expect(webhook?.error).toEqual(expect.any(String));
			expect((await feed('date=10')).body.items).toEqual([row]);
		});
	});
});

async function swap(old: KlientiksMock, next: KlientiksMock): Promise<KlientiksMock> {
	await old.stop();
	await next.start();
	return next;
}
