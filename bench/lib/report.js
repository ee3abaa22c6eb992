'use strict';
// Turns the raw runs into the printed tables and bench/results.md. Every
// figure is the median of the runs with the range (lowest–highest run) next
// to it. Verdicts on the targets are computed here from the same numbers, so
// the text can never disagree with the tables.
const fs = require('node:fs');
const { summary, withSpread, round, median } = require('./stats');
const { FLOWS, BULK, RATE_LIMIT, RATE_LIMITED, SEND_DELAY_MS } = require('./scenarios');
const { LABELS: MICRO_LABELS } = require('../micro');
const hostile = require('../hostile');

const flowLabel = Object.fromEntries(FLOWS.map((f) => [f.key, f.label]));
const bulkByKey = Object.fromEntries(BULK.map((b) => [b.key, b]));

function pick(runs, filter, field) {
	return summary(runs.filter(filter).map((r) => (typeof field === 'function' ? field(r) : r[field])));
}

/** Ratio a/b computed per run (runs are interleaved, so run r of both saw the same machine state). */
function pairedRatio(runs, keyField, a, b, field, extra = () => true) {
	const ratios = [];
	for (const ra of runs.filter((r) => r[keyField] === a && extra(r))) {
		const rb = runs.find((r) => r[keyField] === b && r.run === ra.run && extra(r));
		if (rb) ratios.push(ra[field] / rb[field]);
	}
	return summary(ratios);
}

function table(header, rows) {
	const lines = [`| ${header.join(' | ')} |`, `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`];
	for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
	return lines;
}

function webhookTables(report) {
	const { runs } = report.webhook;
	const out = [];
	for (const c of report.config.concurrencies) {
		const atC = (key) => (r) => r.flow === key && r.connections === c;
		out.push(`**Concurrency ${c}** (${report.config.calls} calls per run)`, '');
		out.push(
			...table(
				['flow', 'calls/s', 'p50 ms', 'p95 ms', 'p99 ms', 'processed/s ¹', 'execution ms ²', 'leads at mock per run', 'mock requests per lead', 'peak RSS MB'],
				FLOWS.filter((f) => runs.some(atC(f.key))).map((f) => {
					const leadRuns = runs.filter(atC(f.key));
					return [
						flowLabel[f.key],
						withSpread(pick(runs, atC(f.key), 'callsPerSecond'), 0),
						withSpread(pick(runs, atC(f.key), 'p50'), 1),
						withSpread(pick(runs, atC(f.key), 'p95'), 1),
						withSpread(pick(runs, atC(f.key), 'p99'), 1),
						withSpread(pick(runs, atC(f.key), 'processedPerSecond'), 0),
						withSpread(pick(runs, atC(f.key), 'executionMs'), 1),
						f.makesLeads ? leadRuns.map((r) => `${r.leads}/${r.calls}`).join(', ') : '— (none expected)',
						f.makesLeads ? withSpread(pick(runs, atC(f.key), 'mockRequestsPerLead'), 0) : '—',
						withSpread(pick(runs, atC(f.key), 'peakRssMb'), 0),
					];
				}),
			),
			'',
		);
	}
	return out;
}

function ratioRows(report) {
	const { runs } = report.webhook;
	const rows = [];
	for (const c of report.config.concurrencies) {
		const atC = (r) => r.connections === c;
		for (const [other, label] of [
			['generic', 'ours / generic'],
			['noop', 'ours / no-op'],
			['oursNoDup', 'ours / ours without duplicate check'],
		]) {
			if (!runs.some((r) => r.flow === other && atC(r))) continue;
			rows.push([
				`c=${c}: ${label}`,
				withSpread(pairedRatio(runs, 'flow', 'ours', other, 'callsPerSecond', atC), 2),
				withSpread(pairedRatio(runs, 'flow', 'ours', other, 'p50', atC), 2),
				withSpread(pairedRatio(runs, 'flow', 'ours', other, 'p95', atC), 2),
				withSpread(pairedRatio(runs, 'flow', 'ours', other, 'p99', atC), 2),
				withSpread(pairedRatio(runs, 'flow', 'ours', other, 'processedPerSecond', atC), 2),
			]);
		}
	}
	return table(['ratio (per run, then median)', 'calls/s', 'p50', 'p95', 'p99', 'processed/s'], rows);
}

