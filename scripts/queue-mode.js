#!/usr/bin/env node
'use strict';
// `npm run test:queue`: our nodes in n8n queue mode, proven on 127.0.0.1.
//
// Starts its own Redis and PostgreSQL (installed from Debian when absent), then
// n8n 2.40.7 as main (production webhooks off) + one `n8n webhook` process +
// two `n8n worker` processes, all with our package and one encryption key, and
// the Traffic Light mock (answering after 300 ms, like the real API). Then:
//   1. Repeats: 5 rounds of 100 identical Klientiks calls at once, each round
//      another appointment. The trigger answers repeats at the door: exactly
//      1 execution and 1 lead per round, or the scenario fails.
//   2. SIGTERM: 1,000 calls for distinct appointments; one worker is stopped
//      (as `docker stop` does) in the middle. Every call must end as a
//      successful worker execution and exactly one lead: none lost, none twice.
//   3. SIGKILL: a replacement worker is killed while it runs sends, during 200
//      more calls. n8n 2.40.7 does not re-run a dead worker's jobs (its Bull
//      queue allows no stalled job back): they stay "new" or "running" until
//      Bull declares them stalled (CLUSTER_ENV below), then the process that
//      queued them marks them "error" and drops their input, after which
//      n8n's Retry runs nothing. So the scenario does what a user can do while
//      they are still listed: Stop and Retry each through n8n's REST API, as
//      the editor's buttons do. Every Lead ID must reach the mock exactly once.
//   4. Two webhook processes behind a round-robin proxy (scripts/lib/
//      roundRobinProxy.js): 5 rounds of 100 identical calls. Each process
//      remembers only its own calls, so up to 2 executions and, racing on two
//      workers, 1–2 leads per round: measured and printed, checked only for sense.
//   Throughout: the catch-up example is live too. Right after the start,
//   Klientiks events happen only in the Klientiks API mock (no webhook call);
//   while the phases run, its Klientiks Catch-up Trigger polls every minute.
//   Only the main process (the leader; workers and webhook processes run no
//   poll) may poll: once per interval across the cluster, its items run on a
//   worker, and each event becomes exactly one lead — 0 lost, 0 twice.
// Everything it starts is stopped at the end, also on failure or a signal.
// Exit code: 0 when every check holds, 1 otherwise.
const fs = require('node:fs');
const path = require('node:path');
const { ensureRuntime, cacheRoot } = require('./n8n-runtime');
const { buildAndPack } = require('./lib/pack');
const { eventParams, callUrl } = require('./lib/klientiksCalls');
const { waitFor } = require('./lib/net');
const { startQueueCluster, workerExecutions, fire } = require('./lib/queueCluster');
const { RoundRobinProxy } = require('./lib/roundRobinProxy');

const N8N_VERSION = '2.40.7';
// Outside the repository, next to the cached n8n installs: the n8n user folders hold thousands of
// files that must not end up under lint, jest or git. Logs of the last run stay there.
const WORK = path.join(cacheRoot(), 'queue-mode');
const TOKEN = 'klx-queue-mode-token-4d1f';
const API_KEY = 'tl-queue-mode-key-8c2e';
const DISTINCT_CALLS = Number(process.env.QUEUE_CALLS || 1000);
const KILL_CALLS = 200;
const ROUNDS = 5;
const IDENTICAL_CALLS = 100;
const MOCK_LATENCY_MS = 300;
const FIRE_CONCURRENCY = 20;
/**
 * A killed worker's executions can be stopped and retried only while n8n still lists them as new or
 * running: once its Bull queue declares them stalled, n8n marks them "error" and drops their input. A
 * job the worker had started waits for its lock to expire (QUEUE_WORKER_LOCK_DURATION, 60 s by
 * default); one it had taken but not started, for two stalled checks (QUEUE_WORKER_STALLED_INTERVAL,
 * 30 s). A busy 2-core machine needs longer to let the surviving worker drain: five minutes each, as
 * README "Queue mode" advises. A live worker renews its locks every 10 s whatever these are.
 */
