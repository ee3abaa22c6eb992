'use strict';
// A local stand-in for the Klientiks REST API, built from what
// ../shared/research/klientiks.md (§3, §6) shows the real one does.
//
// From the research (READ):
//   URL   /clientix/Restapi/{action}/a/{account}/u/{user}/t/{token}/m/{Model}/[name/value/…]?[query]
//   GET list/…/m/clients/[date/{YYYY-MM-DD}/]?offset=&limit=       clients (all, or "changed since" a day)
//   GET list/…/m/getClientByPhone/phone/{digits}                   {"items": {…one client…}} (an object)
//   GET getAppointment/…/id/{id}                                   one appointment
//   GET list/…/m/AppointmentClientLinks/ik/orders/rvwk/status,statuses/?date={unix}&offset=
//                                                                 visits and sales changed since; `is_sale`
//   list envelope {"offset": next offset, "items": […], "count", "limit"} (+ "total_count" on the visits feed);
//   `offset` is an item index (query or path segment), default limit 50; `items: "No data"` when empty,
//   any other string in `items` is an error; timestamps "YYYY-MM-DD HH:MM:SS.ffffff" without a zone,
//   phones digits with the country code, booleans JSON true/false; the client and appointment fields of §3.4.
// Guessed (research: NOT FOUND), each marked where it is coded and listed in KNOWN_GUESSES:
//   the answer to a wrong account/user/token and to an API not enabled (tariff without API), HTTP statuses,
//   the rate limit and its answer, the meaning of clients' `date/` ("modified on or after that day"),
//   `?date=` compared to `modified` inclusively, the field list of a visits row, that booking adds the visit's
//   (unpaid) row to the visits feed and paying updates that row, getAppointment's envelope,
//   the answer to an unknown method, the zone of timestamps (Europe/Moscow, UTC+3).
//
// Tests make events "happen" (addClient, modifyClient, addAppointment, modifyAppointment, payVisit):
// rows appear in the API with their created/modified stamps and, when asked, the webhook URL is called
// with the Klientiks Trigger's query-string preset for that event (nodes/KlientiksTrigger/presets.ts).
// Every API request is recorded with the token masked. Modes (slow, failing, rateLimited, apiDisabled, fixedAnswer)
// switch at run time from JS (`mock.setMode`) or over HTTP (`POST /__mock/mode`), as the Traffic Light mock's.
const { listenOnLoopback } = require('./net');

const { callUrl } = require('./klientiksCalls');

const DEFAULT_CREDENTIALS = Object.freeze({
	account: 'a1b2c3d4e5f6',
	user: '0a1b2c3d4e5f',
	token: '0123456789abcdef0123456789abcdef',
});

/** What no public source shows; the mock answers so, the node must not rely on the exact text or status. */
const KNOWN_GUESSES = Object.freeze({
	wrongCredentialsItems: 'Access denied',
	apiDisabledItems: 'API is disabled for this account',
	unknownMethodStatus: 404,
	errorStatus: 200,
	rateLimitStatus: 429,
	timezoneOffsetMinutes: 180,
	defaultLimit: 50,
	/** research: NOT FOUND, guessed — `list/…/m/clients/id/{id}` filters the clients list by id (the API's name/value style). */
	clientByIdRoute: 'list/…/m/clients/id/{id}',
});

const NO_DATA = 'No data';
const MASK = '***';
const PREFIX = '/clientix/Restapi/';

/**
 * @typedef {object} KlientiksMode
 * @property {'normal'|'slow'|'failing'|'rateLimited'|'apiDisabled'|'fixedAnswer'} [kind]
 * @property {number} [delayMs]      delay before every answer ('slow', or on top of any kind)
 * @property {number} [status]       'failing': HTTP status (500 default); 'rateLimited': 429 default
 * @property {number} [times]        'failing': fail this many requests, then answer normally
 * @property {number} [fraction]     'failing': fail this share of requests (0..1, drawn with options.random)
 * @property {number} [perSecond]    'rateLimited': most requests per account accepted within any second
 * @property {number|false} [retryAfterSeconds]  'rateLimited': fixed Retry-After; false sends none; default when a slot frees
 * @property {string|object} [body]  'fixedAnswer': the answer to every request of the URL scheme, whatever was asked (bench/hostile.js)
 * @property {string} [contentType]  'fixedAnswer': its content type (JSON by default)
 */