function nodeTimeRows(report) {
	const rows = [];
	for (const f of FLOWS) {
		const samples = report.webhook.runs.filter((r) => r.flow === f.key && r.nodeTimes);
		if (!samples.length) continue;
		const names = [...new Set(samples.flatMap((r) => Object.keys(r.nodeTimes)))];
		rows.push([
			flowLabel[f.key],
			names.map((n) => `${n}: ${withSpread(summary(samples.map((r) => r.nodeTimes[n])), 1)}`).join('; '),
			withSpread(pick(samples, () => true, 'executionMs'), 1),
		]);
	}
	return table(['flow', 'node wall time in n8n (ms, median per run of sampled executions)', 'whole execution ms'], rows);
}

function bulkTable(report) {
	const { runs } = report.bulk;
	const items = report.config.items;
	return table(
		['configuration', 'node wall time ms', 'of which before the first send ⁶', 'first → last send at the mock', 'whole call ms ³', `floor ms ⁴`, 'HTTP defaults ÷ this', 'peak in flight at mock', 'order at mock ⁵', 'output order', 'lost / duplicated', 'peak RSS MB'],
		BULK.filter((b) => runs.some((r) => r.config === b.key)).map((b) => {
			const mine = runs.filter((r) => r.config === b.key);
			const orderAtMock = mine.every((r) => r.mock.strictOrder)
				? 'exact'
				: `max overtaken ${Math.max(...mine.map((r) => r.mock.maxOvertaken))} (limit ${b.inFlightCap - 1})`;
			return [
				b.label,
				withSpread(pick(mine, () => true, 'nodeMs'), 0),
				withSpread(pick(mine, () => true, (r) => r.schedule?.beforeFirstSendMs), 0),
				withSpread(pick(mine, () => true, (r) => r.schedule?.sendingMs), 0),
				withSpread(pick(mine, () => true, 'callMs'), 0),
				String(Number.isFinite(b.inFlightCap) ? Math.ceil(items / b.inFlightCap) * SEND_DELAY_MS : SEND_DELAY_MS),
				b.key === 'http-default' ? '1' : withSpread(pairedRatio(runs, 'config', 'http-default', b.key, 'nodeMs'), 2),
				withSpread(pick(mine, () => true, (r) => r.mock.peakInFlight), 0),
				orderAtMock,
				mine.every((r) => r.output.inOrder) ? `in order (${mine.length}/${mine.length} runs)` : 'WRONG',
				`${Math.max(0, ...mine.map((r) => r.mock.lost))} / ${Math.max(0, ...mine.map((r) => r.mock.duplicated))}`,
				withSpread(pick(mine, () => true, 'peakRssMb'), 0),
			];
		}),
	);
}

function feedNote(report) {
	const ours = report.bulk.runs.filter((r) => bulkByKey[r.config]?.kind === 'ours' && r.schedule);
	if (!ours.length) return 'no data';
	return `${median(ours.map((r) => r.schedule.feedLookups))} look-ups of up to 50 ids per run; from the node's start to its first look-up, i.e. reading the first window: ${round(median(ours.map((r) => r.schedule.beforeFirstRequestMs)), 0)} ms`;
}

function profileTable(report) {
	const profiles = report.bulk?.profiles ?? [];
	if (!profiles.length) return [];
	const label = (key) => bulkByKey[key]?.label ?? key;
	return table(
		['CPU in n8n\'s main thread, ms per item', ...profiles.map((p) => label(p.config))],
		[
			...cpuRows(profiles, (p) => p.items),
			['node wall time of the profiled run, ms', ...profiles.map((p) => round(p.nodeMs, 0))],
		],
	);
}