const CLUSTER_ENV = { QUEUE_WORKER_LOCK_DURATION: '300000', QUEUE_WORKER_STALLED_INTERVAL: '300000' };
/** Appointment numbers per phase, apart from each other (Lead ID klx-appointment-<918200 + n>). */
const FIRST = { repeats: 900000, kill: 5000, proxy: 950000 };
/** Client and appointment ids of the catch-up's events, apart from the phases' Lead IDs. */
const CATCH_UP_IDS = { client: 8800000, appointment: 8810000 };
/** The catch-up trigger's interval (the example's "every minute"), and the slack allowed around a cron tick. */
const POLL_INTERVAL_MS = 60000;
const POLL_SLACK_MS = 10000;

const t0 = Date.now();
const log = (message) => process.stdout.write(`[queue ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);

const leadIdOf = (n) => `klx-appointment-${918200 + n}`;
const total = (counts) => Object.values(counts).reduce((a, b) => a + b, 0);
const open = (counts) => (counts.new ?? 0) + (counts.running ?? 0) + (counts.waiting ?? 0);

/** Waits until the executions after `sinceId` number `count` (or, with count undefined, stop changing) and none is open. */
async function waitForExecutions(cluster, sinceId, count, timeoutMs) {
	let last = {};
	let previous = '';
	let lastReport = Date.now();
	return waitFor(
		count === undefined ? 'the executions to settle' : `${count} finished executions`,
		async () => {
			last = await cluster.executionStatuses(sinceId);
			if (Date.now() - lastReport > 15000) {
				lastReport = Date.now();
				log(`  executions: ${JSON.stringify(last)}, leads at the mock: ${cluster.mock.leads.length}`);
			}
			if (count !== undefined && total(last) > count) throw Object.assign(new Error(`more executions than calls: ${JSON.stringify(last)}`), { fatal: true });
			const settled = JSON.stringify(last) === previous;
			previous = JSON.stringify(last);
			const done = count === undefined ? settled && total(last) > 0 : total(last) === count;
			return done && open(last) === 0 ? last : null;
		},
		{ timeoutMs, intervalMs: 1000 },
	).catch((error) => {
		throw new Error(`${error.message}; last counts ${JSON.stringify(last)}`);
	});
}

/** Leads at the mock per Lead ID, for the given appointment numbers: lost ones and ones sent twice. */
function leadCounts(cluster, numbers) {
	const wanted = new Set(numbers.map(leadIdOf));
	const perLeadId = new Map();
	for (const lead of cluster.mock.leads) if (wanted.has(lead.id2)) perLeadId.set(lead.id2, (perLeadId.get(lead.id2) ?? 0) + 1);
	return {
		leads: [...perLeadId.values()].reduce((a, b) => a + b, 0),
		lost: [...wanted].filter((id) => !perLeadId.has(id)),
		twice: [...perLeadId.values()].filter((c) => c > 1).length,
	};
}

/** What the Traffic Light node output in each execution (sent / duplicate / error). */
async function nodeOutputs(cluster, ids) {
	const outcomes = {};
	for (const id of ids) {
		const full = await cluster.main.execution(id);
		const json = full.data?.resultData?.runData?.['Send lead to Traffic Light']?.[0]?.data?.main?.[0]?.[0]?.json;
		const key = json ? (json.duplicate ? 'duplicate' : json.error ? `error: ${json.error}` : 'sent') : `no output (${full.status})`;
		outcomes[key] = (outcomes[key] ?? 0) + 1;
	}
	return outcomes;
}

/** Identical calls, `ROUNDS` rounds of `IDENTICAL_CALLS` at once, each round its own appointment, at `webhookUrl`. */
async function repeatRounds(cluster, webhookUrl, firstNumber) {
	const rounds = [];
	for (let round = 1; round <= ROUNDS; round++) {
		const n = firstNumber + round;
		const since = await cluster.lastExecutionId();
		const url = callUrl(webhookUrl, eventParams('appointment_created', n), { token: TOKEN });
		const { failures, repeats } = await fire(Array.from({ length: IDENTICAL_CALLS }, () => url), IDENTICAL_CALLS);
		const executions = await waitForExecutions(cluster, since, undefined, 120000);
		rounds.push({ executions: total(executions), statuses: executions, leads: leadCounts(cluster, [n]).leads, repeats, failures });
	}
	return rounds;
}

/** Three clients added, each booked, two of the visits paid: 8 events, only in the Klientiks API. */
async function catchUpEvents(klientiks) {
	const events = [];
	for (let k = 1; k <= 3; k++) {
		const client = (await klientiks.addClient({ id: CATCH_UP_IDS.client + k })).row;
		events.push({ event: 'client_added', leadId: `klx-client-${client.id}` });
		const booked = (await klientiks.addAppointment({ id: CATCH_UP_IDS.appointment + k, client_id: client.id })).row;
		events.push({ event: 'appointment_created', leadId: `klx-appointment-${booked.id}` });
		if (k <= 2) {
			const paid = (await klientiks.payVisit({ appointment_id: booked.id })).row;
			events.push({ event: 'visit_paid', leadId: `klx-visit-${paid.id}` });
		}
	}
	return events;
}

/** Leads at the Traffic Light mock per Lead ID. */
function leadsPerId(cluster, leadIds) {
	const counts = new Map(leadIds.map((id) => [id, 0]));
	for (const lead of cluster.mock.leads) if (counts.has(lead.id2)) counts.set(lead.id2, (counts.get(lead.id2) ?? 0) + 1);
	return counts;
}

/**
 * The polls the Klientiks mock saw: its list reads (not the enrichment's client-by-id reads) grouped
 * into bursts, one burst per poll.
 */
function pollBursts(klientiks) {
	const reads = klientiks.requests.filter((r) => r.action === 'list' && r.params.id === undefined).map((r) => r.receivedAt);
	const bursts = [];
	for (const at of reads) {
		const last = bursts[bursts.length - 1];
		if (last && at - last.end < POLL_SLACK_MS) {
			last.end = at;
			last.requests++;
		} else bursts.push({ start: at, end: at, requests: 1 });
	}
	return bursts;
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
	const cluster = await startQueueCluster({ runtime, workDir: path.join(WORK, 'cluster'), tarball, apiKey: API_KEY, token: TOKEN, workers: 2, log, env: CLUSTER_ENV, catchUp: true });
	/** @type {RoundRobinProxy|null} */
	let proxy = null;
	const stopAll = async () => {
		log('stopping every process it started');
		await proxy?.stop();
		await cluster.stop();
	};
	const onSignal = (signal) => {
		log(`${signal}: stopping`);
		stopAll().finally(() => process.exit(130));
	};
	for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
	try {
		// Traffic Light answers in a few hundred ms, the mock at once. With the real latency a send stays
		// in flight long enough for other executions to meet it and a worker holds executions when it goes.
		cluster.mock.setMode({ kind: 'slow', route: 'all', delayMs: MOCK_LATENCY_MS });
		log(`cluster up in ${((Date.now() - t0) / 1000).toFixed(0)} s: main ${cluster.main.baseUrl}, webhook ${cluster.webhook.baseUrl}, ${cluster.workers.length} workers`);

		// ---- the catch-up: events only in the Klientiks API, polled while the phases below run ----
		const klientiks = /** @type {import('./lib/klientiksMock').KlientiksMock} */ (cluster.klientiks);
		const catchUpStart = Date.now();
		const catchUp = await catchUpEvents(klientiks);
		const catchUpIds = catchUp.map((e) => e.leadId);
		log(`catch-up: ${catchUp.length} Klientiks events happened only in the API (no webhook call); the catch-up trigger polls every minute while the phases run`);
		const url = (n) => callUrl(cluster.webhookUrl, eventParams('appointment_created', n), { token: TOKEN });

		// The main process must not serve production webhooks in this setup (a bare GET: no execution if
		// it did). Not asking for HTML, so the editor's page fallback does not answer it either.
		const onMain = await fetch(cluster.main.webhookUrl(cluster.webhookPath), { headers: { accept: 'application/json' } });
		await onMain.arrayBuffer();
		results.push(['main process, production webhook URL', `HTTP ${onMain.status}`]);
		if (onMain.status !== 404) problems.push(`the main process answered its production webhook URL with HTTP ${onMain.status}, not 404`);

		// ---- 1. repeats at one webhook process ----
		log(`phase 1: ${ROUNDS} rounds of ${IDENTICAL_CALLS} identical calls at once (one webhook process, two workers)`);
		const p1 = Date.now();
		const rounds = await repeatRounds(cluster, cluster.webhookUrl, FIRST.repeats);
		results.push([`${ROUNDS} × ${IDENTICAL_CALLS} identical calls: executions per round`, rounds.map((r) => r.executions).join(', ')]);
		results.push([`${ROUNDS} × ${IDENTICAL_CALLS} identical calls: leads per round`, rounds.map((r) => r.leads).join(', ')]);
		results.push([`${ROUNDS} × ${IDENTICAL_CALLS} identical calls: answered as repeats`, `${rounds.map((r) => r.repeats).join(', ')} (${((Date.now() - p1) / 1000).toFixed(1)} s)`]);
		rounds.forEach((r, i) => {
			if (r.failures.length) problems.push(`round ${i + 1}: ${r.failures.length} identical calls were not accepted: ${r.failures[0]}`);
			if (r.executions !== 1) problems.push(`round ${i + 1}: ${r.executions} executions for ${IDENTICAL_CALLS} identical calls, not 1 (${JSON.stringify(r.statuses)})`);
			if (r.leads !== 1) problems.push(`round ${i + 1}: ${r.leads} leads for ${IDENTICAL_CALLS} identical calls, not 1`);
			if (r.statuses.success !== r.executions) problems.push(`round ${i + 1}: executions ended ${JSON.stringify(r.statuses)}`);
		});

		// ---- 2. distinct calls, one worker stopped (SIGTERM) in the middle ----
		log(`phase 2: ${DISTINCT_CALLS} calls for distinct appointments, ${FIRE_CONCURRENCY} at a time; worker2 is stopped half-way`);
		const since2 = await cluster.lastExecutionId();
		const p2 = Date.now();
		const stopped = cluster.workers[1];
		let stopping = null;
		let stoppedAtCall = 0;
		let heldWhenStopped = 0;
		const { failures: distinctFailures } = await fire(
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
		await stopping;
		log('  all calls accepted; worker2 has exited; starting worker3 in its place');
		if (distinctFailures.length) problems.push(`${distinctFailures.length} calls were not accepted by the webhook process: ${distinctFailures[0]}`);
		const [statuses2] = await Promise.all([waitForExecutions(cluster, since2, DISTINCT_CALLS, 300000), cluster.addWorker()]);
		const seconds = (Date.now() - p2) / 1000;

		const distinct = (await cluster.main.executions(cluster.workflowId)).filter((e) => Number(e.id) > since2);
		const byWorker = cluster.workers.map((w) => workerExecutions(w));
		const notByWorker = distinct.filter((e) => !byWorker.some((w) => w.started.has(String(e.id))));
		const perWorker = byWorker.slice(0, 2).map((w) => distinct.filter((e) => w.started.has(String(e.id))).length);
		const unfinishedOnStopped = [...byWorker[1].started].filter((id) => !byWorker[1].finished.has(id));
		const phase2 = leadCounts(cluster, Array.from({ length: DISTINCT_CALLS }, (_, i) => i + 1));

		results.push([`${DISTINCT_CALLS} distinct calls: executions`, JSON.stringify(statuses2)]);
		results.push([`${DISTINCT_CALLS} distinct calls: run by worker1 / worker2`, `${perWorker.join(' / ')} (not by a worker: ${notByWorker.length})`]);
		results.push(['worker2 stopped (SIGTERM) after call', `${stoppedAtCall}, running ${heldWhenStopped}; left unfinished: ${unfinishedOnStopped.length}`]);
		results.push([`${DISTINCT_CALLS} distinct calls: leads at Traffic Light`, `${phase2.leads} (lost ${phase2.lost.length}, Lead IDs sent twice ${phase2.twice})`]);
		results.push([`${DISTINCT_CALLS} distinct calls: webhook → lead`, `${seconds.toFixed(1)} s, ${(DISTINCT_CALLS / seconds).toFixed(1)} leads/s`]);

		if (distinct.length !== DISTINCT_CALLS) problems.push(`${distinct.length} executions for ${DISTINCT_CALLS} calls`);
		if (notByWorker.length) problems.push(`${notByWorker.length} executions were not run by a worker (e.g. ${notByWorker[0].id})`);
		if (phase2.lost.length) problems.push(`${phase2.lost.length} leads lost (e.g. ${phase2.lost.slice(0, 3).join(', ')})`);
		if (phase2.twice) problems.push(`${phase2.twice} Lead IDs reached Traffic Light twice`);
		if (unfinishedOnStopped.length) problems.push(`the stopped worker left ${unfinishedOnStopped.length} execution(s) unfinished: ${unfinishedOnStopped.slice(0, 5).join(', ')}`);
		for (const e of distinct.filter((x) => x.status !== 'success').slice(0, 10)) {
			const full = await cluster.main.execution(e.id);
			problems.push(`execution ${e.id} ended "${e.status}": ${full.data?.resultData?.error?.message ?? 'no error recorded'}`);
		}

		// The catch-up's leads are in before a worker is killed (its polls after that find nothing new).
		await waitFor(
			'a lead for every Klientiks event of the catch-up',
			() => [...leadsPerId(cluster, catchUpIds).values()].every((n) => n > 0),
			{ timeoutMs: POLL_INTERVAL_MS + 2 * POLL_SLACK_MS + 30000, intervalMs: 1000 },
		).catch((error) => {
			problems.push(`catch-up: ${error.message}`);
		});

		// ---- 3. a worker killed (SIGKILL) while it sends; its executions stopped and retried ----
		const killed = cluster.workers[2];
		const killNumbers = Array.from({ length: KILL_CALLS }, (_, i) => FIRST.kill + i + 1);
		log(`phase 3: ${KILL_CALLS} more calls; worker3 is killed (SIGKILL) while it runs sends`);
		const since3 = await cluster.lastExecutionId();
		let sendsInFlight = 0;
		cluster.mock.onRequest((record, res) => {
			if (record.path !== '/api/lead/send') return;
			sendsInFlight++;
			res.once('close', () => sendsInFlight--);
		});
		let killing = null;
		let killedAtCall = 0;
		const { failures: killFailures } = await fire(killNumbers.map(url), FIRE_CONCURRENCY, (done) => {
			if (killing) return;
			const { started, finished } = workerExecutions(killed);
			const running = [...started].filter((id) => Number(id) > since3 && !finished.has(id)).length;
			if ((running >= 3 && sendsInFlight > 0) || done >= (KILL_CALLS * 3) / 4) {
				killedAtCall = done;
				log(`  killing worker3 (SIGKILL) after ${done} calls; its log shows ${running} running, ${sendsInFlight} send(s) in flight at the mock`);
				killing = cluster.kill(killed);
			}
		});
		await killing;
		if (killFailures.length) problems.push(`${killFailures.length} calls were not accepted by the webhook process: ${killFailures[0]}`);
		// Once worker1 is idle and nothing changes, what is still new or running is held by the dead worker.
		const live = cluster.workers.filter((w) => w !== killed && w.proc);
		let unchanged = '';
		const held = await waitFor(
			'the surviving worker to finish every other execution',
			async () => {
				const busy = live.some((w) => {
					const { started, finished } = workerExecutions(w);
					return [...started].some((id) => !finished.has(id));
				});
				const rows = await cluster.postgres.psql(
					'n8n',
					`select id, status from execution_entity where "workflowId" = '${cluster.workflowId}' and id > ${since3} and status in ('new', 'running') order by id`,
				);
				const counts = await cluster.executionStatuses(since3);
				const seen = `${rows}|${JSON.stringify(counts)}`;
				const settled = !busy && total(counts) === KILL_CALLS && seen === unchanged;
				unchanged = seen;
				return settled ? rows.trim().split('\n').filter(Boolean).map((row) => row.split('|')) : null;
			},
			{ timeoutMs: 120000, intervalMs: 1000 },
		);
		const heldIds = held.map(([id]) => id);
		const heldStatuses = {};
		for (const [, status] of held) heldStatuses[status] = (heldStatuses[status] ?? 0) + 1;
		log(`  worker3 held ${heldIds.length} execution(s): ${heldIds.join(', ')}; stopping and retrying them (REST, as the editor does)`);
		const refused = [];
		for (const id of heldIds) await cluster.main.rest('POST', `/rest/executions/${id}/stop`).catch((error) => refused.push(`stop ${id}: ${error.message}`));
		const retryIds = [];
		await Promise.all(
			heldIds.map(async (id) => {
				try {
					retryIds.push(await cluster.retry(id));
				} catch (error) {
					refused.push(`retry ${id}: ${error.message}`);
				}
			}),
		);
		problems.push(...refused);
		const retryStatuses = {};
		for (const id of retryIds) {
			const { status } = await cluster.main.execution(id);
			retryStatuses[status] = (retryStatuses[status] ?? 0) + 1;
		}
		const retryOutputs = await nodeOutputs(cluster, retryIds);
		const finishedByOthers = (await cluster.main.executions(cluster.workflowId)).filter(
			(e) => Number(e.id) > since3 && !heldIds.includes(String(e.id)) && !retryIds.includes(String(e.id)),
		);
		const finishedStatuses = {};
		for (const e of finishedByOthers) finishedStatuses[e.status] = (finishedStatuses[e.status] ?? 0) + 1;
		const phase3 = leadCounts(cluster, killNumbers);

		results.push(['worker3 killed (SIGKILL) after call', `${killedAtCall} of ${KILL_CALLS}`]);
		results.push([`${KILL_CALLS} calls: finished`, `${finishedByOthers.length}: ${JSON.stringify(finishedStatuses)}`]);
		results.push([`${KILL_CALLS} calls: held by the killed worker`, `${heldIds.length}: ${JSON.stringify(heldStatuses)} in n8n, then stopped and retried`]);
		results.push([`${KILL_CALLS} calls: retried`, `${retryIds.length}: ${JSON.stringify(retryStatuses)} in n8n, Traffic Light node output ${JSON.stringify(retryOutputs)}`]);
		results.push([`${KILL_CALLS} calls: leads at Traffic Light`, `${phase3.leads} (lost ${phase3.lost.length}, Lead IDs sent twice ${phase3.twice})`]);
		if (heldIds.length === 0) problems.push('the killed worker held no execution: nothing was proven about a killed worker');
		// A retry of a stopped execution keeps the stop's "cancelled" error, so n8n lists it as error even when
		// every node ran: what proves it is the Traffic Light node's output.
		const retriedLeads = (retryOutputs.sent ?? 0) + (retryOutputs.duplicate ?? 0);
		if (retriedLeads !== heldIds.length) problems.push(`of ${heldIds.length} retries ${retriedLeads} sent their lead or found it sent: ${JSON.stringify(retryOutputs)}`);
		if (finishedStatuses.success !== finishedByOthers.length) problems.push(`executions not held by the killed worker ended ${JSON.stringify(finishedStatuses)}`);
		if (phase3.lost.length) problems.push(`${phase3.lost.length} leads lost after the SIGKILL (e.g. ${phase3.lost.slice(0, 3).join(', ')})`);
		if (phase3.twice) problems.push(`${phase3.twice} Lead IDs reached Traffic Light twice after the SIGKILL`);

		// ---- 4. two webhook processes behind a round-robin proxy ----
		log('phase 4: a second webhook process and worker4 in place of worker3; a round-robin proxy in front of both webhook processes');
		const [webhook2] = await Promise.all([cluster.addWebhook(), cluster.addWorker()]);
		proxy = await new RoundRobinProxy([cluster.webhook.baseUrl, webhook2.baseUrl]).start();
		const proxyRounds = await repeatRounds(cluster, `${proxy.baseUrl}/webhook/${cluster.webhookPath}`, FIRST.proxy);
		results.push([`2 webhook processes, ${ROUNDS} × ${IDENTICAL_CALLS} identical calls: executions per round`, proxyRounds.map((r) => r.executions).join(', ')]);
		results.push([`2 webhook processes, ${ROUNDS} × ${IDENTICAL_CALLS} identical calls: leads per round`, `${proxyRounds.map((r) => r.leads).join(', ')} (measured, not a promise)`]);
		results.push(['2 webhook processes: calls per process', proxy.counts.join(' / ')]);
		proxyRounds.forEach((r, i) => {
			if (r.failures.length) problems.push(`proxy round ${i + 1}: ${r.failures.length} calls were not accepted: ${r.failures[0]}`);
			if (r.leads < 1 || r.leads > r.executions || r.executions > 2) problems.push(`proxy round ${i + 1}: ${r.executions} executions and ${r.leads} leads make no sense for two webhook processes`);
		});

		// ---- the catch-up, at the end: once per interval across the cluster, each event one lead ----
		const bursts = pollBursts(klientiks);
		// From the activation poll (at the main process's start, before the events) to now.
		const polledFor = Date.now() - (bursts[0]?.start ?? catchUpStart);
		const cronGaps = bursts.slice(1).map((b, i) => b.start - bursts[i].start).slice(1);
		const catchUpExecutions = (await cluster.main.executions(cluster.catchUpWorkflowId)).filter((e) => e.mode === 'trigger');
		const ranOn = cluster.workers.map((w) => catchUpExecutions.filter((e) => workerExecutions(w).started.has(String(e.id))).length);
		const perId = leadsPerId(cluster, catchUpIds);
		const lost = [...perId.values()].filter((n) => n === 0).length;
		const twice = [...perId.values()].filter((n) => n > 1).length;
		const byEvent = {};
		for (const e of catchUp) byEvent[e.event] = `${(byEvent[e.event] ? `${byEvent[e.event]}, ` : '')}${e.leadId.replace(/^klx-\w+-/, '')}×${perId.get(e.leadId)}`;
		results.push(['catch-up: events only in the Klientiks API', `${catchUp.length} (${Object.entries(byEvent).map(([event, ids]) => `${event} ${ids}`).join('; ')})`]);
		results.push(['catch-up: polls (Klientiks list bursts)', `${bursts.length} in ${(polledFor / 1000).toFixed(0)} s from the activation poll, ${bursts.map((b) => b.requests).join('/')} list requests each; cron polls ${cronGaps.map((g) => (g / 1000).toFixed(0)).join(', ')} s apart`]);
		results.push(['catch-up: executions (mode trigger) run by worker1/2/3/4', `${catchUpExecutions.length}: ${ranOn.join('/')}`]);
		const lastStart = Math.max(...catchUpExecutions.map((e) => Date.parse(e.startedAt)));
		const emittedAfter = Number.isFinite(lastStart) ? `, emitted ${((lastStart - catchUpStart) / 1000).toFixed(0)} s after the events (the next cron poll)` : '';
		results.push(['catch-up: leads at Traffic Light', `${catchUp.length - lost} of ${catchUp.length} (lost ${lost}, twice ${twice})${emittedAfter}`]);
		if (lost) problems.push(`catch-up: ${lost} event(s) never became a lead`);
		if (twice) problems.push(`catch-up: ${twice} event(s) became more than one lead`);
		// The activation poll, then one cron poll per interval (+1: the first tick falls anywhere in the first minute).
		const allowed = Math.floor(polledFor / POLL_INTERVAL_MS) + 2;
		if (cronGaps.length < 1) problems.push(`catch-up: ${bursts.length} poll(s) seen: too few to show one per interval`);
		if (bursts.length > allowed) problems.push(`catch-up: ${bursts.length} polls in ${(polledFor / 1000).toFixed(0)} s, more than one per interval (${allowed})`);
		if (cronGaps.some((g) => g < POLL_INTERVAL_MS - POLL_SLACK_MS)) problems.push(`catch-up: cron polls ${cronGaps.join(', ')} ms apart: more than one poller`);
		if (catchUpExecutions.length === 0 || ranOn.reduce((a, b) => a + b, 0) !== catchUpExecutions.length) {
			problems.push(`catch-up: ${catchUpExecutions.length} execution(s), ${ranOn.join('/')} run by workers: the items must run on a worker`);
		}

		// What n8n made of the killed worker's executions in the end (its lock has expired by now, or not yet).
		const heldFinal = {};
		for (const id of heldIds) {
			const e = await cluster.main.execution(id);
			const key = `${e.status}${e.data?.resultData?.error?.message ? `: ${e.data.resultData.error.message.slice(0, 60)}…` : ''}`;
			heldFinal[key] = (heldFinal[key] ?? 0) + 1;
		}
		results.push([`${KILL_CALLS} calls: held by the killed worker, at the end`, JSON.stringify(heldFinal)]);
	} finally {
		await stopAll();
	}

	process.stdout.write(`\nn8n ${N8N_VERSION} queue mode — main + webhook processes + workers, Redis, PostgreSQL (127.0.0.1)\n`);
	process.stdout.write(`${table(results)}\n`);
	process.stdout.write(`  total time  ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
	if (problems.length) {
		process.stdout.write(`\nFAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
		process.exitCode = 1;
	} else {
		process.stdout.write(
			'\nOK: one execution and one lead per repeated call; every distinct call one lead, none lost, none twice, with a worker stopped and one killed;' +
				' the catch-up polled once per interval on the main process and made one lead per Klientiks event.\n',
		);
	}
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.stdout.write(`  total time  ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
	process.exitCode = 1;
});
