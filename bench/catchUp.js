'use strict';
// The Klientiks Catch-up Trigger catching up on 10,000 changed rows (issue 29): its poll() on the
// compiled package (dist/, after `npm run build`), plain Node, no n8n, n8n-core's real request helper,
// against the Klientiks mock (scripts/lib/klientiksMock.js, in a child process on 127.0.0.1). The rows
// changed while n8n was "down" (Start From three hours back, rows stamped from then until 20 minutes
// ago); polls follow one another until every event was emitted, then keep polling the unchanged account.
// Each scenario runs twice:
//   measured  the account's pace (1 request per second, klientiksPace) set to none: real wall time,
//             peak memory and the longest event-loop turn of the whole catch-up;
//   default   the default pace on a simulated clock: Date.now and the pace's wait move a virtual clock
//             (each wait costs no real time), polls start on n8n's default one-minute ticks (a tick while
//             a poll runs is skipped, as the trigger's guard does). Requests, polls and the time the
//             default pace implies; the poll's own time bound (half of n8n 1.x's 5-minute budget) applies.
// Numbers are printed, never asserted.
//
//   node --expose-gc bench/catchUp.js [packageRoot] [--rows N] [--json] [--update-results]
//
// --update-results rewrites the "Catch-up" section of bench/results.md (between its markers).
const fs = require('node:fs');
const path = require('node:path');
const { forkMockProcess } = require('./lib/mockProcess');
const { watchEventLoop } = require('./lib/eventLoopWatch');
const { catchUpPollContext, loadKlientiks } = require('./lib/klientiksContext');

const POLL_INTERVAL_MS = 60_000;
const MAX_POLLS = 400;
/** Polls of the unchanged account after the catch-up, to see what a poll then costs. */
const STEADY_POLLS = 12;
const OUTAGE_MS = 3 * 3600_000;
const WARM_UP_ROWS = 100;

const SCENARIOS = [
	{ key: 'clients', seed: 'clients', events: ['client_added'], label: 'clients added (Client Added: the clients list)' },
	{ key: 'visits', seed: 'visits', events: ['visit_paid'], label: 'visits paid (Visit Paid: the visits feed)' },
	{ key: 'appointments', seed: 'appointments', events: ['appointment_created'], label: 'appointments booked (Appointment Created: the visits feed + one getAppointment per event)' },
];

/** The mock's child process, driven by messages (bench/lib/klientiksMockProcess.js). */
function startMockProcess() {
	return forkMockProcess(path.join(__dirname, 'lib/klientiksMockProcess.js'));
}

/** Date.now and the pace's wait on a virtual clock that runs ahead of the real one by `offset`. */
function virtualClock(api) {
	const realNow = Date.now;
	const saved = { now: api.klientiksPace.now, wait: api.klientiksPace.wait, gapMs: api.klientiksPace.gapMs };
	const clock = { offset: 0, pacedMs: 0 };
	Date.now = () => realNow() + clock.offset;
	api.klientiksPace.now = () => Date.now();
	api.klientiksPace.wait = async (ms, signal) => {
		if (signal?.aborted) return false;
		clock.offset += ms;
		clock.pacedMs += ms;
		return true;
	};
	clock.restore = () => {
		Date.now = realNow;
		Object.assign(api.klientiksPace, saved);
		// Slots taken on the virtual clock lie hours ahead of the real one.
		api.klientiksPace.nextAt.clear();
	};
	return clock;
}

