'use strict';
// `npm run bench:queue`: webhook → lead throughput of the Klientiks → Traffic
// Light example in n8n 2.40.7 regular mode, and in queue mode with one and
// with two workers, in one run on this machine. With --update-results the
// table replaces the "Queue mode" section of bench/results.md (bench/run.js
// keeps that section when it rewrites the file).
//
//   BENCH_QUEUE_CALLS   calls per setup (default 400), fired 20 at a time
//
// Exits non-zero when a lead is lost or sent twice; slow is never a failure.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ensureRuntime, cacheRoot } = require('../scripts/n8n-runtime');
const { buildAndPack } = require('../scripts/lib/pack');
const { N8nInstance } = require('../scripts/lib/n8n');
const { CREDENTIALS } = require('../scripts/lib/environment');
const { killLeftovers } = require('../scripts/lib/processes');
const { eventParams, callUrl } = require('../scripts/lib/klientiksCalls');
const { waitFor } = require('../scripts/lib/net');
const { TrafficLightMock } = require('../scripts/lib/trafficLightMock');
const { postgresBinDir } = require('../scripts/lib/queueServices');
const { startQueueCluster, queueWorkflow, fire, waitForWebhook, WORKFLOW_ID, WEBHOOK_ID } = require('../scripts/lib/queueCluster');

const N8N_VERSION = '2.40.7';
const CALLS = Number(process.env.BENCH_QUEUE_CALLS || 400);
const CONCURRENCY = 20;
const TOKEN = 'klx-bench-queue-token';
const API_KEY = 'tl-bench-queue-key';
const WORK = path.join(cacheRoot(), 'bench-queue');
const RESULTS = path.join(__dirname, 'results.md');
const START = '<!-- queue-mode:start -->';
const END = '<!-- queue-mode:end -->';

const t0 = Date.now();
const log = (message) => process.stdout.write(`[bench:queue ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
const leadIdOf = (n) => `klx-appointment-${918200 + n}`;

/**
 * Fires calls first..first+CALLS-1 at `webhookUrl` and waits for their leads at the mock.
 * Returns the figures of one table row.
 */
async function measure(label, webhookUrl, mock, first) {
	const numbers = Array.from({ length: CALLS }, (_, i) => first + i);
	const started = Date.now();
	const { failures } = await fire(
		numbers.map((n) => callUrl(webhookUrl, eventParams('appointment_created', n), { token: TOKEN })),
		CONCURRENCY,
	);
	const acceptedSeconds = (Date.now() - started) / 1000;
	const wanted = new Set(numbers.map(leadIdOf));
	const arrived = () => mock.leads.filter((l) => wanted.has(l.id2));
	if (failures.length === 0) {
		await waitFor(`${CALLS} leads (${label})`, () => arrived().length >= CALLS, { timeoutMs: 600000, intervalMs: 200 }).catch(() => {});
	}
	const leadSeconds = (Date.now() - started) / 1000;
	const leads = arrived();
	const distinct = new Set(leads.map((l) => l.id2)).size;
	const row = {
		label,
		accepted: acceptedSeconds,
		seconds: leadSeconds,
		perSecond: distinct / leadSeconds,
		lost: CALLS - distinct,
		duplicates: leads.length - distinct,
		refused: failures.length,
	};
	log(`${label}: ${distinct}/${CALLS} leads in ${leadSeconds.toFixed(1)} s (${row.perSecond.toFixed(1)}/s), calls accepted in ${acceptedSeconds.toFixed(1)} s`);
	return row;
}

async function regularMode(runtime, tarball) {
	const workDir = path.join(WORK, 'regular');
	const mock = await new TrafficLightMock({ keys: [API_KEY] }).start(0);
	const n8n = new N8nInstance({ runtime, workDir, logLevel: 'info' });
	try {
		await n8n.init();
		await n8n.installPackage(tarball);
		await n8n.importCredentials([{ ...CREDENTIALS.trafficLight, data: { apiKey: API_KEY, baseUrl: mock.baseUrl } }]);
		await n8n.importWorkflows([queueWorkflow({ token: TOKEN })]);
		await n8n.activate([WORKFLOW_ID]);
		await n8n.start();
		const url = n8n.webhookUrl(`${WEBHOOK_ID}/webhook`);
		await waitForWebhook(url);
		return await measure('regular mode (one process, SQLite)', url, mock, 1);
	} finally {
		await n8n.stop();
		await mock.stop();
	}
}

function markdownSection(rows, info) {
	const f = (n) => n.toFixed(1);
	return [
		START,
		'## Queue mode: webhook → lead',
		'',
		`Written by \`npm run bench:queue\` (bench/queue.js) on ${info.date}: n8n ${N8N_VERSION} (Node 24), ${info.cpu}, ${info.cores} cores. ` +
			`${CALLS} Klientiks calls (distinct appointments) per setup, ${CONCURRENCY} at a time, through the shipped example workflow; ` +
			'time from the first call to the last lead at the Traffic Light mock. Queue mode: main + one `n8n webhook` process + workers ' +
			'(concurrency 10 each), Redis and PostgreSQL ${info.postgres} on the same machine; regular mode: one `n8n start` with SQLite, n8n\'s default. ' +
			'One run each, so read the figures as a rough comparison on this machine, not as a capacity limit.',
		'',
		'| setup | calls accepted in | webhook → last lead | leads/s | lost | sent twice |',
		'| --- | ---: | ---: | ---: | ---: | ---: |',
		...rows.map((r) => `| ${r.label} | ${f(r.accepted)} s | ${f(r.seconds)} s | ${f(r.perSecond)} | ${r.lost} | ${r.duplicates} |`),
		'',
		'On 2 cores the processes of queue mode (main, webhook process, workers, Redis, PostgreSQL) share the CPU that one regular ' +
			'process has to itself, so a second worker here adds parallel execution slots but no CPU; on separate machines each worker adds its own. ' +
			'"calls accepted in" is how long the webhook side took to take the calls; when it is close to the lead time, accepting the calls (not the workers) sets the pace.',
		END,
	].join('\n');
}