/**
 * @typedef {object} RecordedRequest
 * @property {number} seq
 * @property {string} method
 * @property {string} path          the token segment masked as ***
 * @property {string} url           path and query, token masked
 * @property {Record<string, string>} query
 * @property {string|null} action
 * @property {string|null} account
 * @property {string|null} model
 * @property {Record<string, string>} params   the name/value path segments after the token
 * @property {number} receivedAt    the mock's clock (options.now)
 * @property {number} [status]      the HTTP status answered, once answered
 */

/**
 * @typedef {object} EventOptions
 * @property {number|Date} [at]         when it happens (default: the mock's clock)
 * @property {string} [webhookUrl]      also call this URL with the trigger's preset for the event
 * @property {string} [token]           appended last as `token=`, as the user adds it to the template
 * @property {'utf-8'|'windows-1251'} [encoding]  how the query is percent-encoded (UTF-8 default)
 * @property {number} [webhookTimeoutMs]
 */

function pad(n, width = 2) {
	return String(n).padStart(width, '0');
}

class KlientiksMock {
	/**
	 * @param {object} [options]
	 * @param {Array<{account: string, user: string, token: string}>} [options.credentials]  accepted triples
	 * @param {() => number} [options.now]       the clock stamping rows, the log and the rate window (ms)
	 * @param {() => number} [options.random]    draws for mode 'failing' with a fraction
	 * @param {number} [options.errorStatus]     HTTP status of an `items` error string (guess: 200)
	 * @param {number} [options.timezoneOffsetMinutes]  zone of the stamps (guess: Moscow, 180)
	 * @param {number} [options.internalAccountId]  the numeric `account_id` inside rows
	 * @param {number} [options.maxLimit]        cap on `limit` (the real maximum is NOT FOUND; none by default)
	 * @param {(answer: () => void, ms: number) => void} [options.schedule]  how a delayed answer waits (tests inject one)
	 */
	constructor(options = {}) {
		this.credentials = options.credentials ?? [DEFAULT_CREDENTIALS];
		this.now = options.now ?? (() => Date.now());
		this.random = options.random ?? Math.random;
		this.errorStatus = options.errorStatus ?? KNOWN_GUESSES.errorStatus;
		this.tzMinutes = options.timezoneOffsetMinutes ?? KNOWN_GUESSES.timezoneOffsetMinutes;
		this.internalAccountId = options.internalAccountId ?? 21947;
		this.maxLimit = options.maxLimit ?? Infinity;
		this.schedule = options.schedule ?? ((answer, ms) => setTimeout(answer, ms).unref());
		/** @type {{ port: number, close: () => Promise<void> } | null} */
		this.server = null;
		this.port = 0;
		/** @type {Set<import('node:net').Socket>} */
		// Declared here for the type checker; reset() sets them.
		/** @type {RecordedRequest[]} */
		this.requests = [];
		this.seq = 0;
		/** @type {Map<number, {row: Record<string, any>, modifiedMs: number}>} */
		this.clients = new Map();
		/** @type {Map<number, {row: Record<string, any>, modifiedMs: number, extra: Record<string, any>}>} */
		this.appointments = new Map();
		/** @type {Map<number, {row: Record<string, any>, modifiedMs: number}>} */
		this.visits = new Map();
		this.nextId = { client: 0, appointment: 0, visit: 0 };
		/** @type {KlientiksMode} */
		this.mode = { kind: 'normal' };
		/** @type {Map<string, number[]>} Accepted request times per account in mode 'rateLimited' (the last second's window). */
		this.acceptedAt = new Map();
		/** @type {Record<string|number, number>} Requests refused in mode 'rateLimited', by status. */
		this.refused = { total: 0 };
		/** Requests answered with a 5xx in mode 'failing'. */
		this.failed = 0;
		this.reset();
	}

