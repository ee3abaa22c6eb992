'use strict';
// One real n8n instance: its own user folder, SQLite, 127.0.0.1, random ports.
// Used by the end-to-end suite and by `npm start` (scripts/start.js).
//
// Order of use (the CLI commands must run while n8n is stopped — they write the
// database and a running n8n would not notice):
//   const n8n = new N8nInstance({ runtime, workDir });
//   await n8n.init();
//   await n8n.installPackage(tarball);        // as a community install does
//   await n8n.importCredentials([...]);
//   await n8n.importWorkflows([...]);
//   await n8n.activate([ids]);                // 1.x update:workflow / 2.x publish:workflow
//   await n8n.start();                        // waits for "Editor is now accessible"
//   await n8n.setupOwner(); await n8n.createApiKey();
//   ... n8n.executions(workflowId) ...
//   await n8n.restart();                      // same user folder and database: live workflows poll at start
//   await n8n.repoll(workflowId);             // unpublish + publish: a polling trigger polls once, now
//   await n8n.stop();
const fs = require('node:fs');
const path = require('node:path');
const { spawnTracked, stopGroup, runTracked } = require('./processes');
const { freePort, waitFor } = require('./net');

const ENCRYPTION_KEY = 'klx-tl-e2e-fixed-encryption-key-0001';
const OWNER = Object.freeze({
	email: 'owner@example.com',
	firstName: 'Demo',
	lastName: 'Owner',
	password: 'DemoOwner1pass',
});
/** Sent on every REST call: n8n binds its auth cookie to a browser id when one is given. */
const BROWSER_ID = 'klx-tl-e2e-browser';

class N8nInstance {
	/**
	 * @param {object} o
	 * @param {{version: string, nodeBin: string, n8nBin: string, dir: string}} o.runtime  from scripts/n8n-runtime.js
	 * @param {string} o.workDir       folder for this instance (user folder, logs, fixtures)
	 * @param {number} [o.port]        editor/webhook port (default: a free one)
	 * @param {string} [o.logLevel]
	 * @param {(line: string) => void} [o.onLine]  sees every log line (e.g. to echo it)
	 * @param {Record<string,string>} [o.extraEnv]
	 * @param {'start'|'webhook'|'worker'} [o.command]  the process role (queue mode runs `n8n webhook` and `n8n worker` too)
	 * @param {string[]} [o.commandArgs]  e.g. ['--concurrency=10'] for a worker
	 */
	constructor({ runtime, workDir, port, logLevel = 'debug', onLine, extraEnv = {}, command = 'start', commandArgs = [] }) {
		this.runtime = runtime;
		this.version = runtime.version;
		this.major = Number(runtime.version.split('.')[0]);
		this.workDir = workDir;
		this.userFolder = path.join(workDir, 'user');
		this.logFile = path.join(workDir, 'n8n.log');
		this.pidDir = path.join(workDir, 'pids');
		this.port = port ?? 0;
		this.brokerPort = 0;
		this.logLevel = logLevel;
		this.onLine = onLine;
		this.extraEnv = extraEnv;
		this.command = command;
		this.commandArgs = commandArgs;
		/** @type {{pid: number, exited: Promise<any>} | null} */
		this.proc = null;
		this.cookie = '';
		this.apiKey = '';
		this.readyWaiters = [];
	}

	get baseUrl() {
		return `http://127.0.0.1:${this.port}`;
	}

	/** Production webhook URL for a path (e.g. `<webhookId>/webhook`). */
	webhookUrl(webhookPath) {
		return `${this.baseUrl}/webhook/${webhookPath}`;
	}

	async init() {
		fs.mkdirSync(path.join(this.userFolder, '.n8n'), { recursive: true });
		if (!this.port) this.port = await freePort();
		this.brokerPort = await freePort();
		while (this.brokerPort === this.port) this.brokerPort = await freePort();
		return this;
	}