/** One row per CPU category and the total, each profile's figures divided by its items or calls. */
function cpuRows(profiles, countOf) {
	const categories = [...new Set(profiles.flatMap((p) => Object.keys(p.byCategory)))];
	return [
		...categories.map((c) => [c, ...profiles.map((p) => round((p.byCategory[c] ?? 0) / countOf(p), 2))]),
		['**total busy**', ...profiles.map((p) => `**${round(p.busyMs / countOf(p), 2)}**`)],
	];
}

function webhookProfileTable(report) {
	const profiles = report.webhook?.profiles ?? [];
	if (!profiles.length) return [];
	const label = (key) => flowLabel[key] ?? key;
	return [
		`CPU of n8n's main thread per call, from a V8 CPU profile of ${profiles[0].calls} more calls per flow at concurrency 1 (untimed, after the measured runs; the call, the execution and its saving, bench/lib/profileSummary.js):`,
		'',
		...table(
			["CPU in n8n's main thread, ms per call", ...profiles.map((p) => label(p.flow))],
			cpuRows(profiles, (p) => p.calls),
		),
		'',
	];
}

function rateLimitedTable(report) {
	const { runs } = report.rateLimited;
	const items = report.config.items;
	return table(
		['configuration', 'execution', 'leads delivered', 'lost', 'duplicates', 'send requests', 'refused (429)', 'node wall time ms', 'whole call ms'],
		RATE_LIMITED.filter((c) => runs.some((r) => r.config === c.key)).map((c) => {
			const mine = runs.filter((r) => r.config === c.key);
			const perRun = (field) => mine.map((r) => r[field]).join(', ');
			return [
				c.label,
				mine.map((r) => r.status).join(', '),
				mine.map((r) => `${r.delivered}/${items}`).join(', '),
				perRun('lost'),
				perRun('duplicated'),
				withSpread(pick(mine, () => true, 'sendRequests'), 0),
				withSpread(pick(mine, () => true, 'refused'), 0),
				withSpread(pick(mine, () => true, 'nodeMs'), 0),
				withSpread(pick(mine, () => true, 'callMs'), 0),
			];
		}),
	);
}

function rateLimitedVerdict(report) {
	const { runs } = report.rateLimited;
	const ours = runs.filter((r) => r.config === 'rl-ours');
	const exact = ours.length > 0 && ours.every((r) => r.lost === 0 && r.duplicated === 0 && r.status === 'success');
	const http = RATE_LIMITED.filter((c) => c.kind === 'http' && runs.some((r) => r.config === c.key)).map((c) => {
		const mine = runs.filter((r) => r.config === c.key);
		return `${c.label.replace(/^HTTP Request, /, '')}: ${round(median(mine.map((r) => r.delivered)), 0)} delivered, ${round(median(mine.map((r) => r.lost)), 0)} lost, ${round(median(mine.map((r) => r.duplicated)), 0)} duplicates`;
	});
	return [
		`- **Rate-limited Traffic Light (429 + Retry-After beyond ${RATE_LIMIT.maxInFlight} in flight or ${RATE_LIMIT.perSecond}/s), every lead exactly once at our node's defaults:** ${exact ? 'yes' : 'NO'} — ` +
			`our node: ${ours.map((r) => `${r.delivered}/${report.config.items} delivered, ${r.duplicated} duplicates in ${round(r.nodeMs / 1000, 1)} s`).join('; ')}. ` +
			(http.length ? `HTTP Request (median of runs) — ${http.join('; ')}.` : ''),
	];
}

function microTable(report) {
	const { results } = report.micro;
	return table(
		['what (compiled dist/, plain Node, no n8n)', 'µs per item'],
		Object.entries(MICRO_LABELS).map(([key, label]) => [label.trim(), withSpread(results[key], 2)]),
	);
}

function memoryTable(report) {
	const rows = [];
	for (const [phase, label] of [
		['webhook', 'phase 1: webhook → lead (all flows, warm-up included)'],
		['bulk', 'phase 2: bulk send (fresh n8n process)'],
	]) {
		const m = report[phase]?.memory;
		if (!m) continue;
		rows.push([label, round(m.startMb, 0), round(m.peakMb, 0), round(m.hwmMb, 0), m.childrenPeakMb > 0 ? round(m.childrenPeakMb, 0) : 'none running']);
	}
	return table(['phase', 'RSS at start MB', 'peak RSS sampled MB (100 ms)', 'VmHWM at end MB (peak since process start)', 'task runner peak MB'], rows);
}

