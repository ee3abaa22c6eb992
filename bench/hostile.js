'use strict';
// Hostile input, through the nodes' public entry points only: the Klientiks
// Trigger's webhook() (compiled code, plain Node, no n8n) with each attacking
// body at 1 KB, 100 KB and 16 MB (the largest body n8n accepts), and the
// Traffic Light node's execute() against the mock (in a child process) serving
// each hostile answer just under its operation's cap (two over it), and the
// Klientiks node's execute() against the Klientiks mock serving each.
// One table holds every shape to its bound (issue 28): our longest event-loop
// turn, the heap added, the outcome, PASS/MISS (printed, never asserted). A
// webhook shape is handled linearly when its µs per KB stays flat (or falls)
// as the call grows; a quadratic one would multiply it by ~160 from 100 KB to 16 MB.
//
//   node --expose-gc bench/hostile.js [packageRoot] [--json] [--update-results]
//
// --update-results rewrites the "Hostile input" section of bench/results.md
// (between its markers) with this run's table; `npm run bench` writes the
// whole report, this section included.
const fs = require('node:fs');
const path = require('node:path');
const { measureFormParse, formParseTable } = require('./lib/formParse');
const { measureAnswers, answersTable, answerCaps, ANSWER_BOUND_MS } = require('./lib/hostileAnswers');
const { measureStorms } = require('./lib/retryAfterStorm');
const { measureKlientiksAnswers } = require('./lib/hostileKlientiks');
const { watchEventLoop } = require('./lib/eventLoopWatch');
const querystring = require('node:querystring');
const { performance } = require('node:perf_hooks');

const TOKEN = 'bench-secret-token-0001';
const SIZES = [
	{ label: '1 KB', bytes: 1024, runs: 200 },
	{ label: '100 KB', bytes: 100 * 1024, runs: 20 },
	{ label: '16 MB', bytes: 16 * 1024 * 1024, runs: 3 },
];

/** `unit` repeated until the text is about `bytes` long. */
function fill(unit, bytes) {
	return unit.repeat(Math.max(1, Math.floor(bytes / unit.length)));
}

/** A form body of about `bytes`, built from numbered pairs. */
function numbered(make, bytes) {
	const parts = [];
	let length = 0;
	for (let i = 0; length < bytes; i++) {
		const part = make(i);
		parts.push(part);
		length += part.length + 1;
	}
	return parts.join('&');
}

/** JSON nested `levels` deep, built without recursion (as n8n's parser hands it over). */
function nested(levels) {
	let value = 'bottom';
	for (let i = 0; i < levels; i++) value = { next: value };
	return { event: 'custom', deep: value };
}

/**
 * Each shape: what the call looks like and how it is sent. `form` is a POST
 * form body (the way a large call arrives: a GET query cannot exceed Node's
 * header limit), `json` a parsed JSON body, `wrongToken` the same form body
 * with a wrong token in the query (it must cost nothing but the 403).
 */
const SHAPES = [
	{ key: 'dashes', label: 'Custom event marker of one repeated character (`event=-----…`)', form: (n) => `event=${fill('-', n)}` },
	{ key: 'repeatedKey', label: 'one parameter repeated (`client_id=1&client_id=1&…`)', form: (n) => `event=custom&${fill('client_id=1&', n)}` },
	{ key: 'placeholders', label: 'unfilled placeholders under many names (`k1={{x}}&k2={{x}}&…`)', form: (n) => `event=custom&${numbered((i) => `k${i}={{x}}`, n)}` },
	{ key: 'longValue', label: 'one long UTF-8 value (`client_name=%D0%98…`)', form: (n) => `event=client_added&client_id=1&client_name=${fill('%D0%98', n)}` },
	{ key: 'loneBytes', label: 'one long value of lone bytes (`%D0%D0…`, read as Windows-1251)', form: (n) => `event=client_added&client_id=1&client_name=${fill('%D0', n)}` },
	{ key: 'spacesDate', label: 'a date of spaces (`appointment_date=      …x`)', form: (n) => `event=custom&appointment_date=${fill(' ', n)}x` },
	{ key: 'ampersands', label: 'a long name followed by empty pairs (`kkk…=&&&…`)', form: (n) => `event=custom&${fill('k', n / 2)}=${fill('&', n / 2)}` },
	{ key: 'deepJson', label: 'JSON body nested one level per 10 bytes', json: (n) => nested(Math.floor(n / 10)) },
	{ key: 'wrongToken', label: 'wrong token, any body (answered 403)', form: (n) => `event=custom&${fill('client_id=1&', n)}`, wrongToken: true },
	{ key: 'onlyAmpersands', label: 'a form body of only `&` (`&&&…`)', form: (n) => fill('&', n), anyOutcome: true },
	{ key: 'manyKeys', label: 'JSON body of short keys (`{"event":"custom","0":0,"1":0,…}`, 1.6 million at 16 MB; over REQUEST_LIMITS.maxJsonBodyBytes answered 413)', jsonText: (n) => keysJson(n), anyOutcome: true },
];

