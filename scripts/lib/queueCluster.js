'use strict';
// n8n in queue mode, all on 127.0.0.1: our own Redis and PostgreSQL, one main
// process (editor + API, production webhooks disabled), one `n8n webhook`
// process that receives the Klientiks calls, and N `n8n worker` processes that
// run the executions. Every process gets our package in its own user folder,
// the same encryption key and the same database and Redis. Used by
// scripts/queue-mode.js (the scenario in `npm test`) and bench/queue.js.
// With `catchUp`, also the Klientiks API mock and the catch-up example, whose
// polling trigger only the main process runs (n8n-nodes.md §6.4).
const fs = require('node:fs');
const path = require('node:path');
const { TrafficLightMock } = require('./trafficLightMock');
const { KlientiksMock, DEFAULT_CREDENTIALS: KLIENTIKS_CREDENTIALS } = require('./klientiksMock');
const { N8nInstance } = require('./n8n');
const { readExample, ourType, klientiksCredentialData, CREDENTIALS } = require('./environment');
const { killLeftovers } = require('./processes');
const { waitFor } = require('./net');
const { ensureInstalled, RedisServer, PostgresServer } = require('./queueServices');

const WORKFLOW_ID = 'klxQueueLeads001';
const WEBHOOK_ID = '3f9d7a1e-6c2b-4e58-a0d4-5c1e0000a001';
const CATCH_UP_WORKFLOW_ID = 'klxQueueCatchUp1';
const CATCH_UP_WEBHOOK_ID = '3f9d7a1e-6c2b-4e58-a0d4-5c1e0000a002';

/**
 * The shipped example (Klientiks Trigger → Send lead to Traffic Light) with the secret token set,
 * a fixed webhook path, and no error workflow (it would need an SMTP server).
 */
function queueWorkflow({ token }) {
	const wf = readExample('klientiks-to-traffic-light.json');
	wf.id = WORKFLOW_ID;
	wf.name = 'Queue mode: Klientiks → Traffic Light';
	const trigger = wf.nodes.find((n) => n.type === ourType('klientiksTrigger'));
	if (!trigger) throw new Error('the example has no Klientiks Trigger');
	trigger.webhookId = WEBHOOK_ID;
	trigger.parameters = { ...trigger.parameters, events: ['appointment_created', 'client_added'], secretToken: token };
	if (!wf.nodes.some((n) => n.type === ourType('trafficLight'))) throw new Error('the example has no Traffic Light node');
	delete wf.settings.errorWorkflow;
	wf.nodes = wf.nodes.map((n) => ({ ...n, id: n.id.replace(/.{4}$/, (s) => `q${s.slice(1)}`) }));
	return wf;
}

/**
 * The catch-up example (Klientiks Trigger + Klientiks Catch-up Trigger → one Send) with the secret token
 * set, a fixed webhook path and no error workflow.
 */
function queueCatchUpWorkflow({ token }) {
	const wf = readExample('klientiks-catch-up-to-traffic-light.json');
	wf.id = CATCH_UP_WORKFLOW_ID;
	wf.name = 'Queue mode: Klientiks → Traffic Light, with catch-up';
	const trigger = wf.nodes.find((n) => n.type === ourType('klientiksTrigger'));
	if (!trigger) throw new Error('the catch-up example has no Klientiks Trigger');
	if (!wf.nodes.some((n) => n.type === ourType('klientiksCatchUpTrigger'))) throw new Error('the catch-up example has no Klientiks Catch-up Trigger');
	trigger.webhookId = CATCH_UP_WEBHOOK_ID;
	trigger.parameters = { ...trigger.parameters, secretToken: token };
	delete wf.settings.errorWorkflow;
	wf.nodes = wf.nodes.map((n) => ({ ...n, id: n.id.replace(/.{4}$/, (s) => `q${s.slice(1)}`) }));
	return wf;
}

/**
 * @param {object} o
 * @param {{version: string, nodeBin: string, n8nBin: string}} o.runtime
 * @param {string} o.workDir      wiped and recreated
 * @param {string} o.tarball
 * @param {string} o.apiKey       Traffic Light key (mock + credential)
 * @param {string} o.token        Klientiks Trigger secret token
 * @param {number} [o.workers]    default 2
 * @param {number} [o.workerConcurrency]  jobs per worker (n8n's default is 10)
 * @param {Record<string, string>} [o.env]  more environment for every n8n process
 * @param {boolean} [o.catchUp]   also the Klientiks API mock and the catch-up example, live
 * @param {(s: string) => void} [o.log]
 */