/** Verdicts, computed from the same numbers as the tables, for the phases that ran. */
function verdicts(report) {
	return [
		...(report.webhook ? webhookVerdicts(report) : []),
		...(report.bulk ? bulkVerdicts(report) : []),
		...(report.rateLimited ? rateLimitedVerdict(report) : []),
	];
}

function webhookVerdicts(report) {
	const lines = [];
	const wr = report.webhook.runs;
	const cs = report.config.concurrencies;
	// Webhook path: ours vs generic. A difference counts only when every run agrees on its sign.
	const describe = (s, higherIsBetter) => {
		if (!Number.isFinite(s.median)) return '—';
		const pct = Math.round(Math.abs(s.median - 1) * 100);
		if (s.min <= 1 && s.max >= 1) return `no consistent difference (×${round(s.median, 2)}, runs ${round(s.min, 2)}–${round(s.max, 2)})`;
		const better = higherIsBetter ? s.median > 1 : s.median < 1;
		return `${pct}% ${better ? 'better' : 'worse'} (×${round(s.median, 2)}, runs ${round(s.min, 2)}–${round(s.max, 2)})`;
	};
	const perC = cs.map((c) => {
		const atC = (r) => r.connections === c;
		return {
			c,
			calls: pairedRatio(wr, 'flow', 'ours', 'generic', 'callsPerSecond', atC),
			processed: pairedRatio(wr, 'flow', 'ours', 'generic', 'processedPerSecond', atC),
			p95: pairedRatio(wr, 'flow', 'ours', 'generic', 'p95', atC),
		};
	});
	const allLeads = wr.filter((r) => FLOWS.find((f) => f.key === r.flow)?.makesLeads).every((r) => r.leads === r.calls && r.uniqueLeads === r.calls);
	lines.push(
		`- **Every call produced its lead:** ${allLeads ? 'yes' : 'NO'} — ${wr.filter((r) => r.flow !== 'noop').reduce((s, r) => s + r.leads, 0)} leads counted at the mock for ${wr.filter((r) => r.flow !== 'noop').reduce((s, r) => s + r.calls, 0)} calls to the lead-making flows, each after its execution had finished.`,
	);
	const worse = perC.filter((r) => r.processed.max < 1 || r.calls.max < 1 || r.p95.min > 1);
	const noDupCs = [...new Set(wr.filter((r) => r.flow === 'oursNoDup').map((r) => r.connections))];
	const noDup = noDupCs.map((c) => {
		const atC = (r) => r.connections === c;
		return {
			c,
			vsGeneric: pairedRatio(wr, 'flow', 'oursNoDup', 'generic', 'processedPerSecond', atC),
			dupCost: pairedRatio(wr, 'flow', 'ours', 'oursNoDup', 'processedPerSecond', atC),
		};
	});
	lines.push(
		`- **Webhook path, ours vs generic** (per-run ratios ours/generic): ` +
			perC.map((r) => `c=${r.c}: processed/s ${describe(r.processed, true)}, calls/s ${describe(r.calls, true)}, p95 ${describe(r.p95, false)}`).join('; ') +
			'. ' +
			(worse.length === 0
				? 'No run showed our flow consistently behind the generic build.'
				: `Our flow is consistently behind at c=${worse.map((r) => r.c).join(', ')}; see "Where the webhook time goes" for the profile.`) +
			noDup
				.map(
					(r) =>
						` With Skip Duplicates off (c=${r.c}) our flow vs generic, processed/s: ${describe(r.vsGeneric, true)}; the duplicate check itself (ours with it ÷ ours without): ${describe(r.dupCost, true)}.`,
				)
				.join(''),
	);
	return lines;
}

/** Our node against HTTP Request with as many requests in flight: at most this share of its time. */
const EQUAL_LOAD_TARGET = 0.85;