/** `{"event":"custom","0":0,"1":0,…}` about `bytes` long (1.6 million keys at 16 MB). */
function keysJson(bytes) {
	const parts = ['"event":"custom"'];
	let length = 0;
	for (let i = 0; length < bytes - 64; i++) {
		const part = `"${i.toString(36)}":0`;
		parts.push(part);
		length += part.length + 1;
	}
	return `{${parts.join(',')}}`;
}

/** The body text n8n parses for a shape: the form text, the JSON text, or the nested JSON rebuilt as text. */
function n8nText(shape, bytes, payload) {
	if (shape.form) return payload;
	if (shape.jsonText) return payload.text;
	const levels = Math.floor(bytes / 10);
	return `{"event":"custom","deep":${'{"next":'.repeat(levels)}"bottom"${'}'.repeat(levels)}}`;
}

/**
 * n8n's own parse of a body before it calls webhook(): querystring.parse of a urlencoded body (at most 1,000
 * keys, its middlewares/body-parser) or JSON.parse of a JSON one. Median wall ms of 3 runs after one warm-up.
 */
function n8nParseMs(shape, text) {
	const parse = shape.form ? () => querystring.parse(text, undefined, undefined, { maxKeys: 1000 }) : () => JSON.parse(text);
	parse();
	const times = [];
	for (let run = 0; run < 3; run++) {
		if (global.gc) global.gc();
		const started = performance.now();
		parse();
		times.push(performance.now() - started);
	}
	times.sort((a, b) => a - b);
	return times[1];
}

/** No turn of ours over 50 ms or over a tenth of n8n's own parse of the body, whichever is larger (issue 28). */
const BODY_BOUND_MS = 50;
const BODY_BOUND_SHARE = 0.1;

function load(root) {
	return require(path.join(root, 'dist/nodes/KlientiksTrigger/KlientiksTrigger.node.js')).KlientiksTrigger;
}

/** Each call comes from a workflow of its own, so the repeat door remembers it and never holds it back. */
let workflowCount = 0;

/** The parts of IWebhookFunctions the trigger reads, for a POST as n8n hands it over. */
function webhookContext(shape, payload) {
	const token = shape.wrongToken ? 'wrong-token' : TOKEN;
	const request = {
		method: 'POST',
		originalUrl: `/webhook/6c0b1e2a-4d3f-4a8b-9c1d-00000000b001/webhook?token=${token}`,
		headers: { 'content-type': shape.json || shape.jsonText ? 'application/json' : 'application/x-www-form-urlencoded' },
		// n8n reads the raw body of every webhook call; a JSON body built as text carries it as n8n does.
		rawBody: shape.jsonText ? payload.raw : shape.json ? undefined : Buffer.from(payload),
	};
	const parameters = { events: ['client_added', 'custom'], secretToken: TOKEN };
	let status = 200;
	return {
		context: {
			getRequestObject: () => request,
			getQueryData: () => ({}),
			getBodyData: () => (shape.jsonText ? payload.parsed : shape.json ? payload : {}),
			getNodeParameter: (name, fallback) => parameters[name] ?? fallback,
			getResponseObject: () => ({
				writeHead: (code) => {
					status = code;
				},
				end: () => undefined,
			}),
			getNode: () => ({ name: 'Klientiks Trigger' }),
			getMode: () => 'webhook',
			getWorkflow: () => ({ id: `hostile-${++workflowCount}` }),
		},
		status: () => status,
	};
}