/** Polls until every event was emitted (and one more poll finds nothing), then STEADY_POLLS more. */
async function catchUp(trigger, mock, baseUrl, scenario, rows, startFromMs, pace, api) {
	const parameters = { events: scenario.events, options: { startFrom: new Date(startFromMs).toISOString() } };
	const staticData = {};
	const counts = new Map();
	const polls = [];
	const clock = pace === 'default' ? virtualClock(api) : null;
	const gapMs = api.klientiksPace.gapMs;
	if (!clock) api.klientiksPace.gapMs = 0;
	api.klientiksPace.nextAt.clear();
	let requests = (await mock.ask({ cmd: 'stats' })).requests;
	const firstAt = Date.now();
	let caughtUpAt = null;
	let lastEmitPoll = 0;
	const watch = watchEventLoop();
	try {
		for (let poll = 1; poll <= MAX_POLLS; poll++) {
			const startedAt = Date.now();
			const result = await trigger.poll.call(catchUpPollContext(baseUrl, parameters, staticData));
			const endedAt = Date.now();
			const items = result ? result[0] : [];
			for (const item of items) counts.set(item.json.leadId, (counts.get(item.json.leadId) ?? 0) + 1);
			const now = (await mock.ask({ cmd: 'stats' })).requests;
			polls.push({ requests: now - requests, items: items.length, ms: endedAt - startedAt, phase: caughtUpAt === null ? 'catchUp' : 'steady' });
			requests = now;
			if (items.length) lastEmitPoll = poll;
			if (caughtUpAt === null && counts.size >= rows) caughtUpAt = { poll, at: endedAt, pacedMs: clock?.pacedMs ?? 0 };
			if (caughtUpAt !== null && poll >= caughtUpAt.poll + STEADY_POLLS) break;
			if (clock) {
				// The next one-minute tick after this poll ended: ticks during the poll were skipped by the guard.
				const ticks = Math.floor((Date.now() - firstAt) / POLL_INTERVAL_MS) + 1;
				clock.offset += firstAt + ticks * POLL_INTERVAL_MS - Date.now();
			}
		}
	} finally {
		if (clock) clock.restore();
		api.klientiksPace.gapMs = gapMs;
	}
	const watched = watch.stop();
	const catchUpPolls = polls.filter((p) => p.phase === 'catchUp');
	const steady = polls.filter((p) => p.phase === 'steady');
	const twice = [...counts.values()].filter((n) => n > 1).length;
	return {
		pace,
		emitted: [...counts.values()].reduce((a, b) => a + b, 0),
		unique: counts.size,
		twice,
		lastEmitPoll,
		polls: caughtUpAt?.poll ?? null,
		requests: catchUpPolls.reduce((a, p) => a + p.requests, 0),
		catchUpMs: caughtUpAt ? caughtUpAt.at - firstAt : null,
		pollMs: catchUpPolls.reduce((a, p) => a + p.ms, 0),
		longestPollMs: Math.max(...catchUpPolls.map((p) => p.ms)),
		pacedMs: caughtUpAt?.pacedMs ?? 0,
		steadyRequests: steady.map((p) => p.requests),
		steadyItems: steady.reduce((a, p) => a + p.items, 0),
		longestTurnMs: watched.longestTurnMs,
		heapPeakMb: watched.heapPeakMb,
		heapAddedMb: watched.heapAddedMb,
		rssPeakMb: watched.rssPeakMb,
	};
}

/** What polls of a quiet account cost: no row changed since the first poll. */
async function quietAccount(KlientiksCatchUpTrigger, api) {
	const mock = startMockProcess();
	const { baseUrl } = await mock.ask({ cmd: 'start' });
	const gapMs = api.klientiksPace.gapMs;
	api.klientiksPace.gapMs = 0;
	api.klientiksPace.nextAt.clear();
	const rows = [];
	try {
		for (const events of [['client_added'], ['appointment_created', 'visit_paid'], ['client_added', 'appointment_created', 'visit_paid']]) {
			const staticData = {};
			const trigger = new KlientiksCatchUpTrigger();
			const perPoll = [];
			let before = (await mock.ask({ cmd: 'stats' })).requests;
			for (let poll = 0; poll <= 5; poll++) {
				await trigger.poll.call(catchUpPollContext(baseUrl, { events, options: {} }, staticData));
				const now = (await mock.ask({ cmd: 'stats' })).requests;
				if (poll > 0) perPoll.push(now - before); // the first poll only seeds the position
				before = now;
			}
			rows.push({ events, perPoll });
		}
	} finally {
		api.klientiksPace.gapMs = gapMs;
		await mock.stop();
	}
	return rows;
}

async function measure(root, rows) {
	const { KlientiksCatchUpTrigger, api } = loadKlientiks(root);
	// A small catch-up of each kind first, not reported: it loads and compiles the poll's path, so that is not counted as a turn.
	await runScenarios(KlientiksCatchUpTrigger, api, WARM_UP_ROWS, ['measured']);
	const results = await runScenarios(KlientiksCatchUpTrigger, api, rows, ['measured', 'default']);
	const quiet = await quietAccount(KlientiksCatchUpTrigger, api);
	return { node: process.version, rows, gapMs: api.MIN_REQUEST_GAP_MS, pageSize: api.PAGE_SIZE, results, quiet };
}

async function runScenarios(KlientiksCatchUpTrigger, api, rows, paces) {
	const results = [];
	for (const scenario of SCENARIOS) {
		const mock = startMockProcess();
		const { baseUrl } = await mock.ask({ cmd: 'start' });
		const now = Date.now();
		const startFromMs = now - OUTAGE_MS;
		await mock.ask({ cmd: 'seed', kind: scenario.seed, count: rows, fromMs: startFromMs + 60_000, toMs: now - 20 * 60_000 });
		try {
			const runs = [];
			for (const pace of paces) {
				if (global.gc) global.gc();
				runs.push(await catchUp(new KlientiksCatchUpTrigger(), mock, baseUrl, scenario, rows, startFromMs, pace, api));
			}
			results.push({ key: scenario.key, label: scenario.label, runs });
		} finally {
			await mock.stop();
		}
	}
	return results;
}