function bulkVerdicts(report) {
	const lines = [];
	// Bulk target: ≥5× faster than HTTP Request defaults.
	const br = report.bulk.runs;
	const speedups = BULK.filter((b) => b.kind === 'ours').map((b) => ({
		key: b.key,
		concurrency: b.concurrency,
		x: pairedRatio(br, 'config', 'http-default', b.key, 'nodeMs').median,
	}));
	const met = speedups.some((s) => s.x >= 5);
	const nodeMs = (key) => median(br.filter((r) => r.config === key).map((r) => r.nodeMs));
	const httpDefaultMs = nodeMs('http-default');
	const httpDefaultInFlight = median(br.filter((r) => r.config === 'http-default').map((r) => r.mock.peakInFlight));
	const maxCap = Math.max(...BULK.filter((b) => b.kind === 'ours').map((b) => b.inFlightCap));
	const bestFloor = Math.ceil(report.config.items / maxCap) * SEND_DELAY_MS;
	const equalLoad = [
		['tl-c20', 'http-batch-20'],
		['tl-c50', 'http-batch-50'],
	].map(([ours, http]) => ({ ours, http, x: pairedRatio(br, 'config', ours, http, 'nodeMs') }));
	const equalLoadMet = equalLoad.every((e) => e.x.median <= EQUAL_LOAD_TARGET);
	const sched = (key, field) => median(br.filter((r) => r.config === key && r.schedule).map((r) => r.schedule[field]));
	const profiles = report.bulk.profiles ?? [];
	const prof = (key) => profiles.find((p) => p.config === key);
	const EXPRESSIONS = 'parameters and expressions (n8n-workflow)';
	const perItem = (p, ms) => round(ms / p.items, 2);
	const profiledPairs = equalLoad
		.map((e) => ({ k: bulkByKey[e.ours].concurrency, po: prof(e.ours), ph: prof(e.http) }))
		.filter((pair) => pair.po && pair.ph);
	const profileText = profiledPairs.length
		? ` CPU of n8n's main thread over one profiled call (Code node and saving included), our node vs HTTP Request: ${profiledPairs
				.map(({ k, po, ph }) => `${perItem(po, po.busyMs)} vs ${perItem(ph, ph.busyMs)} ms per item at k = ${k}, of which n8n's parameters and expressions ${perItem(po, po.byCategory[EXPRESSIONS] ?? 0)} vs ${perItem(ph, ph.byCategory[EXPRESSIONS] ?? 0)}`)
				.join('; ')} (last table of section 2): our node reads a dragged-in field (\`{{ $json.phone }}\`) from the item itself instead of through n8n's expression engine, which HTTP Request runs for each of its mapped fields of each item.`
		: '';
	// Without its reference row (BENCH_BULK) the 5× target is not judged.
	const fiveTimes =
		`- **Bulk target (our node ≥ 5× faster than HTTP Request at its defaults): ${met ? 'MET' : 'MISSED'}.** ` +
			`HTTP Request at its defaults: ${round(httpDefaultMs, 0)} ms; HTTP-defaults time ÷ ours per concurrency: ${speedups.map((s) => `${s.concurrency}: ×${round(s.x, 2)}`).join(', ')}. ` +
			(met
				? ''
				: `The target assumed HTTP Request sends one item after the other by default. It does not: it starts the request of every item without waiting for the previous one and awaits them all at the end (n8n-nodes-base HttpRequestV3: every request goes into \`requestPromises\`, then \`Promise.allSettled\`; batching only inserts pauses). The mock held a median of ${httpDefaultInFlight} of the ${report.config.items} requests at once. ` +
					`A node that keeps at most k requests in flight cannot finish before ⌈${report.config.items}/k⌉ × ${SEND_DELAY_MS} ms (floor column); at our node's maximum k = ${maxCap} that is ${bestFloor} ms` +
					(httpDefaultMs / 5 < bestFloor
						? `, more than a fifth of ${round(httpDefaultMs, 0)} ms — so no setting of our node can reach 5× against an API that answers in ${SEND_DELAY_MS} ms; only an API that punishes ${httpDefaultInFlight} parallel requests (rate limits, refused connections) would${report.rateLimited ? ' (see "Rate-limited Traffic Light")' : ''}.`
						: '.'));
	if (br.some((r) => r.config === 'http-default')) lines.push(fiveTimes);
	lines.push(
		`- **Equal load (target: our node ≤ ×${EQUAL_LOAD_TARGET} the time of HTTP Request with as many requests in flight): ${equalLoadMet ? 'MET' : 'MISSED'}.** ` +
			`Our node took ${equalLoad.map((e) => `×${round(e.x.median, 2)} the time of HTTP Request at concurrency ${bulkByKey[e.ours].concurrency} vs ${bulkByKey[e.http].label.replace(/^HTTP Request, /, '')} (runs ${round(e.x.min, 2)}–${round(e.x.max, 2)})`).join(', and ')}. ` +
			`It reads and checks the items window by window while the leads before them are on the wire (the first window holds Concurrency items, each later one the 50 Lead IDs of one feed look-up) and spreads the starts of its requests over the time one takes, so that their answers do not come back, and wait to be handled, all at once; its first send reaches the mock ${round(sched('tl-c20', 'beforeFirstSendMs'), 0)} ms after the node starts at k = 20 (${round(sched('tl-c50', 'beforeFirstSendMs'), 0)} ms at k = 50), against ${round(sched('http-batch-20', 'beforeFirstSendMs'), 0)} ms for HTTP Request. ` +
			`From first to last send, our node took ${equalLoad.map((e) => `${round(sched(e.ours, 'sendingMs'), 0)} ms vs ${round(sched(e.http, 'sendingMs'), 0)} ms (k = ${bulkByKey[e.ours].concurrency})`).join(' and ')}.` +
			profileText,
	);
	const oursOk = br.filter((r) => bulkByKey[r.config].kind === 'ours').every((r) => !r.mock.lost && !r.mock.duplicated && r.output.inOrder);
	const cap = (r) => bulkByKey[r.config].inFlightCap;
	const withinWindow = br.filter((r) => bulkByKey[r.config].kind === 'ours').every((r) => r.mock.maxOvertaken < cap(r));
	const c1Exact = br.filter((r) => r.config === 'tl-c1').every((r) => r.mock.strictOrder);
	lines.push(
		`- **Zero lost or reordered items (our node):** ${oursOk ? 'yes' : 'NO'} — in every run each of the ${report.config.items} leads reached the mock exactly once, and the node output had ${report.config.items} items in input order, each paired with its input and carrying the id the mock gave that very lead. ` +
			`At the mock, concurrency 1 arrived in ${c1Exact ? 'exact input order in every run' : 'a DIFFERENT order than the input in some run'}; with k in flight, a later item can arrive before an earlier one still on the wire (max overtaken ${withinWindow ? 'stayed below k in every run' : 'exceeded k−1 in some run'}), which is what concurrency means — requests are started in input order.`,
	);
	return lines;
}