/** A shape's body at `bytes`: form text, a parsed JSON object, or for JSON built as text { text, raw, parsed } (parsed as n8n does). */
function bodyOf(shape, bytes) {
	if (shape.form) return shape.form(bytes);
	if (shape.json) return shape.json(bytes);
	const text = shape.jsonText(bytes);
	return { text, raw: Buffer.from(text), parsed: JSON.parse(text) };
}

async function measure(root) {
	const KlientiksTrigger = load(root);
	const trigger = new KlientiksTrigger();
	const rows = [];
	for (const shape of SHAPES) {
		const row = { key: shape.key, label: shape.label, sizes: {} };
		for (const size of SIZES) {
			const payload = bodyOf(shape, size.bytes);
			const { context, status } = webhookContext(shape, payload);
			const first = await trigger.webhook.call(context); // warm-up and sanity check
			const accepted = Boolean(first.workflowData);
			if (shape.anyOutcome) row.outcome = accepted ? 'accepted' : `not started (${status()})`;
			else if (accepted === Boolean(shape.wrongToken) || (shape.wrongToken && status() !== 403)) {
				throw new Error(`shape ${shape.key} at ${size.label}: unexpected outcome ${JSON.stringify(first).slice(0, 200)}`);
			}
			const itemBytes = accepted ? JSON.stringify(first.workflowData[0][0].json).length : 0;
			for (let run = 1; run < Math.min(size.runs, 20); run++) await trigger.webhook.call(context);
			// Garbage the previous shape left must not be collected on this one's clock.
			if (global.gc) global.gc();
			const times = [];
			for (let run = 0; run < size.runs; run++) {
				const started = process.hrtime.bigint();
				await trigger.webhook.call(context);
				times.push(Number(process.hrtime.bigint() - started) / 1000);
			}
			times.sort((a, b) => a - b);
			const median = times[Math.floor(times.length / 2)];
			row.sizes[size.label] = { medianUs: median, worstUs: times[times.length - 1], usPerKb: median / (size.bytes / 1024), itemBytes };
			if (size === SIZES[SIZES.length - 1]) {
				// The largest body: the longest turn of one more call, and n8n's own parse of the same body.
				const watch = watchEventLoop();
				await trigger.webhook.call(context);
				const watched = watch.stop();
				const n8nMs = n8nParseMs(shape, n8nText(shape, size.bytes, payload));
				const boundMs = Math.max(BODY_BOUND_MS, BODY_BOUND_SHARE * n8nMs);
				row.turn = { longestTurnMs: watched.longestTurnMs, heapAddedMb: watched.heapAddedMb, n8nMs, boundMs };
				row.outcome ??= accepted ? 'accepted' : `answered ${status()}`;
			}
		}
		rows.push(row);
	}
	const formParse = await measureFormParse(trigger, (payload) => webhookContext({}, payload).context);
	const answers = [...(await measureAnswers(root)), ...(await measureKlientiksAnswers(root)), ...(await measureStorms(root))];
	const trafficLightCaps = answerCaps(root);
	return { node: process.version, root, sizes: SIZES.map((s) => ({ label: s.label, runs: s.runs })), rows, formParse, answers, trafficLightCaps };
}

function format(value) {
	return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}