	env() {
		const base = this.baseUrl + '/';
		/** @type {Record<string,string>} */
		const env = {
			// A clean environment: nothing from the test runner (NODE_ENV=test changes n8n's behaviour).
			PATH: `${path.dirname(this.runtime.nodeBin)}${path.delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`,
			HOME: process.env.HOME ?? this.userFolder,
			TMPDIR: process.env.TMPDIR ?? '/tmp',
			LANG: 'C.UTF-8',
			TZ: 'UTC',
			NODE_ENV: 'production',
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			WEBHOOK_URL: base,
			N8N_WEBHOOK_URL: base,
			N8N_EDITOR_BASE_URL: base,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
			DB_TYPE: 'sqlite',
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_PUBLIC_API_DISABLED: 'false',
			N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
			N8N_REINSTALL_MISSING_PACKAGES: 'false',
			N8N_LOG_LEVEL: this.logLevel,
			N8N_LOG_OUTPUT: 'console',
			GENERIC_TIMEZONE: 'Europe/Moscow',
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
			N8N_SSRF_PROTECTION_ENABLED: 'false',
			...this.extraEnv,
		};
		// 1.x on Node 20: the default 'vm' expression engine needs isolated-vm, which is not built.
		if (this.major < 2) env.N8N_EXPRESSION_ENGINE = 'legacy';
		return env;
	}

	/** Runs an n8n CLI command (n8n must be stopped); returns its output. */
	async cli(...args) {
		const out = await runTracked(`n8n-${args[0].replace(/[^a-z]/gi, '-')}`, this.runtime.nodeBin, [this.runtime.n8nBin, ...args], {
			cwd: this.workDir,
			env: this.env(),
			logFile: path.join(this.workDir, 'cli.log'),
			pidDir: this.pidDir,
		});
		return out;
	}