function markdown(report) {
	const v = report.versions;
	const m = report.machine;
	const c = report.config;
	const minutes = (report.durationS / 60).toFixed(1);
	const lines = [
		'# Benchmarks: our nodes against the generic n8n build',
		'',
		`Generated by \`npm run bench\` (bench/run.js) on ${report.date.slice(0, 10)} — do not edit by hand; rerun instead. How and why it measures what it does: [bench/README.md](README.md).`,
		'',
		'## Setup',
		'',
		`- Machine: ${m.cpu}, ${m.cores} cores, ${round(m.ramGb, 1)} GB RAM, ${m.os}`,
		`- n8n ${v.n8n} on Node ${v.n8nNode} (SQLite, regular mode, every execution saved), benchmark and load generator on Node ${v.benchNode}, autocannon ${v.autocannon}`,
		`- Package: ${v.package}, commit ${v.commit}`,
		`- Started ${report.date}, took ${minutes} min; ${c.runs} runs per figure, shown as median (lowest–highest run)`,
		`- Everything on 127.0.0.1: n8n, the Traffic Light mock (scripts/lib/trafficLightMock.js, in the benchmark process) and the load generator (autocannon, a separate child process)`,
		...(report.otherLoad.length
			? ['', `> Other heavy processes were running on the machine during this run and share its ${m.cores} cores; absolute numbers are lower than on an idle machine, ratios (measured in interleaved runs) are less affected:`, ...report.otherLoad.map((o) => `> - \`${o}\``)]
			: []),
		'',
		'## Verdict',
		'',
		...verdicts(report),
		...(report.failures.length ? ['', `**${report.failures.length} run(s) FAILED:**`, ...report.failures.map((f) => `- ${f.what}: ${f.detail}`)] : []),
		'',
		...(report.webhook ? webhookSection(report) : []),
		...(report.bulk ? bulkSection(report) : []),
		...(report.rateLimited ? rateLimitedSection(report) : []),
		...(report.micro ? microSection(report) : []),
		'## 4. Peak memory of the n8n process',
		'',
		'Resident set size of the n8n main process from /proc/<pid>/status (VmRSS sampled every 100 ms, and the kernel\'s VmHWM); the task runner that n8n forks for the Code node is reported apart. The per-scenario peaks are in the tables above.',
		'',
		...memoryTable(report),
		'',
	];
	return lines.join('\n');
}