/** The table as markdown lines. */
function table(result) {
	const labels = result.sizes.map((s) => s.label);
	const lines = [
		`| shape | ${labels.map((l) => `µs at ${l}: median (worst)`).join(' | ')} | median µs per KB at ${labels.join(' / ')} | item JSON at 16 MB |`,
		`| --- | ${labels.map(() => '---:').join(' | ')} | ---: | ---: |`,
	];
	for (const row of result.rows) {
		const cells = labels.map((l) => `${format(row.sizes[l].medianUs)} (${format(row.sizes[l].worstUs)})`);
		const perKb = labels.map((l) => format(row.sizes[l].usPerKb)).join(' / ');
		const item = row.sizes['16 MB'].itemBytes;
		lines.push(`| ${row.label} | ${cells.join(' | ')} | ${perKb} | ${item ? `${Math.round(item / 1024)} KB` : `— (${row.outcome ?? 'not started'})`} |`);
	}
	return lines;
}

/** One row per shape: our longest event-loop turn, heap added, outcome, the bound it is held to and PASS/MISS. */
function boundsTable(result) {
	const lines = [
		"| shape | our longest turn ms | heap added MB | n8n's own parse ms | bound | outcome | verdict |",
		'| --- | ---: | ---: | ---: | --- | --- | --- |',
	];
	const largest = result.sizes[result.sizes.length - 1].label;
	for (const row of result.rows) {
		const t = row.turn;
		if (!t) continue; // a result saved before the bound was measured
		const bound = t.boundMs > BODY_BOUND_MS ? `≤ ${format(t.boundMs)} ms (a tenth of n8n's parse)` : `≤ ${BODY_BOUND_MS} ms`;
		const verdict = t.longestTurnMs <= t.boundMs ? 'PASS' : 'MISS';
		lines.push(`| webhook, ${largest}: ${row.label} | ${format(t.longestTurnMs)} | ${format(t.heapAddedMb)} | ${format(t.n8nMs)} | ${bound} | ${row.outcome} | ${verdict} |`);
	}
	for (const r of result.answers ?? []) {
		const boundMs = r.boundMs ?? ANSWER_BOUND_MS;
		const pass = r.pass ?? r.longestTurnMs <= boundMs;
		lines.push(`| ${r.label} | ${format(r.longestTurnMs)} | ${format(r.heapAddedMb)} | — | ${r.bound ?? `≤ ${boundMs} ms`} | ${r.outcome} | ${pass ? 'PASS' : 'MISS'} |`);
	}
	return lines;
}

/** How the Traffic Light answers are sized, from the caps the run read off the compiled transport. */
function trafficLightCapsText(caps) {
	const kb = (bytes) => `${Math.round(bytes / 1024)} KB`;
	const capsText = caps ? ` (the compiled transport's caps: ${kb(caps.send)} per send or balance answer, SEND_ANSWER_BYTES; ${kb(caps.feed)} per date-range feed, FEED_DAY_BYTES, as Get Status by date range reads one day per request)` : '';
	return `Each answer sits just under the cap of the operation that reads it${capsText}; the label gives its real size and counts. The two rows "over the … cap" show an oversized answer refused as soon as it passes the cap, the rest never read (the mock sends it chunked, with no length). The mock runs in a child process of its own and builds each answer there, so that building and writing it are not counted in our turns.`;
}

