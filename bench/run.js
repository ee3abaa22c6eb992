'use strict';
// `npm run bench`: our nodes against the generic n8n build, in one run, in a
// real n8n on 127.0.0.1 (webhook throughput, bulk send, CPU and memory). See bench/README.md for what is measured
// and why it is measured that way.
//
// Environment:
//   N8N_VERSION        n8n to run (default 1.123.81 on Node 20, as `npm start`; 2.40.7 runs on Node 24)
//   BENCH_RUNS         runs per figure (default 3; each figure is their median)
//   BENCH_CALLS        webhook calls per run and concurrency (default 2000)
//   BENCH_ITEMS        items in the bulk send (default 1000)
//   BENCH_RESULTS      where to write the report (default bench/results.md for 1.123.81,
//                      bench/results-n8n-<version>.md for any other version)
//   BENCH_PHASES       which phases to run, comma-separated (default all:
//                      webhook,bulk,profile,ratelimit,micro); the report has only their sections
//   BENCH_BULK         bulk configurations to run, comma-separated keys (default all, see bench/lib/scenarios.js)
//   BENCH_CONCURRENCIES webhook concurrencies, comma-separated (default 1,10,50)
//   BENCH_N8N_ENV      more environment for n8n as JSON, e.g. '{"N8N_EXPRESSION_ENGINE":"legacy"}'
//   BENCH_PROFILE_BULK bulk configurations to profile, comma-separated keys (default: both equal-load pairs)
//
// Exits non-zero only when a run itself fails (lost or duplicated leads,
// errors, executions that do not finish); slow is never a failure.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ensureRuntime, cacheRoot, DEFAULT_VERSION, NODE24_VERSION } = require('../scripts/n8n-runtime');
const { buildAndPack, REPO_ROOT } = require('../scripts/lib/pack');
const { startEnvironment } = require('../scripts/lib/environment');
const { killLeftovers, runTracked } = require('../scripts/lib/processes');
const { DEFAULT_KEY } = require('../scripts/lib/trafficLightMock');
const { MemorySampler } = require('./lib/memory');
const { newestExecutionId, executionsSince, waitForFinished } = require('./lib/executions');
const { FLOWS, BULK, RATE_LIMITED, RATE_LIMIT, TOKEN, SEND_DELAY_MS, allWorkflows, allWorkflowIds, mockOrder, outputOrder, schedule, storedLeads } = require('./lib/scenarios');
const { writeReport, printTables } = require('./lib/report');
const { median } = require('./lib/stats');
const { summarizeProfile } = require('./lib/profileSummary');

// Outside the repository, next to the cached n8n installs: an n8n user folder
// holds thousands of files (its editor assets among them) that must not end
// up under lint or in git.
const WORK_ROOT = path.join(cacheRoot(), 'bench');
const PHASES = ['webhook', 'bulk', 'profile', 'ratelimit', 'micro'];

const config = {
	version: process.env.N8N_VERSION || DEFAULT_VERSION,
	runs: Number(process.env.BENCH_RUNS || 3),
	calls: Number(process.env.BENCH_CALLS || 2000),
	concurrencies: (process.env.BENCH_CONCURRENCIES || '1,10,50').split(',').map(Number),
	items: Number(process.env.BENCH_ITEMS || 1000),
	// 100 calls left the first measured flow of run 1 as its slowest run (n8n still warming up).
	warmupCalls: Number(process.env.BENCH_WARMUP_CALLS || 500),
	phases: (process.env.BENCH_PHASES || PHASES.join(',')).split(',').map((p) => p.trim()),
	n8nEnv: process.env.BENCH_N8N_ENV ? JSON.parse(process.env.BENCH_N8N_ENV) : undefined,
	bulk: process.env.BENCH_BULK ? process.env.BENCH_BULK.split(',').map((k) => k.trim()) : BULK.map((b) => b.key),
	profileBulk: (process.env.BENCH_PROFILE_BULK || 'tl-c20,http-batch-20,tl-c50,http-batch-50').split(',').map((k) => k.trim()),
};
for (const phase of config.phases) if (!PHASES.includes(phase)) throw new Error(`BENCH_PHASES: unknown phase "${phase}" (known: ${PHASES.join(', ')})`);
for (const key of config.bulk) if (!BULK.some((b) => b.key === key)) throw new Error(`BENCH_BULK: unknown configuration "${key}"`);
for (const key of config.profileBulk) if (!BULK.some((b) => b.key === key)) throw new Error(`BENCH_PROFILE_BULK: unknown configuration "${key}"`);
config.resultsFile =
	process.env.BENCH_RESULTS ||
	path.join(__dirname, config.version === DEFAULT_VERSION ? 'results.md' : `results-n8n-${config.version}.md`);

