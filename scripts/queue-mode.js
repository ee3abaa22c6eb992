#!/usr/bin/env node
'use strict';
// `npm run test:queue`: our nodes in n8n queue mode, proven on 127.0.0.1.
//
// Starts its own Redis and PostgreSQL (installed from Debian when absent), then
// n8n 2.40.7 as main (production webhooks off) + one `n8n webhook` process +
// two `n8n worker` processes, all with our package and one encryption key, and
// the Traffic Light mock (answering after 300 ms, like the real API). Then:
//   1. 100 identical Klientiks calls at once (one appointment): how many leads
//      reach Traffic Light — the duplicate race between two workers, which the
//      in-process registry of in-flight Lead IDs narrows but cannot close.
//   2. 1,000 calls for distinct appointments at the webhook process; one worker
//      is stopped (SIGTERM, as `docker stop` does) in the middle. Every call must
//      end as a successful execution run by a worker and exactly one lead at the
//      mock: no lead lost, none twice.
// Everything it starts is stopped at the end, also on failure or a signal.
// Exit code: 0 when every check holds, 1 otherwise.
const fs = require('node:fs');
const path = require('node:path');
const { ensureRuntime, cacheRoot } = require('./n8n-runtime');
const { buildAndPack } = require('./lib/pack');
const { eventParams, callUrl } = require('./lib/klientiksCalls');
const { waitFor } = require('./lib/net');
const { startQueueCluster, workerExecutions, fire } = require('./lib/queueCluster');

const N8N_VERSION = '2.40.7';
// Outside the repository, next to the cached n8n installs: four n8n user folders hold thousands of
// files that must not end up under lint, jest or git. Logs of the last run stay there.
const WORK = path.join(cacheRoot(), 'queue-mode');
const TOKEN = 'klx-queue-mode-token-4d1f';
const API_KEY = 'tl-queue-mode-key-8c2e';
const DISTINCT_CALLS = Number(process.env.QUEUE_CALLS || 1000);
const IDENTICAL_CALLS = 100;
const MOCK_LATENCY_MS = 300;
const FIRE_CONCURRENCY = 20;
/** The identical-calls phase uses an appointment number outside the distinct range. */
const IDENTICAL_N = 900000;