function webhookSection(report) {
	return [
		'## 1. Webhook → lead',
		'',
		'Every call is a realistic Klientiks "appointment created" GET (Cyrillic names, `+7 (999) 123-45-67`-style phone, the secret token) with its own appointment id, sent to the production webhook URL. All flows answer on receipt. The generic flow POSTs the same form (same fields, key in the form body) to the same mock, and does less: no secret-token check, no decoding of cp1251 or typing of the values, no duplicate check, the API key typed into the workflow. The no-op is a core Webhook node alone.',
		'',
		...webhookTables(report),
		'¹ processed/s = calls ÷ (time from the first call to the end of the last execution): what the workflow sustains, since an answer on receipt only says the call was accepted. ² median of stoppedAt − startedAt of the run\'s executions.',
		'',
		'**Ratios**',
		'',
		...ratioRows(report),
		'',
		'### Where the webhook time goes',
		'',
		'Per-node wall time inside n8n, from the run data of 20 executions of each concurrency-1 run:',
		'',
		...nodeTimeRows(report),
		'',
		...webhookProfileTable(report),
		'Our own code in those nodes costs microseconds (section 3). The Send node\'s wall time is mostly n8n work it asks for, and waiting: (1) by default it reads the lead feed for the Lead ID before sending (Skip Duplicates — what makes a repeated Klientiks call a duplicate instead of a second lead): one more request per lead when calls come one at a time (c = 1: 2 mock requests per lead instead of 1); when several executions are at their Send node together, their look-ups share feed requests (fewer than 2 mock requests per lead at c = 10 and 50); the "Skip Duplicates off" row isolates it. (2) It reads the Traffic Light credential — a query on n8n\'s database (one SQLite connection, which also saves every execution) and a decryption — once per execution, i.e. once per lead on this path. The generic HTTP Request has the key typed into its parameters and touches no credential (also why its key is visible to anyone who can open the workflow).',
		'',
	];
}