	/** Forgets every request and row, and goes back to normal answers. */
	reset() {
		this.requests = [];
		this.seq = 0;
		this.clients = new Map();
		this.appointments = new Map();
		this.visits = new Map();
		this.nextId = { client: 6439301, appointment: 918201, visit: 3300001 };
		this.setMode({ kind: 'normal' });
	}

	/** @param {KlientiksMode} mode */
	setMode(mode) {
		this.mode = { kind: 'normal', ...mode };
		this.acceptedAt = new Map();
		this.refused = { total: 0 };
		this.failed = 0;
	}

	get baseUrl() {
		return `http://127.0.0.1:${this.port}`;
	}

	/** The URL prefix of one action for a credential triple (the default one unless given). */
	urlFor(action, creds = this.credentials[0]) {
		return `${this.baseUrl}${PREFIX}${action}/a/${creds.account}/u/${creds.user}/t/${creds.token}`;
	}

	/** @param {number} [port] */
	async start(port = 0) {
		if (this.server) return this;
		this.server = await listenOnLoopback((req, res) => this.handle(req, res), port);
		this.port = this.server.port;
		return this;
	}

	/** Closes the port and drops open sockets. */
	async stop() {
		const server = this.server;
		if (!server) return;
		this.server = null;
		await server.close();
	}

	// ---- time and rows ----

	/** Klientiks' stamp for an instant: local time of the account zone, microseconds, no zone. */
	stamp(ms) {
		const d = new Date(ms + this.tzMinutes * 60000);
		const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
		const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
		return `${date} ${time}.${pad(d.getUTCMilliseconds() * 1000, 6)}`;
	}

	/** The instant of a local day's midnight ("YYYY-MM-DD" in the account zone). */
	dayStartMs(day) {
		const ms = Date.parse(`${day}T00:00:00Z`);
		return Number.isNaN(ms) ? NaN : ms - this.tzMinutes * 60000;
	}

	whenOf(at) {
		if (at === undefined) return this.now();
		return at instanceof Date ? at.getTime() : at;
	}

	/**
	 * A client is added in Klientiks. `fields` override the defaults (API field names, §3.4).
	 * @param {Record<string, any>} [fields]
	 * @param {EventOptions} [options]
	 */
	async addClient(fields = {}, options = {}) {
		const ms = this.whenOf(options.at);
		const id = fields.id ?? this.nextId.client++;
		const first = fields.first_name ?? 'Анна';
		const patron = fields.patron_name ?? 'Сергеевна';
		const second = fields.second_name ?? 'Иванова';
		const row = {
			id,
			name: [first, patron, second].filter(Boolean).join(' '),
			phone: `7999${String(id).slice(-7).padStart(7, '0')}`,
			created: this.stamp(ms),
			modified: this.stamp(ms),
			account_id: this.internalAccountId,
			country_code: 'RU',
			client_groups: '',
			first_name: first,
			patron_name: patron,
			second_name: second,
			deleted: false,
			blocked: false,
			author_id: null,
			responsible_manager_id: null,
			last_appointment_id: null,
			birth_date: null,
			number: 10000 + this.clients.size,
			external_id: null,
			lead_source: null,
			email: null,
			appointment_confirmation_sms: false,
			client_memo: null,
			additional_contact_name: null,
			additional_contact_phone: null,
			promo_code: null,
			loyalty_program_status: null,
			...fields,
		};
		if (row.json_data === undefined) row.json_data = JSON.stringify({ first_name: row.first_name, phone: row.phone });
		this.clients.set(id, { row, modifiedMs: ms });
		const webhook = await this.callWebhook('client_added', () => this.clientAddedParams(row), options);
		return { row, webhook };
	}

	/**
	 * A client card is edited: `modified` moves. No Klientiks event for an edit is known, so a webhookUrl
	 * here sends the Client Added preset (a re-delivery, as a test of duplicates wants).
	 * @param {number} id @param {Record<string, any>} [fields] @param {EventOptions} [options]
	 */
	async modifyClient(id, fields = {}, options = {}) {
		const record = this.clients.get(Number(id));
		if (!record) throw new Error(`no client ${id}`);
		const ms = this.whenOf(options.at);
		Object.assign(record.row, fields, { modified: this.stamp(ms) });
		record.modifiedMs = ms;
		const webhook = await this.callWebhook('client_added', () => this.clientAddedParams(record.row), options);
		return { row: record.row, webhook };
	}