const t0 = Date.now();
const log = (message) => process.stdout.write(`[queue ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);

const leadIdOf = (n) => `klx-appointment-${918200 + n}`;

/** Waits until the workflow has `total` executions in a final state; returns the counts by status. */
async function waitForExecutions(cluster, total, timeoutMs) {
	let last = {};
	let lastReport = 0;
	return waitFor(
		`${total} finished executions`,
		async () => {
			last = await cluster.executionStatuses();
			const all = Object.values(last).reduce((a, b) => a + b, 0);
			const open = (last.new ?? 0) + (last.running ?? 0) + (last.waiting ?? 0);
			if (Date.now() - lastReport > 15000) {
				lastReport = Date.now();
				log(`  executions: ${JSON.stringify(last)}, leads at the mock: ${cluster.mock.leads.length}`);
			}
			if (all > total) throw Object.assign(new Error(`more executions than calls: ${JSON.stringify(last)}`), { fatal: true });
			return all === total && open === 0 ? last : null;
		},
		{ timeoutMs, intervalMs: 1000 },
	).catch((error) => {
		throw new Error(`${error.message}; last counts ${JSON.stringify(last)}`);
	});
}

/** What the Traffic Light node output for each execution (duplicateOf / delivered / error). */
async function sendOutcomes(cluster, since) {
	const list = (await cluster.main.executions(cluster.workflowId)).filter((e) => Number(e.id) > since);
	const outcomes = {};
	const sentBy = [];
	for (const execution of list) {
		const full = await cluster.main.execution(execution.id);
		const runs = full.data?.resultData?.runData?.['Send lead to Traffic Light'] ?? [];
		const json = runs[0]?.data?.main?.[0]?.[0]?.json;
		const error = full.data?.resultData?.error?.message;
		const key = json ? (json.duplicate ? `duplicate (${json.duplicateOf})` : json.error ? `error: ${json.error}` : 'sent') : `failed: ${error ?? 'no output'}`;
		outcomes[key] = (outcomes[key] ?? 0) + 1;
		if (key === 'sent') sentBy.push(cluster.workers.findIndex((w) => workerExecutions(w).started.has(String(execution.id))) + 1);
	}
	return { outcomes, sentBy };
}

function table(rows) {
	const width = Math.max(...rows.map(([k]) => k.length));
	return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n');
}

async function main() {
	const problems = [];
	const results = [];
	fs.mkdirSync(WORK, { recursive: true });
	const runtime = await ensureRuntime(N8N_VERSION);
	const tarball = await buildAndPack(path.join(WORK, 'package'), { log });
	const cluster = await startQueueCluster({ runtime, workDir: path.join(WORK, 'cluster'), tarball, apiKey: API_KEY, token: TOKEN, workers: 2, log });
	const stopAll = async () => {
		log('stopping every process it started');
		await cluster.stop();
	};
	const onSignal = (signal) => {
		log(`${signal}: stopping`);
		stopAll().finally(() => process.exit(130));
	};
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
	try {
		// Traffic Light answers in a few hundred ms, the mock at once. With the real latency a send stays
		// in flight long enough for other executions to meet it (the duplicate race) and a worker holds
		// executions when it is stopped.
		cluster.mock.setMode({ kind: 'slow', route: 'all', delayMs: MOCK_LATENCY_MS });
		log(`cluster up in ${((Date.now() - t0) / 1000).toFixed(0)} s: main ${cluster.main.baseUrl}, webhook ${cluster.webhook.baseUrl}, ${cluster.workers.length} workers`);
		const webhookUrl = cluster.webhookUrl;
		const url = (n) => callUrl(webhookUrl, eventParams('appointment_created', n), { token: TOKEN });

		// The main process must not serve production webhooks in this setup (a bare GET: no execution if
		// it did). Not asking for HTML, so the editor's page fallback does not answer it either.
		const onMain = await fetch(cluster.main.webhookUrl(cluster.webhookPath), { headers: { accept: 'application/json' } });
		await onMain.arrayBuffer();
		results.push(['main process, production webhook URL', `HTTP ${onMain.status}`]);
		if (onMain.status !== 404) problems.push(`the main process answered its production webhook URL with HTTP ${onMain.status}, not 404`);

		// ---- 1. 100 identical calls at once, two workers ----
		log(`phase 1: ${IDENTICAL_CALLS} identical calls at once (Lead ID ${leadIdOf(IDENTICAL_N)})`);
		const p1 = Date.now();
		const identicalFailures = await fire(Array.from({ length: IDENTICAL_CALLS }, () => url(IDENTICAL_N)), IDENTICAL_CALLS);
		if (identicalFailures.length) problems.push(`${identicalFailures.length} identical calls were not accepted: ${identicalFailures[0]}`);
		const identicalStatuses = await waitForExecutions(cluster, IDENTICAL_CALLS, 180000);
		const identicalLeads = cluster.mock.leads.filter((l) => l.id2 === leadIdOf(IDENTICAL_N)).length;
		const { outcomes: identicalOutcomes, sentBy } = await sendOutcomes(cluster, 0);
		results.push([`${IDENTICAL_CALLS} identical calls: executions`, JSON.stringify(identicalStatuses)]);
		results.push([`${IDENTICAL_CALLS} identical calls: leads at Traffic Light`, `${identicalLeads} (1 is ideal; more = the cross-worker race, mock latency ${MOCK_LATENCY_MS} ms)`]);
		results.push([`${IDENTICAL_CALLS} identical calls: node outputs`, JSON.stringify(identicalOutcomes)]);
		results.push([`${IDENTICAL_CALLS} identical calls: sent by`, sentBy.map((w) => (w ? `worker${w}` : 'not a worker')).join(', ')]);
		results.push([`${IDENTICAL_CALLS} identical calls: time`, `${((Date.now() - p1) / 1000).toFixed(1)} s`]);
		if (identicalLeads < 1) problems.push('the identical calls produced no lead at all');
		// A held-back lead is an explained outcome (another execution's send had an unknown outcome); any other failure is not.
		for (const [outcome, count] of Object.entries(identicalOutcomes)) {
			if (/^(failed|error)/.test(outcome) && !/was held back/.test(outcome)) problems.push(`${count} identical call(s) ended with ${outcome}`);
		}
		const firstPhaseMaxId = Math.max(0, ...(await cluster.main.executions(cluster.workflowId)).map((e) => Number(e.id)));

		// ---- 2. 1,000 distinct calls, one worker stopped in the middle ----
		log(`phase 2: ${DISTINCT_CALLS} calls for distinct appointments, ${FIRE_CONCURRENCY} at a time; worker2 is stopped half-way`);
		const leadsBefore = cluster.mock.leads.length;
		const p2 = Date.now();
		const stopped = cluster.workers[1];
		let stopping = null;
		let stoppedAtCall = 0;
		let heldWhenStopped = 0;
		const distinctFailures = await fire(
			Array.from({ length: DISTINCT_CALLS }, (_, i) => url(i + 1)),
			FIRE_CONCURRENCY,
			(done) => {
				if (stopping || done < DISTINCT_CALLS / 2) return;
				const { started, finished } = workerExecutions(stopped);
				const running = [...started].filter((id) => !finished.has(id)).length;
				// Stop it while it holds executions (its log shows them), at the latest at three quarters.
				if (running > 0 || done >= (DISTINCT_CALLS * 3) / 4) {
					heldWhenStopped = running;
					stoppedAtCall = done;
					log(`  stopping worker2 (SIGTERM) after ${done} calls; it is running ${heldWhenStopped} execution(s)`);
					stopping = stopped.stop({ graceMs: 40000 });
				}
			},
		);
		const fireSeconds = (Date.now() - p2) / 1000;
		await stopping;
		log(`  all calls accepted in ${fireSeconds.toFixed(1)} s; worker2 has exited`);
		if (distinctFailures.length) problems.push(`${distinctFailures.length} calls were not accepted by the webhook process: ${distinctFailures[0]}`);
		const statuses = await waitForExecutions(cluster, IDENTICAL_CALLS + DISTINCT_CALLS, 300000);
		const seconds = (Date.now() - p2) / 1000;

		const distinct = (await cluster.main.executions(cluster.workflowId)).filter((e) => Number(e.id) > firstPhaseMaxId);
		const byStatus = {};
		for (const e of distinct) byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
		const byWorker = cluster.workers.map((w) => workerExecutions(w));
		const ranBy = (id) => byWorker.findIndex((w) => w.started.has(String(id)));
		const notByWorker = distinct.filter((e) => ranBy(e.id) < 0);
		const perWorker = byWorker.map((w) => distinct.filter((e) => w.started.has(String(e.id))).length);
		const unfinishedOnStopped = [...byWorker[1].started].filter((id) => !byWorker[1].finished.has(id));

		const leads = cluster.mock.leads.slice(leadsBefore);
		const perLeadId = new Map();
		for (const lead of leads) perLeadId.set(lead.id2, (perLeadId.get(lead.id2) ?? 0) + 1);
		const lost = Array.from({ length: DISTINCT_CALLS }, (_, i) => leadIdOf(i + 1)).filter((id) => !perLeadId.has(id));
		const duplicates = [...perLeadId.values()].filter((c) => c > 1).length;
		const failed = distinct.filter((e) => e.status !== 'success');

		results.push([`${DISTINCT_CALLS} distinct calls: executions`, JSON.stringify(byStatus)]);
		results.push([`${DISTINCT_CALLS} distinct calls: run by worker1 / worker2`, `${perWorker.join(' / ')} (not by a worker: ${notByWorker.length})`]);
		results.push(['worker2 stopped after call', `${stoppedAtCall}, running ${heldWhenStopped}; left unfinished: ${unfinishedOnStopped.length}`]);
		results.push([`${DISTINCT_CALLS} distinct calls: leads at Traffic Light`, `${leads.length} (lost ${lost.length}, Lead IDs sent twice ${duplicates})`]);
		results.push([`${DISTINCT_CALLS} distinct calls: webhook → lead`, `${seconds.toFixed(1)} s, ${(DISTINCT_CALLS / seconds).toFixed(1)} leads/s`]);
		results.push(['all executions (both phases)', JSON.stringify(statuses)]);

		if (distinct.length !== DISTINCT_CALLS) problems.push(`${distinct.length} executions for ${DISTINCT_CALLS} calls`);
		if (notByWorker.length) problems.push(`${notByWorker.length} executions were not run by a worker (e.g. ${notByWorker[0].id})`);
		if (lost.length) problems.push(`${lost.length} leads lost (e.g. ${lost.slice(0, 3).join(', ')})`);
		if (duplicates) problems.push(`${duplicates} Lead IDs reached Traffic Light twice`);
		if (unfinishedOnStopped.length) problems.push(`the stopped worker left ${unfinishedOnStopped.length} execution(s) unfinished: ${unfinishedOnStopped.slice(0, 5).join(', ')}`);
		for (const e of failed.slice(0, 10)) {
			const full = await cluster.main.execution(e.id);
			problems.push(`execution ${e.id} ended "${e.status}": ${full.data?.resultData?.error?.message ?? 'no error recorded'}`);
		}
		if (failed.length > 10) problems.push(`… and ${failed.length - 10} more executions that did not succeed`);
	} finally {
		await stopAll();
	}

	process.stdout.write(`\nn8n ${N8N_VERSION} queue mode — main + webhook process + ${2} workers, Redis, PostgreSQL (127.0.0.1)\n`);
	process.stdout.write(`${table(results)}\n`);
	process.stdout.write(`  total time  ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
	if (problems.length) {
		process.stdout.write(`\nFAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
		process.exitCode = 1;
	} else {
		process.stdout.write('\nOK: every distinct call became one successful worker execution and exactly one lead.\n');
	}
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.stdout.write(`  total time  ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
	process.exitCode = 1;
});