async function startQueueCluster(o) {
	const log = o.log ?? (() => {});
	const killed = killLeftovers(o.workDir);
	if (killed) log(`killed ${killed} process group(s) left by an earlier run`);
	fs.rmSync(o.workDir, { recursive: true, force: true });
	fs.mkdirSync(o.workDir, { recursive: true });

	const redis = new RedisServer({ workDir: o.workDir });
	const postgres = new PostgresServer({ workDir: o.workDir });
	const mock = new TrafficLightMock({ keys: [o.apiKey] });
	const klientiks = o.catchUp ? new KlientiksMock({ credentials: [KLIENTIKS_CREDENTIALS] }) : null;
	/** @type {N8nInstance[]} */
	const workers = [];
	/** Webhook processes started after the first one (addWebhook). */
	/** @type {N8nInstance[]} */
	const moreWebhooks = [];
	/** @type {{main: N8nInstance|null, webhook: N8nInstance|null}} */
	const roles = { main: null, webhook: null };
	const cluster = {
		redis,
		postgres,
		mock,
		klientiks,
		workers,
		get main() {
			return /** @type {N8nInstance} */ (roles.main);
		},
		get webhook() {
			return /** @type {N8nInstance} */ (roles.webhook);
		},
		workflowId: WORKFLOW_ID,
		webhookPath: `${WEBHOOK_ID}/webhook`,
		catchUpWorkflowId: CATCH_UP_WORKFLOW_ID,
		/** Production URL of the Klientiks Trigger on the webhook process. */
		get webhookUrl() {
			return /** @type {N8nInstance} */ (roles.webhook).webhookUrl(`${WEBHOOK_ID}/webhook`);
		},
		/** Starts one more worker (its own user folder, the package copied in). */
		addWorker: async () => {
			const worker = instance(`worker${workers.length + 1}`, 'worker');
			workers.push(worker);
			await worker.init();
			copyPackage(worker);
			await worker.start();
			return worker;
		},
		/** Starts one more `n8n webhook` process (its own user folder and port, the package copied in). */
		addWebhook: async () => {
			const webhook = instance(`webhook${moreWebhooks.length + 2}`, 'webhook');
			moreWebhooks.push(webhook);
			await webhook.init();
			copyPackage(webhook);
			await webhook.start();
			await waitForWebhook(webhook.webhookUrl(`${WEBHOOK_ID}/webhook`));
			return webhook;
		},
		/** Execution counts of the workflow by status (ids above `sinceId` only), straight from PostgreSQL. */
		async executionStatuses(sinceId = 0) {
			const out = await postgres.psql(
				'n8n',
				`select status, count(*) from execution_entity where "workflowId" = '${WORKFLOW_ID}' and id > ${Number(sinceId)} group by status`,
			);
			/** @type {Record<string, number>} */
			const counts = {};
			for (const line of out.trim().split('\n').filter(Boolean)) {
				const [status, count] = line.split('|');
				counts[status] = Number(count);
			}
			return counts;
		},
		/** The highest execution id of the workflow so far (0 when none). */
		async lastExecutionId() {
			const out = await postgres.psql('n8n', `select coalesce(max(id), 0) from execution_entity where "workflowId" = '${WORKFLOW_ID}'`);
			return Number(out.trim());
		},
		/** Kills a process of the cluster at once (SIGKILL to its whole group), as an out-of-memory kill does. */
		async kill(instance) {
			const pid = instance.proc?.pid;
			if (pid) process.kill(-pid, 'SIGKILL');
			await instance.stop({ graceMs: 5000 });
		},
		/**
		 * Retries an execution as the editor's "Retry with original workflow" does (n8n's REST API, as the
		 * owner); resolves when the retry has ended, with its execution id.
		 */
		async retry(executionId) {
			const res = await /** @type {N8nInstance} */ (roles.main).rest('POST', `/rest/executions/${executionId}/retry`, { loadWorkflow: false });
			const data = res.json?.data ?? res.json;
			return String(data?.id ?? '');
		},
		/** Stops everything this cluster started, each step on its own, in reverse order. */
		async stop() {
			const errors = [];
			const steps = [
				...workers.map((w) => () => w.stop()),
				...moreWebhooks.map((w) => () => w.stop()),
				() => roles.webhook?.stop(),
				() => roles.main?.stop(),
				() => mock.stop(),
				() => klientiks?.stop(),
				() => redis.stop(),
				() => postgres.stop(),
			];
			for (const step of steps) {
				try {
					await step();
				} catch (error) {
					errors.push(error);
				}
			}
			if (errors.length) throw errors[0];
		},
	};

	/** Environment every n8n process of the cluster shares (the encryption key is N8nInstance's fixed one). */
	const shared = () => ({
		...postgres.n8nEnv(),
		// n8n's default of 2 connections per process makes 100 calls at once queue for the database, past
		// its connect timeout when the machine is busy (seen: "timeout exceeded when trying to connect").
		DB_POSTGRESDB_POOL_SIZE: '8',
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		QUEUE_HEALTH_CHECK_ACTIVE: 'false',
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '30',
		// Production webhook URLs point at the webhook process, also in the main process's editor.
		WEBHOOK_URL: roles.webhook ? `${roles.webhook.baseUrl}/` : '',
		...o.env,
	});

	const instance = (name, command, extraEnv = {}) =>
		new N8nInstance({
			runtime: o.runtime,
			workDir: path.join(o.workDir, name),
			logLevel: 'info',
			command,
			commandArgs: command === 'worker' ? [`--concurrency=${o.workerConcurrency ?? 10}`] : [],
			extraEnv: { ...shared(), ...extraEnv },
		});

	/** The package as `installPackage` put it into the main process's user folder, copied as a shared volume would hold it. */
	const copyPackage = (target) => {
		const from = path.join(roles.main?.userFolder ?? '', '.n8n', 'nodes');
		fs.cpSync(from, path.join(target.userFolder, '.n8n', 'nodes'), { recursive: true });
	};

	try {
		await ensureInstalled(log);
		await redis.start();
		await postgres.start();
		await mock.start(0);
		await klientiks?.start(0);
		log(
			`Redis on 127.0.0.1:${redis.port}, PostgreSQL on 127.0.0.1:${postgres.port}, Traffic Light mock on ${mock.baseUrl}` +
				(klientiks ? `, Klientiks API mock on ${klientiks.baseUrl}` : ''),
		);

		// The webhook process's port must be known before the main process is configured.
		roles.webhook = instance('webhook', 'webhook');
		await roles.webhook.init();
		roles.main = instance('main', 'start', { N8N_DISABLE_PRODUCTION_MAIN_PROCESS: 'true', WEBHOOK_URL: `${roles.webhook.baseUrl}/` });
		roles.webhook.extraEnv.WEBHOOK_URL = `${roles.webhook.baseUrl}/`;
		const main = roles.main;
		await main.init();
		log(`installing ${path.basename(o.tarball)} for the main process`);
		await main.installPackage(o.tarball);
		await main.importCredentials([
			{ ...CREDENTIALS.trafficLight, data: { apiKey: o.apiKey, baseUrl: mock.baseUrl } },
			...(klientiks ? [{ ...CREDENTIALS.klientiks, data: klientiksCredentialData(klientiks.baseUrl, KLIENTIKS_CREDENTIALS) }] : []),
		]);
		await main.importWorkflows([queueWorkflow({ token: o.token }), ...(klientiks ? [queueCatchUpWorkflow({ token: o.token })] : [])]);
		await main.activate(klientiks ? [WORKFLOW_ID, CATCH_UP_WORKFLOW_ID] : [WORKFLOW_ID]);
		log(`starting n8n ${o.runtime.version} main (queue mode, production webhooks off) on ${main.baseUrl}`);
		await main.start();
		await main.setupOwner();
		await main.createApiKey();

		copyPackage(roles.webhook);
		const count = o.workers ?? 2;
		log(`starting the webhook process on ${roles.webhook.baseUrl} and ${count} worker(s)`);
		// One at a time: each start loads every node type and is CPU-bound on a small machine.
		await roles.webhook.start();
		await waitForWebhook(cluster.webhookUrl);
		for (let i = 0; i < count; i++) await cluster.addWorker();
		return cluster;
	} catch (error) {
		await cluster.stop().catch(() => {});
		throw error;
	}
}