	/**
	 * A client is booked (the client is created first when `client_id` is not a known one).
	 * `services`: [{name, price}]; `executor`: {name, phone, position} (only the webhook shows them).
	 * @param {Record<string, any>} [fields]
	 * @param {EventOptions & {services?: Array<{name: string, price: number}>, executor?: {name?: string, phone?: string, position?: string}}} [options]
	 */
	async addAppointment(fields = {}, options = {}) {
		const ms = this.whenOf(options.at);
		let clientId = fields.client_id;
		if (clientId === undefined || !this.clients.has(Number(clientId))) {
			clientId = (await this.addClient(clientId === undefined ? {} : { id: Number(clientId) }, { at: ms })).row.id;
		}
		const id = fields.id ?? this.nextId.appointment++;
		const services = options.services ?? [{ name: 'Стрижка женская', price: 3500 }];
		const start = this.stamp(ms + 24 * 3600000).slice(0, 16) + ':00';
		const row = {
			id,
			client_id: Number(clientId),
			executor_id: 501,
			start_datetime: start,
			finish_datetime: start,
			status: 'scheduled',
			appointed_services: services.map((s, i) => ({ id: id * 10 + i, service_id: 100 + i, name: s.name, type: 'service', price: s.price })),
			created: this.stamp(ms),
			modified: this.stamp(ms),
			paid: false,
			urgent: false,
			is_sale: false,
			...fields,
		};
		const extra = { executor_name: 'Мария Петрова', executor_phone: '79165551234', user_position: 'Стилист', ...renameExecutor(options.executor) };
		this.appointments.set(id, { row, modifiedMs: ms, extra });
		// research: NOT FOUND, guessed — booking a client also adds the client's visit (an AppointmentClientLinks row,
		// unpaid) to the visits feed; its fields are guessed as payVisit's row's.
		const linkId = this.nextId.visit++;
		this.visits.set(linkId, {
			row: {
				id: linkId,
				account_id: this.internalAccountId,
				client_id: Number(clientId),
				appointment_id: id,
				created: this.stamp(ms),
				modified: this.stamp(ms),
				status: 'scheduled',
				paid: false,
				is_sale: false,
			},
			modifiedMs: ms,
		});
		const webhook = await this.callWebhook('appointment_created', () => this.appointmentParams(row, extra), options);
		return { row, webhook };
	}

	/**
	 * An appointment is edited: `modified` moves; a webhookUrl re-sends the Appointment Created preset.
	 * @param {number} id @param {Record<string, any>} [fields] @param {EventOptions} [options]
	 */
	async modifyAppointment(id, fields = {}, options = {}) {
		const record = this.appointments.get(Number(id));
		if (!record) throw new Error(`no appointment ${id}`);
		const ms = this.whenOf(options.at);
		Object.assign(record.row, fields, { modified: this.stamp(ms) });
		record.modifiedMs = ms;
		const webhook = await this.callWebhook('appointment_created', () => this.appointmentParams(record.row, record.extra), options);
		return { row: record.row, webhook };
	}