function bulkSection(report) {
	const c = report.config;
	return [
		`## 2. Bulk send: ${c.items.toLocaleString('en')} leads`,
		'',
		`A webhook call (\`?items=${c.items}\`) starts a workflow whose Code node builds ${c.items} leads and hands them to one sending node; the webhook answers when the last node has finished, so the call is timed end to end, and n8n's own run data gives the sending node's wall time. The mock answers each lead after ${SEND_DELAY_MS} ms (its lead-feed look-ups answer at once).`,
		'',
		...bulkTable(report),
		'',
		`³ the webhook call: Code node + sending node + n8n saving the ${c.items}-item execution. ⁴ ⌈${c.items}/in-flight limit⌉ × ${SEND_DELAY_MS} ms: no node holding at most that many requests in flight can finish sooner. ⁵ "overtaken": how many later items reached the mock before an earlier one; 0 = exact input order. ⁶ from the node's start (n8n's run data) to the first lead send reaching the mock (same machine clock): our node reads the parameters of a first window of items (as many as Concurrency) and checks their Lead IDs with one feed look-up, then sends them while it reads and checks the next window of 50 (${feedNote(report)}); HTTP Request reads each item's parameters right before sending it.`,
		'',
		...(report.bulk.profiles?.length
			? [
					`**Profile.** One more run of each configuration below, with V8's sampling profiler on in the n8n process (bench/lib/cpuProfilePreload.js), from the call to its answer (Code node and saving included, the same for all). Each sample is charged to the first frame from the leaf up that belongs to a category (bench/lib/profileSummary.js):`,
					'',
					...profileTable(report),
					'',
				]
			: []),
	];
}

function rateLimitedSection(report) {
	const c = report.config;
	return [
		'### Rate-limited Traffic Light',
		'',
		`The same ${c.items.toLocaleString('en')}-lead workflows against the mock in mode \`rateLimited\` on every endpoint: more than ${RATE_LIMIT.maxInFlight} requests unanswered or more than ${RATE_LIMIT.perSecond} accepted within a second → HTTP 429 with \`Retry-After\` (whole seconds, when a slot frees), and no lead stored; accepted requests are answered after ${SEND_DELAY_MS} ms. Each node at its defaults; HTTP Request also with n8n's Retry On Fail (node setting, its default 3 tries 1000 ms apart), which reruns the node for all its items. Delivered / lost / duplicates count the leads the mock stored per input item; one figure per run.`,
		'',
		...rateLimitedTable(report),
		'',
	];
}

function microSection(report) {
	return [
		'## 3. Own CPU per item',
		'',
		`In-process micro-benchmark of the compiled package (bench/micro.js; Node ${report.micro.node}; each benchmark in a fresh process, ${report.micro.runs} timed runs of 50,000–200,000 calls after a warm-up):`,
		'',
		...microTable(report),
		'',
		...(report.micro.hostile ? [hostile.START, ...hostile.section(report.micro.hostile), hostile.END, ''] : []),
	];
}

/** Sections other scripts write into the same file (bench/queue.js, bench/catchUp.js); a rewrite keeps them. */
const KEPT_SECTIONS = [/<!-- queue-mode:start -->[\s\S]*?<!-- queue-mode:end -->/, /<!-- catch-up:start -->[\s\S]*?<!-- catch-up:end -->/];

function writeReport(report, file) {
	const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	const kept = KEPT_SECTIONS.map((pattern) => previous.match(pattern)?.[0]).filter(Boolean).join('\n\n');
	fs.writeFileSync(file, kept ? `${markdown(report).trimEnd()}\n\n${kept}\n` : markdown(report));
}

/** The same figures, compact, for the terminal. */
function printTables(report, out) {
	out('');
	out(`n8n ${report.versions.n8n} on Node ${report.versions.n8nNode} — ${report.machine.cpu}, ${report.machine.cores} cores — median (min–max) of ${report.config.runs} runs`);
	out('');
	if (report.webhook) {
		out('1. Webhook → lead');
		for (const line of [...webhookTables(report), ...ratioRows(report)]) out(line);
		out('');
	}
	if (report.bulk) {
		out('2. Bulk send');
		for (const line of [...bulkTable(report), '', ...profileTable(report)]) out(line);
		out('');
	}
	if (report.rateLimited) {
		out('2b. Rate-limited Traffic Light');
		for (const line of rateLimitedTable(report)) out(line);
		out('');
	}
	if (report.micro) {
		out('3. Own CPU per item');
		for (const line of microTable(report)) out(line);
		if (report.micro.hostile) for (const line of hostile.table(report.micro.hostile)) out(line);
		out('');
	}
	out('4. Peak memory');
	for (const line of memoryTable(report)) out(line);
	out('');
	for (const line of verdicts(report)) out(line);
	out('');
}

module.exports = { writeReport, printTables, markdown };