const startedAt = Date.now();
/** pids of the n8n processes this benchmark started (not "other load"). */
const ownN8nPids = [];
function say(message) {
	const t = Math.round((Date.now() - startedAt) / 1000);
	process.stdout.write(`[bench ${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}] ${message}\n`);
}

/** Problems that make the run a failure (exit 1); collected so one bad run does not hide the others. */
const failures = [];
function fail(what, detail) {
	failures.push({ what, detail });
	say(`FAILED: ${what}: ${detail}`);
}

/** Runs bench/lib/load.js (autocannon) in a child process; resolves with its JSON line. */
function runLoad(options) {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [path.join(__dirname, 'lib', 'load.js'), JSON.stringify(options)], {
			cwd: REPO_ROOT,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let out = '';
		let err = '';
		child.stdout.on('data', (c) => (out += c));
		child.stderr.on('data', (c) => (err += c));
		const kill = () => child.kill('SIGKILL');
		process.once('exit', kill);
		child.on('error', reject);
		child.on('exit', (code) => {
			process.removeListener('exit', kill);
			const line = out.trim().split('\n').pop() ?? '';
			try {
				const result = JSON.parse(line);
				if (code !== 0 || !result.ok) return reject(new Error(`load generator failed: ${result.error ?? `exit ${code}`} ${err.slice(-500)}`));
				resolve(result);
			} catch {
				reject(new Error(`load generator printed no result (exit ${code}): ${out.slice(-300)} ${err.slice(-500)}`));
			}
		});
	});
}

let nextCallIndex = 1;