	/**
	 * A visit is paid (or, with `is_sale: true`, a sale is made): the appointment's row in the visits feed
	 * (created with the appointment when `appointment_id` is not a known one) becomes paid and finished and its
	 * `modified` moves; the appointment becomes paid and finished too.
	 * @param {Record<string, any>} [fields]  visits row fields (research: NOT FOUND which exist, guessed)
	 * @param {EventOptions} [options]
	 */
	async payVisit(fields = {}, options = {}) {
		const ms = this.whenOf(options.at);
		let appointment = fields.appointment_id === undefined ? undefined : this.appointments.get(Number(fields.appointment_id));
		if (!appointment) {
			const made = await this.addAppointment(
				{ ...(fields.appointment_id === undefined ? {} : { id: Number(fields.appointment_id) }), ...(fields.client_id === undefined ? {} : { client_id: fields.client_id }) },
				{ at: ms },
			);
			appointment = this.appointments.get(made.row.id);
		}
		Object.assign(appointment.row, { paid: true, status: 'finished', modified: this.stamp(ms) });
		appointment.modifiedMs = ms;
		// research: NOT FOUND, guessed — paying updates the appointment's existing feed row (same id, `created` kept,
		// `modified` moved) rather than adding a row; its fields are those the «Визит клиента оплачен» webhook shows
		// plus client_id, is_sale, modified. An appointment with no unpaid row left gets a new row.
		const appointmentId = appointment.row.id;
		const link = [...this.visits.values()].find((v) => v.row.appointment_id === appointmentId && !v.row.paid && !v.row.is_sale);
		/** @type {{row: Record<string, any>, modifiedMs: number}} */
		const record = link ?? {
			row: { id: fields.id ?? this.nextId.visit++, account_id: this.internalAccountId, client_id: appointment.row.client_id, appointment_id: appointmentId, created: this.stamp(ms) },
			modifiedMs: ms,
		};
		if (link && fields.id !== undefined && fields.id !== link.row.id) {
			this.visits.delete(link.row.id);
			link.row.id = fields.id;
		}
		Object.assign(record.row, { status: 'finished', paid: true, is_sale: false }, fields, { modified: this.stamp(ms) });
		record.modifiedMs = ms;
		this.visits.set(record.row.id, record);
		const row = record.row;
		const webhook = await this.callWebhook('visit_paid', () => this.visitPaidParams(row), options);
		return { row, webhook };
	}

	// ---- the webhook call (the Klientiks Trigger's presets) ----

	clientAddedParams(c) {
		return [
			['event', 'client_added'],
			['client_id', String(c.id)],
			['client_phone', text(c.phone)],
			['client_name', text(c.name)],
			['client_first_name', text(c.first_name)],
			['client_patron_name', text(c.patron_name)],
			['client_second_name', text(c.second_name)],
			// research: NOT FOUND how {{deleted}} renders; '0'/'1' as scripts/lib/klientiksCalls.js sends.
			['client_deleted', c.deleted ? '1' : '0'],
			['client_email', text(c.email)],
		];
	}

	appointmentParams(a, extra) {
		const client = this.clients.get(a.client_id)?.row ?? {};
		const services = a.appointed_services ?? [];
		const total = services.reduce((sum, s) => sum + Number(s.price || 0), 0);
		return [
			['event', 'appointment_created'],
			['client_id', String(a.client_id)],
			['client_phone', text(client.phone)],
			['client_name', text(client.name)],
			['appointment_id', String(a.id)],
			['appointment_date', String(a.start_datetime).slice(0, 10)],
			['appointment_time', String(a.start_datetime).slice(11, 16)],
			['executor_name', text(extra.executor_name)],
			['executor_phone', text(extra.executor_phone)],
			['services', services.map((s) => s.name).join(', ')],
			['appointment_total_cost', String(total)],
			['user_position', text(extra.user_position)],
		];
	}

	visitPaidParams(v) {
		const client = this.clients.get(v.client_id)?.row ?? {};
		return [
			['event', 'visit_paid'],
			['client_id', String(v.client_id)],
			['client_name', text(client.name)],
			['client_phone', text(client.phone)],
			['appointment_id', String(v.id)],
			['appointment_account_id', String(v.account_id)],
			['appointment_created', text(v.created)],
			['appointment_appointment_id', String(v.appointment_id)],
			['appointment_status', text(v.status)],
			['appointment_paid', v.paid ? '1' : '0'],
		];
	}

	/**
	 * Calls `options.webhookUrl` as Klientiks would (GET, `token` last, UTF-8 unless
	 * `options.encoding` is 'windows-1251'), built by klientiksCalls.callUrl; never throws.
	 * @returns {Promise<null|{url: string, status?: number, error?: string}>}
	 */
	async callWebhook(_event, params, options) {
		if (!options.webhookUrl) return null;
		const url = callUrl(options.webhookUrl, params(), { token: options.token, encoding: options.encoding });
		try {
			const response = await fetch(url, { signal: AbortSignal.timeout(options.webhookTimeoutMs ?? 10000) });
			await response.arrayBuffer();
			return { url, status: response.status };
		} catch (error) {
			return { url, error: error instanceof Error ? error.message : String(error) };
		}
	}