/**
 * Sends the calls with at most `concurrency` in flight; `onProgress(done)` after each. Returns the
 * failures (not HTTP 200) and how many answers said the call was a repeat (`"repeat": true`).
 */
async function fire(urls, concurrency, onProgress = () => {}) {
	let next = 0;
	let done = 0;
	const failures = [];
	let repeats = 0;
	const runner = async () => {
		while (next < urls.length) {
			const url = urls[next++];
			try {
				const res = await fetch(url);
				const text = await res.text();
				if (res.status !== 200) failures.push(`HTTP ${res.status}`);
				else if (/"repeat"\s*:\s*true/.test(text)) repeats++;
			} catch (error) {
				failures.push(error.message);
			}
			done++;
			await onProgress(done);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, urls.length) }, runner));
	return { failures, repeats };
}

/**
 * Waits until n8n serves the trigger's production URL: n8n 2.x says it is ready before it has
 * registered the published workflows' webhooks. The probe carries no token, so the trigger rejects
 * it (403) without starting an execution; 404 means "not registered yet".
 */
async function waitForWebhook(url, timeoutMs = 60000) {
	await waitFor(
		`the webhook ${url}`,
		async () => {
			const res = await fetch(url, { headers: { accept: 'application/json' } });
			await res.arrayBuffer();
			return res.status !== 404;
		},
		{ timeoutMs, intervalMs: 250 },
	);
}

/** Execution ids a worker's log says it started and finished. */
function workerExecutions(worker) {
	const log = worker.log();
	const started = new Set([...log.matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]));
	const finished = new Set([...log.matchAll(/Worker finished execution (\d+)/g)].map((m) => m[1]));
	return { started, finished };
}

module.exports = { startQueueCluster, queueWorkflow, queueCatchUpWorkflow, workerExecutions, fire, waitForWebhook, WORKFLOW_ID, WEBHOOK_ID, CATCH_UP_WORKFLOW_ID };