/** Resolves when the mock holds `count` leads, or when none has arrived for 60 s. */
async function leadsArrived(mock, count) {
	let last = -1;
	let lastChange = Date.now();
	while (mock.leads.length < count) {
		if (mock.leads.length !== last) {
			last = mock.leads.length;
			lastChange = Date.now();
		} else if (Date.now() - lastChange > 60000) return;
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Median wall time of each node over `count` executions spread over the run (n8n's own run data). */
async function nodeTimes(n8n, executions, count) {
	const step = Math.max(1, Math.floor(executions.length / count));
	const perNode = {};
	for (let i = 0; i < executions.length && i / step < count; i += step) {
		const execution = await n8n.execution(executions[i].id);
		for (const [name, taskRuns] of Object.entries(execution.data?.resultData?.runData ?? {})) {
			(perNode[name] ??= []).push(taskRuns[0]?.executionTime ?? NaN);
		}
	}
	return Object.fromEntries(Object.entries(perNode).map(([name, times]) => [name, median(times)]));
}

async function webhookRun(env, flow, connections, amount, { measure = true } = {}) {
	const { n8n, mock } = env;
	noteOtherLoad();
	mock.reset();
	const sinceId = await newestExecutionId(n8n);
	const memory = env.memory.start();
	const loadStart = Date.now();
	const load = await runLoad({
		url: n8n.webhookUrl(flow.path),
		connections,
		amount,
		firstIndex: nextCallIndex,
		token: TOKEN,
	});
	nextCallIndex = load.lastIndex + connections + 10;
	const ok2xx = Object.entries(load.statuses)
		.filter(([status]) => Number(status) >= 200 && Number(status) < 300)
		.reduce((sum, [, n]) => sum + n, 0);
	// Wait on the mock first (in-process, free): polling n8n's API while it is still
	// working through the backlog would take CPU from the executions being measured.
	if (flow.makesLeads) await leadsArrived(mock, ok2xx);
	const waited = await waitForFinished(n8n, flow.workflowId, sinceId, ok2xx, { stallMs: 60000, intervalMs: 300 });
	const mem = memory.stop();
	const finished = waited.finished;
	const lastStop = Math.max(...finished.map((e) => Date.parse(e.stoppedAt)));
	const statusCounts = {};
	for (const e of waited.list) statusCounts[e.status] = (statusCounts[e.status] ?? 0) + 1;
	const leads = mock.leads;
	const leadIds = new Set(leads.map((l) => l.fields.id));
	const result = {
		flow: flow.key,
		connections,
		calls: load.responses,
		callsPerSecond: load.callsPerSecond,
		p50: load.p50,
		p95: load.p95,
		p99: load.p99,
		max: load.max,
		// From the first call to the end of the last execution: what the workflow really sustains.
		processedPerSecond: finished.length / ((lastStop - loadStart) / 1000),
		executions: waited.list.length,
		successes: statusCounts.success ?? 0,
		statusCounts,
		httpStatuses: load.statuses,
		leads: leads.length,
		uniqueLeads: leadIds.size,
		mockRequestsPerLead: leads.length ? mock.requests.length / leads.length : NaN,
		executionMs: median(finished.map((e) => Date.parse(e.stoppedAt) - Date.parse(e.startedAt))),
		peakRssMb: mem.peakMb,
		startRssMb: mem.startMb,
		runnerPeakRssMb: mem.childrenPeakMb,
	};
	if (!measure) return result;
	if (connections === 1) result.nodeTimes = await nodeTimes(n8n, finished, 20);
	const what = `webhook ${flow.key} c=${connections}`;
	if (load.errors || load.timeouts || load.non2xx || ok2xx !== amount) {
		fail(what, `${amount} calls: ${ok2xx} answered 2xx, non-2xx ${load.non2xx}, errors ${load.errors}, timeouts ${load.timeouts} (${JSON.stringify(load.statuses)})`);
	}
	if (!waited.complete || result.successes !== ok2xx || result.executions !== ok2xx) {
		fail(what, `${ok2xx} accepted calls but ${result.executions} executions, ${result.successes} succeeded (${JSON.stringify(statusCounts)})${waited.complete ? '' : ', still running after 60 s without progress'}`);
	}
	if (flow.makesLeads && (result.leads !== ok2xx || result.uniqueLeads !== ok2xx)) {
		fail(what, `${ok2xx} accepted calls but the mock got ${result.leads} leads (${result.uniqueLeads} distinct Lead IDs)`);
	}
	if (!flow.makesLeads && result.leads !== 0) fail(what, `the no-op flow produced ${result.leads} leads`);
	return result;
}

async function phaseWebhook(env) {
	say(`phase 1: webhook → lead — ${FLOWS.length} flows × concurrency ${config.concurrencies.join('/')} × ${config.runs} runs × ${config.calls} calls (${FLOWS.filter((f) => f.concurrencies).map((f) => `${f.key} only at ${f.concurrencies.join('/')}`).join(', ')})`);
	// Two passes over the flows, so no flow is measured right after a warm-up that favoured it.
	for (const pass of [1, 2]) {
		for (const flow of FLOWS) {
			const warm = await webhookRun(env, flow, 10, Math.ceil(config.warmupCalls / 2), { measure: false });
			say(`  warm-up ${pass}/2 ${flow.key}: ${warm.calls} calls (HTTP ${JSON.stringify(warm.httpStatuses)}), ${warm.callsPerSecond.toFixed(0)} calls/s, executions ${JSON.stringify(warm.statusCounts)}, ${warm.leads} leads`);
		}
	}
	const phaseMemory = new MemorySampler(env.n8n.proc.pid).start();
	const runs = [];
	for (let run = 0; run < config.runs; run++) {
		for (const [level, connections] of config.concurrencies.entries()) {
			// Rotate the order by run and by concurrency, so no flow always runs first (or after the heaviest one).
			const order = FLOWS.map((_, i) => FLOWS[(i + run + level + 1) % FLOWS.length]).filter((f) => !f.concurrencies || f.concurrencies.includes(connections));
			for (const flow of order) {
				const r = await webhookRun(env, flow, connections, config.calls);
				r.run = run + 1;
				runs.push(r);
				say(
					`  run ${run + 1}/${config.runs} c=${String(connections).padStart(2)} ${flow.key.padEnd(9)} ${r.callsPerSecond.toFixed(0).padStart(5)} calls/s  p50 ${r.p50.toFixed(1)} p95 ${r.p95.toFixed(1)} p99 ${r.p99.toFixed(1)} ms  processed ${r.processedPerSecond.toFixed(0)}/s  leads ${r.leads}/${r.calls}  RSS ${r.peakRssMb.toFixed(0)} MB`,
				);
			}
		}
	}
	return { runs, memory: phaseMemory.stop() };
}

async function bulkRun(env, bulk, runTag) {
	const { n8n, mock } = env;
	noteOtherLoad();
	mock.reset();
	mock.setMode({ kind: 'slow', delayMs: SEND_DELAY_MS, route: 'send' });
	const sinceId = await newestExecutionId(n8n);
	const memory = env.memory.start();
	const t0 = process.hrtime.bigint();
	const res = await fetch(`${n8n.webhookUrl(bulk.path)}?items=${config.items}&run=${runTag}`);
	const body = await res.text();
	const callMs = Number(process.hrtime.bigint() - t0) / 1e6;
	const mem = memory.stop();
	mock.setMode({ kind: 'normal' });
	const what = `bulk ${bulk.key} run ${runTag}`;
	const list = await executionsSince(n8n, bulk.workflowId, sinceId);
	if (res.status !== 200 || list.length !== 1) {
		fail(what, `HTTP ${res.status} ${body.slice(0, 200)}; ${list.length} executions`);
		return null;
	}
	const execution = await n8n.execution(list[0].id);
	const runData = execution.data?.resultData?.runData ?? {};
	const send = runData.Send?.[0];
	const build = runData['Build 1000 leads']?.[0];
	const output = send?.data?.main?.[0] ?? [];
	const atMock = mockOrder(mock, runTag, config.items);
	const inOutput = outputOrder(output, mock, runTag, config.items, bulk.kind);
	const result = {
		config: bulk.key,
		status: execution.status,
		nodeMs: send?.executionTime ?? NaN,
		callMs,
		buildMs: build?.executionTime ?? NaN,
		floorMs: Number.isFinite(bulk.inFlightCap) ? Math.ceil(config.items / bulk.inFlightCap) * SEND_DELAY_MS : SEND_DELAY_MS,
		peakRssMb: mem.peakMb,
		startRssMb: mem.startMb,
		runnerPeakRssMb: mem.childrenPeakMb,
		schedule: schedule(send?.startTime ?? NaN, send?.executionTime ?? NaN, atMock),
		mock: { ...atMock, feedAt: undefined },
		output: { items: inOutput.items, mismatched: inOutput.mismatched, errors: inOutput.errors, inOrder: inOutput.inOrder },
	};
	if (execution.status !== 'success' || execution.data?.resultData?.error) {
		fail(what, `execution ${list[0].id} ${execution.status}: ${execution.data?.resultData?.error?.message ?? ''}`);
	}
	if (atMock.lost || atMock.duplicated || atMock.foreign || atMock.sends !== config.items) {
		fail(what, `at the mock: ${atMock.sends} sends, ${atMock.lost} lost, ${atMock.duplicated} duplicated, ${atMock.foreign} unexpected`);
	}
	if (!inOutput.inOrder || inOutput.errors) {
		fail(what, `node output: ${inOutput.items} items, ${inOutput.mismatched} not matching their input/lead, ${inOutput.errors} errors ${JSON.stringify(inOutput.firstProblems)}`);
	}
	return result;
}

async function phaseBulk(env) {
	const configs = BULK.filter((b) => config.bulk.includes(b.key));
	say(`phase 2: bulk send — ${config.items} items, mock answers each send after ${SEND_DELAY_MS} ms, ${configs.length} configurations × ${config.runs} runs`);
	// One untimed run of each node type first, so the first timed run does not pay for loading code.
	for (const warm of [BULK.find((b) => b.key === 'tl-c20'), BULK.find((b) => b.key === 'http-batch-20')]) {
		const r = await bulkRun(env, warm, `warm-${warm.key}`);
		say(`  warm-up ${warm.key}: ${r ? `${Math.round(r.nodeMs)} ms` : 'failed'}`);
	}
	const phaseMemory = new MemorySampler(env.n8n.proc.pid).start();
	const runs = [];
	for (let run = 0; run < config.runs; run++) {
		for (let i = 0; i < configs.length; i++) {
			const bulk = configs[(i + run) % configs.length];
			const r = await bulkRun(env, bulk, `r${run + 1}-${bulk.key}`);
			if (!r) continue;
			r.run = run + 1;
			runs.push(r);
			say(
				`  run ${run + 1}/${config.runs} ${bulk.key.padEnd(14)} node ${String(Math.round(r.nodeMs)).padStart(6)} ms (first send after ${Math.round(r.schedule.beforeFirstSendMs)} ms)  call ${String(Math.round(r.callMs)).padStart(6)} ms  in flight ≤${String(r.mock.peakInFlight).padStart(4)}  order at mock ${r.mock.strictOrder ? 'exact' : `max overtaken ${r.mock.maxOvertaken}`}  output ${r.output.inOrder ? 'in order' : 'WRONG'}  RSS ${r.peakRssMb.toFixed(0)} MB`,
			);
		}
	}
	return { runs, memory: phaseMemory.stop() };
}

/**
 * One bulk call against the mock in mode 'rateLimited': what reached Traffic Light, whatever the
 * node made of it. Only our node must deliver every lead exactly once; the HTTP Request rows show
 * what happens without that guarantee, so their failures are figures, not a failed run.
 */
async function rateLimitedRun(env, scenario, runTag) {
	const { n8n, mock } = env;
	noteOtherLoad();
	mock.reset();
	mock.setMode({ kind: 'rateLimited', route: 'all', delayMs: SEND_DELAY_MS, ...RATE_LIMIT });
	const sinceId = await newestExecutionId(n8n);
	const t0 = process.hrtime.bigint();
	const res = await fetch(`${n8n.webhookUrl(scenario.path)}?items=${config.items}&run=${runTag}`);
	await res.text();
	const callMs = Number(process.hrtime.bigint() - t0) / 1e6;
	const refused = { ...mock.refused };
	mock.setMode({ kind: 'normal' });
	const what = `rate-limited ${scenario.key} run ${runTag}`;
	const waited = await waitForFinished(n8n, scenario.workflowId, sinceId, 1, { stallMs: 60000, intervalMs: 300 });
	const execution = waited.finished[0] ? await n8n.execution(waited.finished[0].id) : undefined;
	const atMock = storedLeads(mock, runTag, config.items);
	const sendRun = execution?.data?.resultData?.runData?.Send ?? [];
	const result = {
		config: scenario.key,
		status: execution?.status ?? 'unknown',
		error: execution?.data?.resultData?.error?.message,
		nodeMs: sendRun.reduce((sum, task) => sum + (task.executionTime ?? 0), 0),
		callMs,
		delivered: config.items - atMock.lost,
		lost: atMock.lost,
		duplicated: atMock.duplicated,
		sendRequests: mock.requestsTo('send').length,
		refused: refused.total,
	};
	if (scenario.kind === 'ours' && (atMock.lost || atMock.duplicated || result.status !== 'success')) {
		fail(what, `${result.delivered}/${config.items} delivered, ${atMock.duplicated} duplicated, execution ${result.status} ${result.error ?? ''}`);
	}
	return result;
}

async function phaseRateLimited(env) {
	say(`phase 2b: rate-limited Traffic Light — ${config.items} items, mock refuses (429 + Retry-After) beyond ${RATE_LIMIT.maxInFlight} in flight or ${RATE_LIMIT.perSecond} per second, ${RATE_LIMITED.length} configurations × ${config.runs} runs`);
	const runs = [];
	for (let run = 0; run < config.runs; run++) {
		for (let i = 0; i < RATE_LIMITED.length; i++) {
			const scenario = RATE_LIMITED[(i + run) % RATE_LIMITED.length];
			const r = await rateLimitedRun(env, scenario, `rl${run + 1}-${scenario.key}`);
			r.run = run + 1;
			runs.push(r);
			say(
				`  run ${run + 1}/${config.runs} ${scenario.key.padEnd(14)} ${r.status.padEnd(7)} delivered ${r.delivered}/${config.items}, duplicated ${r.duplicated}, ${r.sendRequests} send requests, ${r.refused} refused, node ${Math.round(r.nodeMs)} ms, call ${Math.round(r.callMs)} ms`,
			);
		}
	}
	return { runs };
}

/**
 * The profiles behind the figures: n8n restarted with a sampling CPU profiler
 * preloaded (idle until signalled), then, untimed, one extra bulk run of each
 * node at the same number of requests in flight and PROFILE_CALLS webhook
 * calls at concurrency 1 through each lead-making flow, each profiled on its
 * own. CPU per item (bulk) and per call (webhook) by category shows where the
 * time goes.
 */
const PROFILE_CALLS = 300;
let profileCount = 0;

/** Runs `run` with the profiler on; the profile's summary by category, or undefined when none was written. */
async function profiled(env, dir, what, run) {
	process.kill(env.n8n.proc.pid, 'SIGUSR2');
	await new Promise((r) => setTimeout(r, 200));
	const result = await run();
	process.kill(env.n8n.proc.pid, 'SIGUSR2');
	const file = path.join(dir, `profile-${++profileCount}.cpuprofile`);
	const deadline = Date.now() + 30000;
	while (!fs.existsSync(file) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 200));
	if (!fs.existsSync(file)) {
		say(`  no profile written for ${what}`);
		return undefined;
	}
	return { result, file, ...summarizeProfile(file) };
}

async function profilePhase(env, workDir, { bulk, webhook }) {
	const dir = path.join(workDir, 'profiles');
	fs.mkdirSync(dir, { recursive: true });
	say('profiling (V8 CPU profile of the n8n process): one more bulk run of each equal-load configuration, and webhook calls at concurrency 1');
	await env.n8n.stop();
	env.n8n.extraEnv = { NODE_OPTIONS: `--require ${path.join(__dirname, 'lib', 'cpuProfilePreload.js')}`, BENCH_CPU_PROFILE_DIR: dir };
	await env.n8n.start();
	ownN8nPids.push(env.n8n.proc.pid);
	env.memory = new MemorySampler(env.n8n.proc.pid);
	const bulkProfiles = [];
	for (const key of bulk ? config.profileBulk : []) {
		const scenario = BULK.find((b) => b.key === key);
		const p = await profiled(env, dir, key, () => bulkRun(env, scenario, `profile-${key}`));
		if (!p) continue;
		bulkProfiles.push({ config: key, file: p.file, nodeMs: p.result?.nodeMs ?? NaN, callMs: p.result?.callMs ?? NaN, items: config.items, busyMs: p.busyMs, idleMs: p.idleMs, byCategory: p.byCategory });
		say(`  ${key}: ${Math.round(p.busyMs)} ms CPU in n8n's main thread = ${(p.busyMs / config.items).toFixed(2)} ms per item (profile ${p.file})`);
	}
	const webhookProfiles = [];
	for (const flow of webhook ? FLOWS.filter((f) => f.makesLeads) : []) {
		await webhookRun(env, flow, 10, config.warmupCalls, { measure: false });
		const p = await profiled(env, dir, flow.key, () => webhookRun(env, flow, 1, PROFILE_CALLS, { measure: false }));
		if (!p) continue;
		const calls = p.result.calls;
		webhookProfiles.push({ flow: flow.key, file: p.file, calls, leads: p.result.leads, busyMs: p.busyMs, idleMs: p.idleMs, byCategory: p.byCategory });
		say(`  webhook ${flow.key}: ${Math.round(p.busyMs)} ms CPU for ${calls} calls = ${(p.busyMs / calls).toFixed(2)} ms per call (profile ${p.file})`);
	}
	return { bulkProfiles, webhookProfiles };
}

async function micro(packageRoot) {
	say('phase 3: own CPU per item (in-process micro-benchmark of the compiled package)');
	const out = await runTracked('bench-micro', process.execPath, [path.join(__dirname, 'micro.js'), packageRoot, '--json'], {
		cwd: REPO_ROOT,
		// The unpacked package lives outside the repo; its peer dependency n8n-workflow comes
		// from the repo's node_modules, the way n8n hands its own copy to community nodes.
		env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
	});
	const result = JSON.parse(out.trim().split('\n').pop());
	for (const [key, s] of Object.entries(result.results)) say(`  ${key}: ${s.median.toFixed(2)} µs (${s.min.toFixed(2)}–${s.max.toFixed(2)})`);
	say('phase 3b: hostile input (worst case of one webhook call per attacking shape)');
	const hostileOut = await runTracked('bench-hostile', process.execPath, ['--expose-gc', path.join(__dirname, 'hostile.js'), packageRoot, '--json'], {
		cwd: REPO_ROOT,
		env: { ...process.env, NODE_PATH: path.join(REPO_ROOT, 'node_modules') },
	});
	result.hostile = JSON.parse(hostileOut.trim().split('\n').pop());
	return result;
}

function machine() {
	const cpus = os.cpus();
	return {
		cpu: cpus[0]?.model?.trim() ?? 'unknown',
		cores: cpus.length,
		ramGb: os.totalmem() / 1024 ** 3,
		os: `${os.type()} ${os.release()}`,
	};
}

/** Other heavy processes seen at any run of this benchmark (checked before each run). */
const otherLoadSeen = new Set();
function noteOtherLoad() {
	for (const cmd of otherLoad()) {
		if (!otherLoadSeen.has(cmd)) say(`note: another heavy process is running and will skew the numbers: ${cmd}`);
		otherLoadSeen.add(cmd);
	}
}

/** Other n8n or bench processes on the machine skew every number; say so in the report. */
function otherLoad() {
	const mine = new Set(ownN8nPids);
	const others = [];
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry) || Number(entry) === process.pid || mine.has(Number(entry))) continue;
		try {
			const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
			if (/n8n\/bin\/n8n start|jest|tsc /.test(cmd)) others.push(cmd.slice(0, 120));
		} catch {
			// gone
		}
	}
	return others;
}