	// ---- HTTP ----

	/** @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res */
	handle(req, res) {
		const chunks = [];
		req.on('data', (c) => chunks.push(c));
		req.on('end', () => {
			const rawBody = Buffer.concat(chunks).toString('utf8');
			const url = new URL(req.url ?? '/', 'http://127.0.0.1');
			if (url.pathname.startsWith('/__mock/')) {
				this.control(url, req.method ?? 'GET', rawBody, res);
				return;
			}
			const parsed = parsePath(url.pathname);
			const query = Object.fromEntries(url.searchParams);
			const maskedPath = maskToken(url.pathname);
			/** @type {RecordedRequest} */
			const record = {
				seq: ++this.seq,
				method: req.method ?? 'GET',
				path: maskedPath,
				url: maskedPath + url.search,
				query,
				action: parsed?.action ?? null,
				account: parsed?.account ?? null,
				model: parsed?.params.m ?? null,
				params: parsed ? { ...parsed.params, t: MASK } : {},
				receivedAt: this.now(),
			};
			this.requests.push(record);
			res.once('finish', () => {
				record.status = res.statusCode;
			});
			this.route(record, parsed, res);
		});
	}

	/** Requests of one action (and model), e.g. requestsTo('list', 'AppointmentClientLinks'). */
	requestsTo(action, model) {
		return this.requests.filter((r) => r.action === action && (model === undefined || String(r.model).toLowerCase() === model.toLowerCase()));
	}

	/** The mode for this request, after `times`/`fraction`; null answers normally. */
	modeFor() {
		const mode = this.mode;
		if (mode.kind === 'failing') {
			if (mode.times !== undefined) {
				if (mode.times <= 0) return mode.delayMs ? { kind: 'normal', delayMs: mode.delayMs } : null;
				mode.times -= 1;
				return mode;
			}
			if (mode.fraction !== undefined && this.random() >= mode.fraction) return mode.delayMs ? { kind: 'normal', delayMs: mode.delayMs } : null;
			return mode;
		}
		return mode.kind === 'normal' && !mode.delayMs ? null : mode;
	}

