'use strict';
// Hostile input: the worst time one webhook call of each attacking shape
// costs the Klientiks Trigger's webhook() (compiled code, plain Node, no
// n8n), at 1 KB, 100 KB and 16 MB (the largest body n8n accepts). A shape is
// handled linearly when its µs per KB stays flat (or falls) as the call grows;
// a quadratic one would multiply it by ~160 from 100 KB to 16 MB.
//
//   node --expose-gc bench/hostile.js [packageRoot] [--json] [--update-results]
//
// --update-results rewrites the "Hostile input" section of bench/results.md
// (between its markers) with this run's table; `npm run bench` writes the
// whole report, this section included.
const fs = require('node:fs');
const path = require('node:path');
const { measureFormParse, formParseTable } = require('./lib/formParse');
const { measureAnswers, answersTable } = require('./lib/hostileAnswers');
const { measureStorms } = require('./lib/retryAfterStorm');

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
];

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
		headers: { 'content-type': shape.json ? 'application/json' : 'application/x-www-form-urlencoded' },
		rawBody: shape.json ? undefined : Buffer.from(payload),
	};
	const parameters = { events: ['client_added', 'custom'], secretToken: TOKEN };
	let status = 200;
	return {
		context: {
			getRequestObject: () => request,
			getQueryData: () => ({}),
			getBodyData: () => (shape.json ? payload : {}),
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

async function measure(root) {
	const KlientiksTrigger = load(root);
	const trigger = new KlientiksTrigger();
	const rows = [];
	for (const shape of SHAPES) {
		const row = { key: shape.key, label: shape.label, sizes: {} };
		for (const size of SIZES) {
			const payload = shape.json ? shape.json(size.bytes) : shape.form(size.bytes);
			const { context, status } = webhookContext(shape, payload);
			const first = await trigger.webhook.call(context); // warm-up and sanity check
			const accepted = Boolean(first.workflowData);
			if (accepted === Boolean(shape.wrongToken) || (shape.wrongToken && status() !== 403)) {
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
		}
		rows.push(row);
	}
	const formParse = await measureFormParse(trigger, (payload) => webhookContext({}, payload).context);
	const answers = [...(await measureAnswers(root)), ...(await measureStorms(root))];
	return { node: process.version, root, sizes: SIZES.map((s) => ({ label: s.label, runs: s.runs })), rows, formParse, answers };
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
		lines.push(`| ${row.label} | ${cells.join(' | ')} | ${perKb} | ${item ? `${Math.round(item / 1024)} KB` : '— (403)'} |`);
	}
	return lines;
}

function section(result) {
	return [
		'## Hostile input: one webhook call, worst case',
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
					"### Hostile Traffic Light answers, at their size caps, and Retry-After storms",
					'',
					"The Traffic Light node's classifyAnswer (parsing and key masking) on the compiled package, one run per answer: the longest event-loop turn while it is read (a setImmediate ticker, garbage collection included), the time, the heap added at its peak and the outcome. Bounds: 1 MB per send or balance answer, 16 MB per date-range feed, 200,000 objects per answer (MAX_ANSWER_OBJECTS in nodes/TrafficLight/transport/answerJson.ts). The Retry-After storms are a whole Lead → Send run (n8n-core's request helper, Continue On Fail) against the mock refusing every send: the run's 429/503 allowance is 10 × Timeout, after which every item not sent fails visibly ('Not sent: rate limited', or out of time when its own budget of (Retry Attempts + 5) × Timeout ends first); a Retry-After of 0 falls back to the node's own back-off.",
					'',
					...answersTable(result.answers, format),
				]
			: []),
	];
}

const START = '<!-- hostile-input:start -->';
const END = '<!-- hostile-input:end -->';

function updateResults(result) {
	const file = path.join(__dirname, 'results.md');
	const text = fs.readFileSync(file, 'utf8');
	const block = [START, ...section(result), END].join('\n');
	const from = text.indexOf(START);
	const to = text.indexOf(END);
	const next = from === -1 || to === -1 ? `${text.trimEnd()}\n\n${block}\n` : `${text.slice(0, from)}${block}${text.slice(to + END.length)}`;
	fs.writeFileSync(file, next);
}

module.exports = { measure, table, section, START, END };

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
