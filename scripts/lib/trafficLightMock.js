'use strict';
// A local stand-in for the Traffic Light (cpa.tl) API, built from what
// Traffic Light's public samples and landing kit show the real one does:
//   POST /api/lead/send   form-encoded, `key` in the form, {"id": n} or {"errmsg": "..."}
//   GET  /api/lead/feed   key + id[] / id2[] / date[] in the query, {"count", "leads"}
//   GET  /api/user/balance
// Where no public source shows the real answer (bad-key message, balance
// shape, status strings, HTTP codes; see docs/traffic-light-api.md) the mock
// picks a plausible one and says so in KNOWN_GUESSES, so no test mistakes a
// guess for the contract.
//
// Every request is recorded. Failure modes can be switched at run time from
// JS (`mock.setMode`) or over HTTP (`POST /__mock/mode`), so unit tests, the
// end-to-end suite, `npm start` and the benchmark all drive the same server.
//
// Hostile or broken answers (each a `kind`, see MockMode below):
//   redirect      3xx with `location` (another origin, say) and `body` (default {"id": 5})
//   fixedAnswer   `status` + `body` (string or JSON) + `contentType`, whatever was asked
//   drip          the normal answer, one byte every `intervalMs` (default 500)
//   huge          200 with a JSON object of `sizeBytes` (default 100 MB), streamed (a send stores the lead first)
//   feedIgnoresFilter  the feed returns every lead whatever id[]/id2[] asked; `omitId2` drops id2
//   echoKey       echoes the request, key included: as 'html' (a page showing the URL and
//                 form), 'errmsg' ({"errmsg": "... <key>"}) or 'json' (an `echo` field in the answer)
//   unauthorized  a key the mock does not accept gets HTTP `status` (401 default; 403 too),
//                 with {"errmsg": errmsg} when `errmsg` is set, else an HTML page; good keys work
//
// Under load, as a rate-limited API answers (records the request, stores no lead):
//   rateLimited   more than `maxInFlight` requests unanswered, or more than `perSecond` accepted in
//                 the last second → HTTP `status` (429 default; 503 too) with `Retry-After` in whole
//                 seconds (`retryAfterSeconds`, or when the last second's window frees a slot).
//                 Combine with `delayMs` for an API that takes its time; `mock.refused` counts refusals.
const { listenOnLoopback } = require('./net');

/** The eight errmsg strings known from Traffic Light's landing kit. */
const ERRMSG = Object.freeze({
	incorrectPhone: 'incorrect customer phone',
	nameTooLong: 'customer name too long',
	countryRequired: 'country is a required field',
	offerNotFound: 'offer not found',
	incorrectIp: 'incorrect IP-address',
	incorrectCountry: 'incorrect country code; should be ISO2 or ISO3 format',
	phoneRequired: 'customer phone is a required field',
	incorrectTimezone: 'incorrect timezone',
});

/** Answers no public source confirms; the mock uses them, the node must not rely on them. */
const KNOWN_GUESSES = Object.freeze({
	badKeyErrmsg: 'incorrect api key',
	balanceBody: 'balance/currency object',
	leadStatus: 'new',
	nameMaxLength: 255,
});

const DEFAULT_KEY = 'tl-test-key-7f3a9c';