const n = (value) => Math.round(value).toLocaleString('en-US');
const mb = (value) => value.toFixed(0);
const minutes = (ms) => (ms >= 3600_000 ? `${(ms / 3600_000).toFixed(1)} h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`);
const spread = (list) => (list.length ? `${Math.min(...list)}–${Math.max(...list)} (mean ${(list.reduce((a, b) => a + b, 0) / list.length).toFixed(1)})` : '—');

function section(result) {
	const lines = [
		'## Catch-up: 10,000 changed rows through the Klientiks Catch-up Trigger',
		'',
		`Generated by \`node --expose-gc bench/catchUp.js\` (Node ${result.node}): the trigger's poll() on the compiled package with n8n-core's real request helper, against the Klientiks mock in a child process on 127.0.0.1. ${n(result.rows)} events happened while n8n was "down" (Start From 3 hours back, rows stamped from then until 20 minutes ago); polls follow until every event was emitted, then ${STEADY_POLLS} more polls of the unchanged account. Default options: Max Rows per Poll 1,000, Overlap 10 minutes; pages of ${result.pageSize} rows. **Measured**: the pace set to none, real time on this machine (wall time of the polls, peak memory and the longest event-loop turn of the bench process, n8n-core's handling of the answers included). **Default pace**: the transport's ${result.gapMs / 1000} request per second per account on a simulated clock (the pace's waits and Date.now move a virtual clock), one poll per minute (n8n's default; a tick while a poll runs is skipped), the poll's own time bound (new requests stop at 2.5 minutes, half of n8n 1.x's 5-minute budget) in force: requests and polls are counted, times are what the default pace implies, not waited. Printed, never asserted.`,
		'',
		'| scenario | run | requests | polls to emit all | events emitted (distinct, twice) | time | longest poll | longest event-loop turn ms | peak heap MB (added) | peak RSS MB | requests per poll after (unchanged account) |',
		'| --- | --- | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | --- |',
	];
	for (const s of result.results) {
		for (const r of s.runs) {
			const time = r.pace === 'measured'
				? `${minutes(r.pollMs)} wall (no pace)`
				: `${minutes(r.catchUpMs)} to the last event at one poll a minute; ${minutes(r.pollMs)} inside polls (${minutes(r.pacedMs)} pace waits; requests × 1 s = ${minutes(r.requests * 1000)})`;
			lines.push(
				`| ${n(result.rows)} ${s.label} | ${r.pace === 'measured' ? 'measured, no pace' : 'default pace, simulated clock'} | ${n(r.requests)} | ${r.polls ?? `> ${MAX_POLLS}`} | ${n(r.emitted)} (${n(r.unique)}, ${n(r.twice)}) | ${time} | ${minutes(r.longestPollMs)} | ${r.longestTurnMs.toFixed(1)} | ${mb(r.heapPeakMb)} (${mb(r.heapAddedMb)}) | ${mb(r.rssPeakMb)} | ${spread(r.steadyRequests)}${r.steadyItems ? `; ${r.steadyItems} items emitted again` : ''} |`,
			);
		}
	}
	lines.push(
		'',
		'### A poll of an unchanged account',
		'',
		'A quiet account (no row changed since the first poll), 5 polls after the first (which only seeds the position), pace set to none:',
		'',
		'| events selected | requests per poll |',
		'| --- | --- |',
		...result.quiet.map((q) => `| ${q.events.join(', ')} | ${q.perPoll.join(', ')} |`),
	);
	return lines;
}

const START = '<!-- catch-up:start -->';
const END = '<!-- catch-up:end -->';

function updateResults(result) {
	const file = path.join(__dirname, 'results.md');
	const text = fs.readFileSync(file, 'utf8');
	const block = [START, ...section(result), END].join('\n');
	const from = text.indexOf(START);
	const to = text.indexOf(END);
	const next = from === -1 || to === -1 ? `${text.trimEnd()}\n\n${block}\n` : `${text.slice(0, from)}${block}${text.slice(to + END.length)}`;
	fs.writeFileSync(file, next);
}

module.exports = { measure, section, updateResults, START, END };

if (require.main === module) {
	const args = process.argv.slice(2);
	const rowsAt = args.indexOf('--rows');
	const rows = rowsAt === -1 ? 10_000 : Number(args[rowsAt + 1]);
	const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--rows');
	const root = path.resolve(positional[0] ?? path.join(__dirname, '..'));
	measure(root, rows)
		.then((result) => {
			if (args.includes('--json')) return process.stdout.write(`${JSON.stringify(result)}\n`);
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