	route(record, parsed, res) {
		const mode = this.modeFor();
		const answer = (status, body, headers = {}) => {
			const send = () => {
				if (res.destroyed) return;
				const isText = typeof body === 'string';
				res.writeHead(status, { 'content-type': isText ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8', ...headers });
				res.end(isText ? body : JSON.stringify(body));
			};
			const delay = mode?.delayMs ?? 0;
			if (delay > 0) this.schedule(send, delay);
			else send();
		};
		const itemsError = (message) => answer(this.errorStatus, { items: message });

		if (mode?.kind === 'rateLimited' && parsed && this.refusedForRate(mode, record, answer)) return;
		if (mode?.kind === 'fixedAnswer' && parsed) {
			const body = typeof mode.body === 'string' ? mode.body : JSON.stringify(mode.body ?? {});
			const send = () => {
				if (res.destroyed) return;
				res.writeHead(mode.status ?? 200, { 'content-type': mode.contentType ?? 'application/json; charset=utf-8' });
				res.end(body);
			};
			if (mode.delayMs) this.schedule(send, mode.delayMs);
			else send();
			return;
		}
		if (mode?.kind === 'failing') {
			this.failed++;
			const status = mode.status ?? 500;
			return answer(status, `<html><body><h1>${status} ${status === 502 ? 'Bad Gateway' : 'Internal Server Error'}</h1>nginx</body></html>`);
		}
		// research: NOT FOUND, guessed — an unknown method or a URL outside the scheme gets a framework's 404 page.
		if (!parsed || record.method !== 'GET') return answer(KNOWN_GUESSES.unknownMethodStatus, '<html><body><h1>404 Not Found</h1></body></html>');
		// research: NOT FOUND, guessed — a wrong account, user or token: HTTP 200 with an error string in `items`.
		const known = this.credentials.some((c) => c.account === parsed.account && c.user === parsed.user && c.token === parsed.token);
		if (!known) return itemsError(KNOWN_GUESSES.wrongCredentialsItems);
		// research: NOT FOUND, guessed — API not enabled or a tariff without API: the same shape, another string.
		if (mode?.kind === 'apiDisabled') return itemsError(KNOWN_GUESSES.apiDisabledItems);

		const p = parsed.params;
		const model = String(p.m ?? '').toLowerCase();
		if (parsed.action === 'list' && model === 'clients') return answer(200, this.listClients(p, record.query));
		if (parsed.action === 'list' && model === 'getclientbyphone') {
			const digits = String(p.phone ?? record.query.phone ?? '').replace(/\D/g, '');
			const found = [...this.clients.values()].find((c) => digits !== '' && String(c.row.phone).replace(/\D/g, '') === digits);
			return answer(200, { items: found ? found.row : NO_DATA });
		}
		if (parsed.action === 'list' && model === 'appointmentclientlinks') return answer(200, this.listVisits(p, record.query));
		if (parsed.action === 'getAppointment') {
			const found = this.appointments.get(Number(p.id ?? record.query.id));
			if (!found) return answer(200, { items: NO_DATA });
			const links = [...this.visits.values()].filter((v) => v.row.appointment_id === found.row.id).map((v) => v.row);
			// research: NOT FOUND, guessed — the appointment as a single object in `items`, as getClientByPhone answers.
			return answer(200, { items: { ...found.row, appointment_client_links: links } });
		}
		return answer(KNOWN_GUESSES.unknownMethodStatus, '<html><body><h1>404 Not Found</h1></body></html>');
	}

	/** Mode 'rateLimited': past `perSecond` requests of one account within a second → 429 (Retry-After unless false). */
	refusedForRate(mode, record, answer) {
		const now = record.receivedAt;
		const key = record.account ?? '';
		const window = (this.acceptedAt.get(key) ?? []).filter((t) => now - t < 1000);
		this.acceptedAt.set(key, window);
		if (window.length < (mode.perSecond ?? Infinity)) {
			window.push(now);
			return false;
		}
		const status = mode.status ?? KNOWN_GUESSES.rateLimitStatus;
		this.refused.total++;
		this.refused[status] = (this.refused[status] ?? 0) + 1;
		/** @type {Record<string, string>} */
		const headers = {};
		if (mode.retryAfterSeconds !== false) {
			headers['retry-after'] = String(mode.retryAfterSeconds ?? Math.max(1, Math.ceil((1000 - (now - window[0])) / 1000)));
		}
		answer(status, `<html><body><h1>${status} Too Many Requests</h1></body></html>`, headers);
		return true;
	}

	/** offset and limit from the query or from path segments (both seen in public clients). */
	paging(p, query) {
		const offset = Math.max(0, Number.parseInt(query.offset ?? p.offset ?? '0', 10) || 0);
		const asked = Number.parseInt(query.limit ?? p.limit ?? '', 10);
		const limit = Math.min(asked > 0 ? asked : KNOWN_GUESSES.defaultLimit, this.maxLimit);
		return { offset, limit };
	}

	envelope(rows, { offset, limit }, withTotal) {
		// research: `items: "No data"` when empty (READ); the other fields of an empty answer are guessed.
		const page = rows.slice(offset, offset + limit);
		const body = {
			offset: offset + page.length,
			items: page.length ? page : NO_DATA,
			count: page.length,
			limit,
		};
		return withTotal ? { ...body, total_count: rows.length } : body;
	}

	listClients(p, query) {
		let rows = [...this.clients.values()];
		// research: NOT FOUND, guessed — `id/{id}` keeps the client with that id (KNOWN_GUESSES.clientByIdRoute).
		if (p.id !== undefined) rows = rows.filter((c) => String(c.row.id) === String(p.id));
		const day = p.date ?? query.date;
		if (day !== undefined) {
			// research: NOT FOUND, guessed — `date/{YYYY-MM-DD}` lists clients modified on or after that day.
			const since = this.dayStartMs(String(day));
			rows = rows.filter((c) => !(c.modifiedMs < since));
		}
		return this.envelope(
			rows.sort((a, b) => a.row.id - b.row.id).map((c) => c.row),
			this.paging(p, query),
			false,
		);
	}

	listVisits(p, query) {
		let rows = [...this.visits.values()];
		const date = query.date ?? p.date;
		if (date !== undefined) {
			// research: «измененных после указанной даты», unix seconds INFERRED; inclusive is guessed.
			const sinceMs = Number(date) * 1000;
			rows = rows.filter((v) => !(v.modifiedMs < sinceMs));
		}
		return this.envelope(
			rows.sort((a, b) => a.row.id - b.row.id).map((v) => v.row),
			this.paging(p, query),
			true,
		);
	}

	/** HTTP control API for scripts that run the mock in another process. */
	control(url, method, rawBody, res) {
		const json = (status, body) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		const path = url.pathname.slice('/__mock/'.length);
		let body = {};
		try {
			body = rawBody ? JSON.parse(rawBody) : {};
		} catch {
			return json(400, { error: 'body must be JSON' });
		}
		if (path === 'requests' && method === 'GET') return json(200, this.requests);
		if (path === 'reset' && method === 'POST') {
			this.reset();
			return json(200, { ok: true });
		}
		if (path === 'mode' && method === 'POST') {
			this.setMode(body);
			return json(200, { ok: true, mode: this.mode });
		}
		const events = { client: 'addClient', appointment: 'addAppointment', visit: 'payVisit' };
		if (path.startsWith('event/') && method === 'POST' && events[path.slice(6)]) {
			const { fields = {}, ...options } = body;
			this[events[path.slice(6)]](fields, options).then(
				(result) => json(200, result),
				(error) => json(400, { error: String(error) }),
			);
			return;
		}
		return json(404, { error: `unknown control endpoint ${path}` });
	}
}

function text(value) {
	return value === null || value === undefined ? '' : String(value);
}

function renameExecutor(executor) {
	if (!executor) return {};
	/** @type {Record<string, string>} */
	const out = {};
	if (executor.name !== undefined) out.executor_name = executor.name;
	if (executor.phone !== undefined) out.executor_phone = executor.phone;
	if (executor.position !== undefined) out.user_position = executor.position;
	return out;
}

/** Splits `/clientix/Restapi/{action}/a/…/u/…/t/…/{name}/{value}/…`; null when the path is not of that scheme. */
function parsePath(pathname) {
	if (!pathname.startsWith(PREFIX)) return null;
	const segments = pathname.slice(PREFIX.length).split('/').filter(Boolean).map(safeDecode);
	const [action, ...rest] = segments;
	if (!action) return null;
	/** @type {Record<string, string>} */
	const params = Object.create(null);
	for (let i = 0; i + 1 < rest.length; i += 2) params[rest[i]] = rest[i + 1];
	if (params.a === undefined || params.u === undefined || params.t === undefined) return null;
	return { action, account: params.a, user: params.u, token: params.t, params };
}

function safeDecode(segment) {
	try {
		return decodeURIComponent(segment);
	} catch {
		return segment;
	}
}

/** The path with the token segment (the one after `/u/{user}/t/`) replaced by ***. */
function maskToken(pathname) {
	return pathname.replace(/(\/u\/[^/]*\/t\/)[^/]*/, `$1${MASK}`);
}

module.exports = { KlientiksMock, DEFAULT_CREDENTIALS, KNOWN_GUESSES, NO_DATA, maskToken };

// `node scripts/lib/klientiksMock.js [port]` runs it on its own, printing its base URL.
if (require.main === module) {
	const mock = new KlientiksMock();
	mock.start(Number(process.argv[2] ?? 0)).then(() => {
		process.stdout.write(`Klientiks API mock listening on ${mock.baseUrl} (account ${DEFAULT_CREDENTIALS.account}, user ${DEFAULT_CREDENTIALS.user})\n`);
	});
	const stop = () => mock.stop().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}