/**
 * @typedef {object} MockMode
 * @property {'normal'|'slow'|'http5xx'|'nonJson'|'hang'|'recordThenHang'|'recordThenDrop'|'dropBeforeRecord'|'errmsg'|'redirect'|'fixedAnswer'|'drip'|'huge'|'feedIgnoresFilter'|'echoKey'|'unauthorized'|'rateLimited'} [kind]
 * @property {number} [delayMs]       delay before every answer (kind 'slow', or on top of any kind)
 * @property {number} [status]        HTTP status for 'http5xx' (default 500), errmsg answers, 'redirect' (302), 'fixedAnswer' (200), 'unauthorized' (401), 'rateLimited' (429)
 * @property {string} [errmsg]        forced errmsg for kind 'errmsg' (and for 'unauthorized' when set)
 * @property {string} [location]      Location header of 'redirect'
 * @property {string|object} [body]   body of 'redirect' and 'fixedAnswer'
 * @property {string} [contentType]   content type of 'fixedAnswer' (JSON by default)
 * @property {number} [intervalMs]    pause between bytes for 'drip'
 * @property {number} [sizeBytes]     size of the 'huge' answer
 * @property {boolean} [omitId2]      'feedIgnoresFilter': leave id2 out of the feed rows
 * @property {'html'|'errmsg'|'json'} [as]  how 'echoKey' echoes the request
 * @property {number} [maxInFlight]   'rateLimited': most requests the mock holds unanswered at once (default unlimited)
 * @property {number} [perSecond]     'rateLimited': most requests it accepts within any second (default unlimited)
 * @property {number} [retryAfterSeconds]  'rateLimited': fixed Retry-After; by default when the last second's window frees a slot
 * @property {'send'|'feed'|'balance'|'all'} [route]  which endpoint the mode applies to (default 'send')
 * @property {number} [times]         apply the mode to this many matching requests, then back to normal
 */

/**
 * @typedef {object} RecordedRequest
 * @property {number} seq
 * @property {string} method
 * @property {string} path
 * @property {string} url             the full request target, query included
 * @property {Record<string, string|string[]>} query
 * @property {Record<string, string|string[]|undefined>} headers
 * @property {string} rawBody
 * @property {Record<string, string>} form   the parsed form body (last value wins, as PHP does)
 * @property {number} receivedAt    the mock's clock (options.now)
 */

/**
 * @typedef {object} StoredLead
 * @property {number} id
 * @property {string|null} id2
 * @property {string} status
 * @property {string} created_at
 * @property {Record<string, string>} fields   everything sent except the key
 */

function parseQuery(search) {
	/** @type {Record<string, string|string[]>} */
	const out = {};
	for (const [k, v] of new URLSearchParams(search)) {
		const prev = out[k];
		if (prev === undefined) out[k] = v;
		else out[k] = Array.isArray(prev) ? [...prev, v] : [prev, v];
	}
	return out;
}