function section(result) {
	return [
		'## Hostile input: one webhook call, worst case',
		'',
		'### Every shape against its bound (issue 28)',
		'',
		`Generated by \`node --expose-gc bench/hostile.js\` (Node ${result.node}), one run per shape, only through the nodes' public entry points: the Klientiks Trigger's webhook() with a request as n8n hands it over (${result.sizes[result.sizes.length - 1].label} bodies), the Traffic Light node's execute() with n8n-core's real request helper against the Traffic Light mock serving the answer (the mock in a child process of its own, which builds and writes the answer, so that neither counts in our turns), and the Klientiks node's execute() (Client → Get Many, Limit 100) the same way against the Klientiks mock answering every request with it (bench/lib/hostileKlientiks.js; the account's pace set to none, a Klientiks answer's cap is MAX_ANSWER_BYTES of nodes/Klientiks/transport/klientiksApi.ts, in each label). Our longest turn is the longest event-loop turn while the call runs (a setImmediate ticker; garbage collection and, for answers, n8n-core's own handling of the answer included). Bounds: an answer within its cap, no turn over ${ANSWER_BOUND_MS} ms; an answer over its cap, the same, and refused unread; a webhook body, no turn over ${BODY_BOUND_MS} ms or over a tenth of n8n's own parse of that body (querystring.parse at most 1,000 keys, or JSON.parse; median of 3), whichever is larger. The Retry-After storms are held to the answers' bound. Printed, never asserted.`,
		'',
		...boundsTable(result),
		'',
		'### Each webhook shape at 1 KB, 100 KB and 16 MB',
		'',
		`Generated by \`node --expose-gc bench/hostile.js\` (Node ${result.node}): the Klientiks Trigger's webhook() on the compiled package, each shape sent as a POST body of 1 KB, 100 KB and 16 MB (the largest body n8n accepts), median and worst of ${result.sizes.map((s) => `${s.runs}`).join(' / ')} calls after a warm-up. Linear means the median µs per KB stays flat or falls as the call grows; a quadratic shape would multiply it about 160 times from 100 KB to 16 MB. The item column shows that what a call puts into its item stays bounded (REQUEST_LIMITS in nodes/webhookIntake/limits.ts).`,
		'',
		...table(result),
		...(result.formParse
			? ['', "### A 16 MB form body next to n8n's own parse of it", '', "n8n parses every urlencoded body itself (querystring.parse, at most 1,000 keys) before it calls webhook(); the trigger decodes only the 200,000 characters an item keeps (REQUEST_LIMITS.maxTotalText), so its whole webhook() should cost no more than that parse. CPU time of 5 calls after a warm-up.", '', ...formParseTable(result.formParse, format)]
			: []),
		...(result.answers
			? [
					'',
					"### Hostile Traffic Light and Klientiks answers, at their size caps, and Retry-After storms",
					'',
					`The Traffic Light node's execute() on the compiled package (one item, n8n-core's request helper, Continue On Fail) against the Traffic Light mock serving the answer, one run per answer: the longest event-loop turn while it runs (a setImmediate ticker, garbage collection included), the time, the heap added at its peak and the outcome. ${trafficLightCapsText(result.trafficLightCaps)} The Klientiks rows: the Klientiks node's execute() (Client → Get Many, Limit 100, Continue On Fail) against the Klientiks mock answering every request with the text, each just under the Klientiks transport's cap (MAX_ANSWER_BYTES, in each label) (one over it); the requests column counts the repeats. The Retry-After storms are a whole Lead → Send run (n8n-core's request helper, Continue On Fail) against the mock (the same child process) refusing every send: the run's 429/503 allowance is 10 × Timeout, after which every item not sent fails visibly ('Not sent: rate limited', or out of time when its own budget of (Retry Attempts + 5) × Timeout ends first); a Retry-After of 0 falls back to the node's own back-off.`,
					'',
					...answersTable(result.answers, format),
				]
			: []),
	];
}

const START = '<!-- hostile-input:start -->';
const END = '<!-- hostile-input:end -->';

/** Replaces only the hostile section of bench/results.md (between its markers); every other section stays as it is. */
function updateResults(result) {
	const file = path.join(__dirname, 'results.md');
	const text = fs.readFileSync(file, 'utf8');
	const block = [START, ...section(result), END].join('\n');
	const from = text.indexOf(START);
	const to = text.indexOf(END);
	const next = from === -1 || to === -1 ? `${text.trimEnd()}\n\n${block}\n` : `${text.slice(0, from)}${block}${text.slice(to + END.length)}`;
	fs.writeFileSync(file, next);
}

module.exports = { measure, table, section, updateResults, START, END };

if (require.main === module) {
	const args = process.argv.slice(2);
	const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(__dirname, '..'));
	measure(root)
		.then((result) => {
			if (args.includes('--json')) {
				process.stdout.write(`${JSON.stringify(result)}\n`);
				return;
			}
			process.stdout.write(`${section(result).join('\n')}\n`);
			if (args.includes('--update-results')) {
				updateResults(result);
				process.stdout.write('bench/results.md updated\n');
			}
		})
		.catch((error) => {
			process.stderr.write(`${error.stack || error}\n`);
			process.exit(1);
		});
}