async function main() {
	const killed = killLeftovers(WORK_ROOT);
	if (killed) say(`stopped ${killed} process(es) left over from an earlier bench run`);
	const workDir = path.join(WORK_ROOT, `n8n-${config.version}`);
	fs.rmSync(workDir, { recursive: true, force: true });
	fs.mkdirSync(workDir, { recursive: true });
	if (config.runs < 3) say(`BENCH_RUNS=${config.runs}: fewer than 3 runs per figure — fine for a try, not for the committed results`);

	const tarball = await buildAndPack(path.join(workDir, 'package'), { log: say });
	// The micro-benchmark loads the compiled code from the tarball just built (= dist/ of this build),
	// so a rebuild started elsewhere cannot change it mid-run.
	const unpacked = path.join(workDir, 'unpacked');
	fs.mkdirSync(unpacked, { recursive: true });
	await runTracked('tar', 'tar', ['-xzf', tarball, '-C', unpacked], { cwd: workDir, env: process.env });
	const microResult = config.phases.includes('micro') ? await micro(path.join(unpacked, 'package')) : undefined;

	say(`ensuring n8n ${config.version} is installed`);
	const runtime = await ensureRuntime(config.version);
	noteOtherLoad();

	const env = await startEnvironment({
		runtime,
		workDir: path.join(workDir, 'n8n'),
		tarball,
		apiKey: DEFAULT_KEY,
		logLevel: 'info',
		log: say,
		extraEnv: config.n8nEnv,
		workflows: ({ mock }) => allWorkflows(mock.baseUrl),
		activate: allWorkflowIds(),
	});
	let webhook;
	let bulk;
	let rateLimited;
	try {
		say(`n8n ${runtime.version} (Node ${runtime.nodeMajor}) up on ${env.n8n.baseUrl}, pid ${env.n8n.proc.pid}`);
		ownN8nPids.push(env.n8n.proc.pid);
		env.memory = new MemorySampler(env.n8n.proc.pid);
		if (config.phases.includes('webhook')) {
			webhook = await phaseWebhook(env);
			// A fresh n8n process for the bulk phase, so its peak memory (VmHWM) is its own.
			say('restarting n8n for phase 2 (separate peak-memory figure)');
			await env.n8n.stop();
			await env.n8n.start();
			ownN8nPids.push(env.n8n.proc.pid);
			env.memory = new MemorySampler(env.n8n.proc.pid);
		}
		if (config.phases.includes('bulk')) bulk = await phaseBulk(env);
		if (config.phases.includes('ratelimit')) rateLimited = await phaseRateLimited(env);
		// Last: it restarts n8n with the profiler preloaded.
		if (config.phases.includes('profile') && (bulk || webhook)) {
			const { bulkProfiles, webhookProfiles } = await profilePhase(env, workDir, { bulk: Boolean(bulk), webhook: Boolean(webhook) });
			if (bulk) bulk.profiles = bulkProfiles;
			if (webhook) webhook.profiles = webhookProfiles;
		}
	} finally {
		say('stopping n8n and the mock');
		await env.stop().catch((error) => fail('stopping the environment', error.message));
	}

	const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
	const report = {
		date: new Date(startedAt).toISOString(),
		durationS: (Date.now() - startedAt) / 1000,
		machine: machine(),
		versions: {
			benchNode: process.version,
			n8nNode: runtime.nodeMajor === Number(process.versions.node.split('.')[0]) ? process.version : `v${NODE24_VERSION}`,
			n8n: runtime.version,
			package: `${pkg.name}@${pkg.version}`,
			commit: await gitCommit(),
			autocannon: require('autocannon/package.json').version,
		},
		config,
		otherLoad: [...otherLoadSeen],
		webhook,
		bulk,
		rateLimited,
		micro: microResult,
		failures,
	};
	fs.writeFileSync(path.join(workDir, 'results.json'), JSON.stringify(report, null, 2));
	printTables(report, (line) => process.stdout.write(`${line}\n`));
	writeReport(report, config.resultsFile);
	say(`wrote ${path.relative(REPO_ROOT, config.resultsFile)} (raw numbers: ${path.join(workDir, 'results.json')})`);
	if (failures.length) {
		say(`${failures.length} run(s) FAILED:`);
		for (const f of failures) say(`  ${f.what}: ${f.detail}`);
		process.exitCode = 1;
	}
}

async function gitCommit() {
	try {
		const out = await runTracked('git-rev', 'git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, env: process.env });
		const dirty = await runTracked('git-status', 'git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, env: process.env });
		return `${out.trim()}${dirty.trim() ? ' (with uncommitted changes)' : ''}`;
	} catch {
		return 'unknown';
	}
}

main().catch((error) => {
	say(`bench failed: ${error.stack || error}`);
	process.exitCode = 1;
});