function asList(value) {
	if (value === undefined) return [];
	return Array.isArray(value) ? value : [value];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function looksLikeIp(value) {
	if (IPV4.test(value)) return true;
	return value.includes(':') && /^[0-9a-fA-F:.]+$/.test(value);
}

class TrafficLightMock {
	/**
	 * @param {object} [options]
	 * @param {string[]} [options.keys]        API keys the mock accepts
	 * @param {Record<string, string[]>} [options.offers]  offer id → countries (ISO2) it has a geo for; '*' = any
	 * @param {number} [options.firstLeadId]
	 * @param {number} [options.errorStatus]   HTTP status sent with errmsg answers (real value unknown; 200 by default)
	 * @param {number} [options.balance]
	 * @param {() => number} [options.now]       the clock stamping requests and the rate window (ms)
	 */
	constructor(options = {}) {
		this.now = options.now ?? (() => Date.now());
		this.keys = new Set(options.keys ?? [DEFAULT_KEY]);
		this.offers = options.offers ?? { '*': ['*'] };
		this.firstLeadId = options.firstLeadId ?? 500001;
		this.errorStatus = options.errorStatus ?? 200;
		this.balance = options.balance ?? 15320.5;
		/** @type {{ port: number, close: () => Promise<void> } | null} */
		this.server = null;
		this.port = 0;
		/** @type {Set<import('node:net').Socket>} */
		/** @type {RecordedRequest[]} */
		this.requests = [];
		/** @type {StoredLead[]} */
		this.leads = [];
		this.nextLeadId = this.firstLeadId;
		/** @type {MockMode} */
		this.mode = { kind: 'normal' };
		this.seq = 0;
		/** @type {Array<(record: RecordedRequest, res: import('node:http').ServerResponse) => void>} */
		this.requestListeners = [];
		this.resetLoad();
	}

	/**
	 * Calls `listener(record, res)` for every API request as it arrives, before it is answered:
	 * tests watch what is on the wire (`res.once('close', …)`) or switch the mode at a given request.
	 * A mode set here already applies to this request; to switch for the later ones only, defer the
	 * switch with queueMicrotask (the request's mode is chosen synchronously after the listeners).
	 * @param {(record: RecordedRequest, res: import('node:http').ServerResponse) => void} listener
	 */
	onRequest(listener) {
		this.requestListeners.push(listener);
	}

	/** Forgets every request and lead, and goes back to normal answers. */
	reset() {
		this.requests = [];
		this.leads = [];
		this.nextLeadId = this.firstLeadId;
		this.mode = { kind: 'normal' };
		this.seq = 0;
		this.resetLoad();
	}

	resetLoad() {
		/** Requests accepted in mode 'rateLimited' and not yet answered. */
		this.inFlight = 0;
		/** When each request accepted in mode 'rateLimited' arrived, oldest first (the last second's window). */
		this.acceptedAt = [];
		/** Requests refused in mode 'rateLimited', by status. */
		this.refused = { total: 0 };
	}

	/** @param {MockMode} mode */
	setMode(mode) {
		this.mode = { kind: 'normal', route: 'send', ...mode };
		this.resetLoad();
	}

	/**
	 * Mode 'rateLimited': refuses the request when the API is "full" (HTTP 429/503 with Retry-After,
	 * nothing stored), else counts it as in flight until its answer is written.
	 * @param {MockMode} mode @param {RecordedRequest} record @param {import('node:http').ServerResponse} res
	 */
	refusedForLoad(mode, record, res) {
		const now = record.receivedAt;
		while (this.acceptedAt.length && now - this.acceptedAt[0] >= 1000) this.acceptedAt.shift();
		const full = this.inFlight >= (mode.maxInFlight ?? Infinity);
		if (!full && this.acceptedAt.length < (mode.perSecond ?? Infinity)) {
			this.inFlight++;
			this.acceptedAt.push(now);
			res.once('close', () => this.inFlight--);
			return false;
		}
		const slotFreesInMs = full || !this.acceptedAt.length ? 1000 : 1000 - (now - this.acceptedAt[0]);
		const retryAfter = mode.retryAfterSeconds ?? Math.max(1, Math.ceil(slotFreesInMs / 1000));
		const status = mode.status ?? 429;
		this.refused.total++;
		this.refused[status] = (this.refused[status] ?? 0) + 1;
		res.writeHead(status, { 'content-type': 'text/html', 'retry-after': String(retryAfter) });
		res.end(`<html><body><h1>${status} ${status === 429 ? 'Too Many Requests' : 'Service Unavailable'}</h1></body></html>`);
		return true;
	}

	get baseUrl() {
		return `http://127.0.0.1:${this.port}`;
	}

	/** Requests to one endpoint ('send' | 'feed' | 'balance'). */
	requestsTo(route) {
		const path = { send: '/api/lead/send', feed: '/api/lead/feed', balance: '/api/user/balance' }[route];
		return this.requests.filter((r) => r.path === path);
	}

	/** @param {number} [port] */
	async start(port = 0) {
		if (this.server) return this;
		this.server = await listenOnLoopback((req, res) => this.handle(req, res), port);
		this.port = this.server.port;
		return this;
	}

	/** Closes the port (later connections are refused) and drops hanging sockets. */
	async stop() {
		const server = this.server;
		if (!server) return;
		this.server = null;
		await server.close();
	}

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
			const isForm = String(req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
			/** @type {Record<string, string>} */
			const form = {};
			if (isForm) for (const [k, v] of new URLSearchParams(rawBody)) form[k] = v;
			/** @type {RecordedRequest} */
			const record = {
				seq: ++this.seq,
				method: req.method ?? 'GET',
				path: url.pathname,
				url: req.url ?? '/',
				query: parseQuery(url.search),
				headers: { ...req.headers },
				rawBody,
				form,
				receivedAt: this.now(),
			};
			for (const listener of this.requestListeners) listener(record, res);
			this.route(record, res);
		});
	}

	modeFor(path) {
		const mode = this.mode;
		if (!mode || mode.kind === 'normal') return mode?.delayMs ? mode : null;
		const route = mode.route ?? 'send';
		const routePath = { send: '/api/lead/send', feed: '/api/lead/feed', balance: '/api/user/balance' }[route];
		if (route !== 'all' && routePath !== path) return null;
		if (mode.times !== undefined) {
			if (mode.times <= 0) return null;
			mode.times -= 1;
		}
		return mode;
	}

	/** @param {RecordedRequest} record @param {import('node:http').ServerResponse} res */
	route(record, res) {
		const mode = this.modeFor(record.path);
		if (mode?.kind === 'dropBeforeRecord') {
			res.socket?.destroy();
			return;
		}
		this.requests.push(record);
		if (mode?.kind === 'rateLimited' && this.refusedForLoad(mode, record, res)) return;
		const answer = (status, body, contentType = 'application/json; charset=utf-8') => {
			const send = () => {
				if (res.destroyed) return;
				const text = typeof body === 'string' ? body : JSON.stringify(this.withEcho(mode, record, body));
				if (mode?.kind === 'drip') {
					this.drip(res, status, contentType, text, mode.intervalMs ?? 500);
					return;
				}
				res.writeHead(status, { 'content-type': contentType });
				res.end(text);
			};
			const delay = mode?.delayMs ?? 0;
			if (delay > 0) setTimeout(send, delay).unref();
			else send();
		};

		if (mode?.kind === 'hang') return; // never answers; the socket stays open
		if (mode?.kind === 'redirect') {
			res.writeHead(mode.status ?? 302, { location: mode.location ?? 'http://127.0.0.1:1/', 'content-type': 'application/json' });
			res.end(typeof mode.body === 'string' ? mode.body : JSON.stringify(mode.body ?? { id: 5 }));
			return;
		}
		if (mode?.kind === 'fixedAnswer') {
			answer(mode.status ?? 200, mode.body ?? '', mode.contentType);
			return;
		}
		// A send stores the lead first, then answers junk: see the send branch below.
		if (mode?.kind === 'huge' && record.path !== '/api/lead/send') {
			this.streamHuge(res, mode.sizeBytes ?? 100 * 1024 * 1024);
			return;
		}
		if (mode?.kind === 'echoKey' && mode.as === 'html') {
			const echo = `${record.method} ${record.url} ${record.rawBody}`;
			answer(200, `<html><body>Request: ${echo}</body></html>`, 'text/html');
			return;
		}
		if (mode?.kind === 'echoKey' && mode.as === 'errmsg') {
			answer(this.errorStatus, { errmsg: `bad request: ${record.rawBody || record.url}` });
			return;
		}
		if (mode?.kind === 'http5xx') {
			answer(mode.status ?? 500, '<html><body><h1>502 Bad Gateway</h1>nginx</body></html>', 'text/html');
			return;
		}
		if (mode?.kind === 'nonJson') {
			answer(200, '<html><body>Technical works. Please try later.</body></html>', 'text/html');
			return;
		}
		if (mode?.kind === 'errmsg') {
			answer(mode.status ?? this.errorStatus, { errmsg: mode.errmsg ?? ERRMSG.offerNotFound });
			return;
		}

		const key = record.method === 'POST' ? record.form.key : asList(record.query.key)[0];
		if (record.path === '/api/lead/send' && record.method === 'POST') {
			if (!key || !this.keys.has(key)) return this.rejectKey(mode, answer);
			const problem = this.validateLead(record.form);
			if (problem) return answer(this.errorStatus, { errmsg: problem });
			const lead = this.storeLead(record.form);
			if (mode?.kind === 'recordThenHang') return;
			if (mode?.kind === 'huge') return this.streamHuge(res, mode.sizeBytes ?? 100 * 1024 * 1024);
			if (mode?.kind === 'recordThenDrop') {
				res.socket?.destroy();
				return;
			}
			return answer(200, { id: lead.id });
		}
		if (record.path === '/api/lead/feed' && record.method === 'GET') {
			if (!key || !this.keys.has(key)) return this.rejectKey(mode, answer);
			const leads = this.feedAnswer(mode, record.query);
			return answer(200, { count: leads.length, leads });
		}
		if (record.path === '/api/user/balance' && record.method === 'GET') {
			if (!key || !this.keys.has(key)) return this.rejectKey(mode, answer);
			return answer(200, { balance: this.balance, currency: 'RUB' });
		}
		answer(404, '<html><body>404 Not Found</body></html>', 'text/html');
	}

	/** A key the mock does not accept: errmsg with HTTP 200 by default, or a 401/403 in mode 'unauthorized'. */
	rejectKey(mode, answer) {
		if (mode?.kind !== 'unauthorized') return answer(this.errorStatus, { errmsg: KNOWN_GUESSES.badKeyErrmsg });
		const status = mode.status ?? 401;
		if (mode.errmsg) return answer(status, { errmsg: mode.errmsg });
		return answer(status, `<html><body><h1>${status} Unauthorized</h1></body></html>`, 'text/html');
	}

	/** The feed rows for a query; in mode 'feedIgnoresFilter' every lead, whatever was asked. */
	feedAnswer(mode, query) {
		if (mode?.kind !== 'feedIgnoresFilter') return this.feed(query);
		const leads = this.feed({});
		if (!mode.omitId2) return leads;
		return leads.map(({ id2: _id2, ...rest }) => rest);
	}

	/** Mode 'echoKey' as 'json': the request (key included) in an `echo` field of the answer and of each feed row. */
	withEcho(mode, record, body) {
		if (mode?.kind !== 'echoKey' || mode.as !== 'json' || typeof body !== 'object' || body === null) return body;
		const echo = record.rawBody || record.url;
		const leads = Array.isArray(body.leads) ? body.leads.map((lead) => ({ ...lead, echo })) : body.leads;
		return { ...body, echo, ...(leads === undefined ? {} : { leads }) };
	}

	/** Sends a complete answer one byte at a time: a slow but never silent server. */
	drip(res, status, contentType, text, intervalMs) {
		res.writeHead(status, { 'content-type': contentType });
		const bytes = Buffer.from(text, 'utf8');
		let sent = 0;
		const timer = setInterval(() => {
			if (res.destroyed || sent >= bytes.length) {
				clearInterval(timer);
				if (!res.destroyed) res.end();
				return;
			}
			res.write(bytes.subarray(sent, sent + 1));
			sent++;
		}, intervalMs);
		timer.unref();
		res.on('close', () => clearInterval(timer));
	}

	/** A valid JSON object of about `sizeBytes`, streamed in chunks so the mock never holds it in memory. */
	streamHuge(res, sizeBytes) {
		res.writeHead(200, { 'content-type': 'application/json' });
		const chunk = 'x'.repeat(64 * 1024);
		let written = 0;
		res.write('{"id":5,"padding":"');
		const pump = () => {
			while (!res.destroyed && written < sizeBytes) {
				written += chunk.length;
				if (!res.write(chunk)) {
					res.once('drain', pump);
					return;
				}
			}
			if (!res.destroyed) res.end('"}');
		};
		pump();
	}

	/** @param {Record<string, string>} form @returns {string|null} */
	validateLead(form) {
		if (!form.phone) return ERRMSG.phoneRequired;
		if (form.phone.replace(/\D/g, '').length < 5) return ERRMSG.incorrectPhone;
		if (!form.country) return ERRMSG.countryRequired;
		if (!/^[A-Za-z]{2,3}$/.test(form.country)) return ERRMSG.incorrectCountry;
		const geos = this.offers[form.offer_id] ?? this.offers['*'];
		if (!form.offer_id || !/^\d+$/.test(form.offer_id) || !geos) return ERRMSG.offerNotFound;
		if (!geos.includes('*') && !geos.includes(form.country.toUpperCase())) return ERRMSG.offerNotFound;
		if ((form.name ?? '').length > KNOWN_GUESSES.nameMaxLength) return ERRMSG.nameTooLong;
		if (form.ip_address && !looksLikeIp(form.ip_address)) return ERRMSG.incorrectIp;
		if (form.tz !== undefined && form.tz !== '' && !/^[+-]?\d{1,2}$/.test(form.tz)) return ERRMSG.incorrectTimezone;
		return null;
	}

	/** @param {Record<string, string>} form */
	storeLead(form) {
		const { key: _key, ...fields } = form;
		/** @type {StoredLead} */
		const lead = {
			id: this.nextLeadId++,
			id2: form.id ?? null,
			status: KNOWN_GUESSES.leadStatus,
			created_at: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
			fields,
		};
		this.leads.push(lead);
		return lead;
	}

	/** @param {Record<string, string|string[]>} query */
	feed(query) {
		const ids = asList(query['id[]'] ?? query.id).map(String);
		const ids2 = asList(query['id2[]'] ?? query.id2).map(String);
		const dates = asList(query['date[]'] ?? query.date);
		return this.leads
			.filter((lead) => ids.length === 0 || ids.includes(String(lead.id)))
			.filter((lead) => ids2.length === 0 || (lead.id2 !== null && ids2.includes(lead.id2)))
			.filter((lead) => {
				if (dates.length === 0) return true;
				const day = lead.created_at.slice(0, 10);
				const from = dates[0];
				const to = dates[1] ?? dates[0];
				return day >= from && day <= to;
			})
			.map((lead) => ({
				id: lead.id,
				id2: lead.id2,
				status: lead.status,
				created_at: lead.created_at,
				offer_id: lead.fields.offer_id,
				phone: lead.fields.phone,
				name: lead.fields.name ?? '',
				country: lead.fields.country,
			}));
	}

	/** Sets a stored lead's status, as a Traffic Light operator would. */
	setLeadStatus(id, status) {
		const lead = this.leads.find((l) => l.id === Number(id));
		if (lead) lead.status = status;
		return lead;
	}

	/** HTTP control API for tests and scripts that run the mock in another process. */
	control(url, method, rawBody, res) {
		const json = (status, body) => {
			res.writeHead(status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(body));
		};
		const path = url.pathname.slice('/__mock/'.length);
		if (path === 'requests' && method === 'GET') return json(200, this.requests);
		if (path === 'leads' && method === 'GET') return json(200, this.leads);
		if (path === 'reset' && method === 'POST') {
			this.reset();
			return json(200, { ok: true });
		}
		if (path === 'mode' && method === 'POST') {
			try {
				this.setMode(rawBody ? JSON.parse(rawBody) : {});
				return json(200, { ok: true, mode: this.mode });
			} catch {
				return json(400, { error: 'mode must be a JSON object' });
			}
		}
		if (path === 'status' && method === 'POST') {
			const { id, status } = rawBody ? JSON.parse(rawBody) : {};
			return json(200, { lead: this.setLeadStatus(id, status) ?? null });
		}
		return json(404, { error: `unknown control endpoint ${path}` });
	}
}

module.exports = { TrafficLightMock, ERRMSG, KNOWN_GUESSES, DEFAULT_KEY };

// `node scripts/lib/trafficLightMock.js [port]` runs it on its own, printing its base URL.
if (require.main === module) {
	const mock = new TrafficLightMock();
	mock.start(Number(process.argv[2] ?? 0)).then(() => {
		process.stdout.write(`Traffic Light mock listening on ${mock.baseUrl} (API key: ${DEFAULT_KEY})\n`);
	});
	const stop = () => mock.stop().then(() => process.exit(0));
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}