	/**
	 * Installs a package tarball into <userFolder>/.n8n/nodes exactly as n8n's
	 * community-package installer does, so node types are `<package>.<node>`.
	 */
	async installPackage(tarball) {
		const nodesDir = path.join(this.userFolder, '.n8n', 'nodes');
		fs.mkdirSync(nodesDir, { recursive: true });
		const pkgJson = path.join(nodesDir, 'package.json');
		if (!fs.existsSync(pkgJson)) {
			fs.writeFileSync(pkgJson, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
		}
		const npmCli = require('../n8n-runtime').npmCli();
		await runTracked('npm-install-package', process.execPath, [
			npmCli, 'install', '--ignore-scripts', '--omit=peer', '--legacy-peer-deps', '--no-audit', '--no-fund', '--no-package-lock', tarball,
		], {
			cwd: nodesDir,
			env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', npm_config_ignore_scripts: 'true' },
			logFile: path.join(this.workDir, 'cli.log'),
			pidDir: this.pidDir,
		});
	}

	async importCredentials(credentials) {
		const file = path.join(this.workDir, 'credentials.json');
		fs.writeFileSync(file, JSON.stringify(credentials, null, 2));
		const out = await this.cli('import:credentials', `--input=${file}`);
		if (!/Successfully imported/i.test(out)) throw new Error(`import:credentials did not report success:\n${out}`);
	}

	async importWorkflows(workflows) {
		const file = path.join(this.workDir, 'workflows.json');
		fs.writeFileSync(file, JSON.stringify(workflows, null, 2));
		const out = await this.cli('import:workflow', `--input=${file}`);
		if (!/Successfully imported/i.test(out)) throw new Error(`import:workflow did not report success:\n${out}`);
	}

	/** Makes workflows live: 1.x `update:workflow --active=true`, 2.x `publish:workflow`. */
	async activate(ids) {
		for (const id of ids) {
			if (this.major >= 2) await this.cli('publish:workflow', `--id=${id}`);
			else await this.cli('update:workflow', `--id=${id}`, '--active=true');
		}
	}

	log() {
		return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
	}

	/**
	 * Starts n8n and resolves once it says it is ready: "Editor is now accessible" for `start`, the
	 * listener line for `webhook`, "worker is now ready" for `worker`. n8n 2.x may register the
	 * published workflows' webhooks a moment after that line (scripts/lib/queueCluster.js waitForWebhook).
	 */
	async start({ timeoutMs = 180000 } = {}) {
		if (this.proc) return;
		fs.appendFileSync(this.logFile, `\n===== n8n ${this.version} start ${new Date().toISOString()} =====\n`);
		let resolveReady;
		let rejectReady;
		const ready = new Promise((resolve, reject) => {
			resolveReady = resolve;
			rejectReady = reject;
		});
		const readyLine = {
			start: /Editor is now accessible via/,
			webhook: /Webhook listener waiting for requests/,
			worker: /n8n worker is now ready/,
		}[this.command];
		const started = spawnTracked(`n8n-${this.command}`, this.runtime.nodeBin, [this.runtime.n8nBin, this.command, ...this.commandArgs], {
			cwd: this.workDir,
			env: this.env(),
			logFile: this.logFile,
			pidDir: this.pidDir,
			onLine: (line) => {
				this.onLine?.(line);
				if (readyLine.test(line)) resolveReady(undefined);
			},
		});
		this.proc = started;
		started.exited.then(({ code, signal }) => {
			rejectReady(new Error(`n8n exited before it was ready (${signal ?? `exit ${code}`}); log tail:\n${this.log().split('\n').slice(-40).join('\n')}`));
			if (this.proc === started) this.proc = null;
		});
		const timer = setTimeout(() => rejectReady(new Error(`n8n not ready after ${timeoutMs} ms; see ${this.logFile}`)), timeoutMs);
		try {
			await ready;
		} catch (error) {
			await this.stop();
			throw error;
		} finally {
			clearTimeout(timer);
		}
	}

	/**
	 * Stops n8n and starts it again on the same port, user folder and database, as an upgrade or a
	 * reboot does: the owner's session and API key stay valid, and every live polling trigger polls
	 * once at start (n8n-nodes.md §6.3).
	 */
	async restart({ timeoutMs } = {}) {
		await this.stop();
		await this.start({ timeoutMs });
	}

	/** SIGTERM, then SIGKILL after `graceMs` (a queue-mode worker drains its running jobs first: give it longer). */
	async stop({ graceMs } = {}) {
		const proc = this.proc;
		if (!proc) return;
		this.proc = null;
		await stopGroup(proc.pid, proc.exited, graceMs);
	}

	// ---------- REST / public API ----------

	async rest(method, urlPath, body, { headers = {}, expect = [200] } = {}) {
		const res = await fetch(this.baseUrl + urlPath, {
			method,
			headers: {
				'content-type': 'application/json',
				'browser-id': BROWSER_ID,
				...(this.cookie ? { cookie: this.cookie } : {}),
				...headers,
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await res.text();
		if (!expect.includes(res.status)) throw new Error(`${method} ${urlPath} → HTTP ${res.status}: ${text.slice(0, 500)}`);
		const setCookie = res.headers.get('set-cookie');
		if (setCookie && /n8n-auth=/.test(setCookie)) this.cookie = setCookie.split(';')[0];
		try {
			return { status: res.status, json: JSON.parse(text) };
		} catch {
			return { status: res.status, json: null, text };
		}
	}

	/** Creates the owner account (first start) and logs in. */
	async setupOwner(owner = OWNER) {
		await this.rest('POST', '/rest/owner/setup', owner, { expect: [200, 400] });
		await this.rest('POST', '/rest/login', { emailOrLdapLoginId: owner.email, email: owner.email, password: owner.password });
		return owner;
	}

	/** An API key for the public API (read executions and workflows). */
	async createApiKey() {
		const scopes = await this.rest('GET', '/rest/api-keys/scopes', undefined, { expect: [200, 404] });
		const available = Array.isArray(scopes.json?.data) ? scopes.json.data : null;
		const wanted = ['execution:read', 'execution:list', 'workflow:read', 'workflow:list', 'workflow:activate', 'workflow:deactivate'];
		const body = { label: `e2e-${Date.now()}`, expiresAt: null };
		if (available) body.scopes = wanted.filter((s) => available.includes(s));
		const res = await this.rest('POST', '/rest/api-keys', body);
		const data = res.json?.data ?? {};
		this.apiKey = data.rawApiKey ?? data.apiKey;
		if (!this.apiKey) throw new Error(`no API key in ${JSON.stringify(res.json).slice(0, 300)}`);
		return this.apiKey;
	}

	async publicApi(urlPath) {
		const res = await fetch(`${this.baseUrl}/api/v1${urlPath}`, { headers: { 'X-N8N-API-KEY': this.apiKey } });
		const text = await res.text();
		if (res.status !== 200) throw new Error(`GET /api/v1${urlPath} → HTTP ${res.status}: ${text.slice(0, 300)}`);
		return JSON.parse(text);
	}

	/** Publishes (2.x) or activates (1.x) a workflow through the public API, as the editor's switch does. */
	async publishViaApi(workflowId) {
		const res = await fetch(`${this.baseUrl}/api/v1/workflows/${encodeURIComponent(workflowId)}/activate`, {
			method: 'POST',
			headers: { 'X-N8N-API-KEY': this.apiKey },
		});
		const text = await res.text();
		if (res.status !== 200) throw new Error(`POST /api/v1/workflows/${workflowId}/activate → HTTP ${res.status}: ${text.slice(0, 300)}`);
		return JSON.parse(text);
	}

	/** Unpublishes (2.x) or deactivates (1.x) a workflow through the public API. */
	async unpublishViaApi(workflowId) {
		const res = await fetch(`${this.baseUrl}/api/v1/workflows/${encodeURIComponent(workflowId)}/deactivate`, {
			method: 'POST',
			headers: { 'X-N8N-API-KEY': this.apiKey },
		});
		const text = await res.text();
		if (res.status !== 200) throw new Error(`POST /api/v1/workflows/${workflowId}/deactivate → HTTP ${res.status}: ${text.slice(0, 300)}`);
		return JSON.parse(text);
	}

	/**
	 * n8n 2.x applies a publish or unpublish later, through its publication outbox; this waits until
	 * the workflow's triggers are in the wanted state ('published' or 'not_published'). 1.x applies
	 * both within the API call.
	 */
	async waitForPublication(workflowId, wanted, { timeoutMs = 60000 } = {}) {
		if (this.major < 2) return;
		await waitFor(
			`workflow ${workflowId} to be ${wanted}`,
			async () => {
				const res = await this.rest('GET', `/rest/workflows/${encodeURIComponent(workflowId)}/publication-status`);
				const status = (res.json?.data ?? res.json)?.status;
				if (status === 'failed' || status === 'partial') {
					throw Object.assign(new Error(`publication of ${workflowId} ${status}: ${JSON.stringify(res.json).slice(0, 500)}`), { fatal: true });
				}
				return status === wanted;
			},
			{ timeoutMs, intervalMs: 200 },
		);
	}

	/**
	 * Makes a live workflow's polling trigger poll now: unpublish, then publish again. Each activation
	 * polls once at once and emits what it found (n8n-nodes.md §6.6); the position the trigger keeps in
	 * the workflow's static data survives. On 2.x the unpublish must have taken effect first, or the
	 * publish finds nothing to re-register and starts no poll.
	 */
	async repoll(workflowId) {
		await this.unpublishViaApi(workflowId);
		await this.waitForPublication(workflowId, 'not_published');
		await this.publishViaApi(workflowId);
		await this.waitForPublication(workflowId, 'published');
	}

	/** Every execution of a workflow (newest first), without data. */
	async executions(workflowId) {
		const all = [];
		let cursor = '';
		for (;;) {
			const page = await this.publicApi(
				`/executions?workflowId=${encodeURIComponent(workflowId)}&limit=250&includeData=false${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
			);
			all.push(...page.data);
			if (!page.nextCursor) return all;
			cursor = page.nextCursor;
		}
	}

	/** One execution with its data (runData, error, …). */
	async execution(id) {
		return this.publicApi(`/executions/${id}?includeData=true`);
	}

	/** Waits until a workflow has `count` finished executions; returns them. */
	async waitForExecutions(workflowId, count, { timeoutMs = 60000 } = {}) {
		return waitFor(
			`${count} finished execution(s) of workflow ${workflowId}`,
			async () => {
				const list = await this.executions(workflowId);
				const finished = list.filter((e) => e.finished || (e.status && !['new', 'running', 'waiting'].includes(e.status)) || e.stoppedAt);
				if (list.length > count) throw Object.assign(new Error(`expected ${count} executions of ${workflowId}, found ${list.length}`), { fatal: true });
				return finished.length === count ? finished : null;
			},
			{ timeoutMs, intervalMs: 250 },
		);
	}
}

module.exports = { N8nInstance, ENCRYPTION_KEY, OWNER };