async function main() {
	const update = process.argv.includes('--update-results');
	const killed = killLeftovers(WORK);
	if (killed) log(`killed ${killed} process group(s) left by an earlier run`);
	fs.rmSync(WORK, { recursive: true, force: true });
	fs.mkdirSync(WORK, { recursive: true });
	const runtime = await ensureRuntime(N8N_VERSION);
	const tarball = await buildAndPack(path.join(WORK, 'package'), { log });
	const rows = [];

	log('regular mode');
	rows.push(await regularMode(runtime, tarball));

	log('queue mode');
	const cluster = await startQueueCluster({ runtime, workDir: path.join(WORK, 'cluster'), tarball, apiKey: API_KEY, token: TOKEN, workers: 1, log });
	try {
		rows.push(await measure('queue mode, 1 worker', cluster.webhookUrl, cluster.mock, 1));
		await cluster.addWorker();
		rows.push(await measure('queue mode, 2 workers', cluster.webhookUrl, cluster.mock, CALLS + 1));
	} finally {
		await cluster.stop();
	}

	const cpus = os.cpus();
	const section = markdownSection(rows, { date: new Date().toISOString().slice(0, 10), cpu: cpus[0]?.model ?? 'unknown CPU', cores: cpus.length, postgres: path.basename(path.dirname(postgresBinDir() ?? '')) });
	process.stdout.write(`\n${section}\n`);
	process.stdout.write(`total time ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
	if (update) {
		const previous = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '';
		const pattern = new RegExp(`${START}[\\s\\S]*?${END}`);
		const next = pattern.test(previous) ? previous.replace(pattern, section) : `${previous.trimEnd()}\n\n${section}\n`;
		fs.writeFileSync(RESULTS, next);
		log(`wrote the section into ${path.relative(process.cwd(), RESULTS)}`);
	}
	const bad = rows.filter((r) => r.lost || r.duplicates || r.refused);
	if (bad.length) {
		process.stdout.write(`FAILED: ${bad.map((r) => `${r.label}: lost ${r.lost}, twice ${r.duplicates}, refused calls ${r.refused}`).join('; ')}\n`);
		process.exitCode = 1;
	}
}

main().catch((error) => {
	process.stderr.write(`${error.stack ?? error}\n`);
	process.exitCode = 1;
});
