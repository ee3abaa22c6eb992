'use strict';
// `npm start`: the whole chain on this machine, in one command.
//
// Builds and packs the package, makes sure a pinned n8n is installed in the
// cache (first time: minutes), starts a local Traffic Light mock, a Klientiks
// API mock, an SMTP sink for the error e-mails, and n8n on 127.0.0.1 with
// SQLite; installs the package as a community install does, imports the
// example workflows and credentials that point at the mocks, makes them live
// and prints how to use them. Ctrl-C stops everything.
//
// Environment:
//   N8N_VERSION            n8n to run (default 1.123.81, which runs on Node 20; 2.40.7 brings its own Node 24)
//   N8N_PORT               editor/webhook port (default 5678, or a free one if taken)
//   TRAFFIC_LIGHT_API_KEY  send to the REAL Traffic Light with this key instead of the mock
//   TRAFFIC_LIGHT_BASE_URL with the key above (default https://api.cpa.tl)
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { ensureRuntime, cacheRoot, DEFAULT_VERSION } = require('./n8n-runtime');
const { buildAndPack } = require('./lib/pack');
const { startEnvironment } = require('./lib/environment');
const { exampleWorkflows, EXAMPLE_IDS, mainWebhookPath, catchUpWebhookPath } = require('./lib/workflows');
const { DEMO_TOKEN, demoCalls, curlLine } = require('./lib/klientiksCalls');
const { DEFAULT_KEY } = require('./lib/trafficLightMock');
const { OWNER } = require('./lib/n8n');
const { killLeftovers } = require('./lib/processes');

const STATE_FILE = path.join(cacheRoot(), 'start-state.json');

function say(message) {
	process.stdout.write(`[start] ${message}\n`);
}

function portFree(port) {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

async function main() {
	const version = process.env.N8N_VERSION || DEFAULT_VERSION;
	const realKey = process.env.TRAFFIC_LIGHT_API_KEY || '';
	const realBaseUrl = process.env.TRAFFIC_LIGHT_BASE_URL || 'https://api.cpa.tl';
	const runRoot = path.join(cacheRoot(), 'start');
	const workDir = path.join(runRoot, `n8n-${version}`);
	const killed = killLeftovers(runRoot);
	if (killed) say(`stopped ${killed} process(es) left over from an earlier run`);
	// A fresh instance every time: this is a sandbox, not a place to keep work.
	fs.rmSync(workDir, { recursive: true, force: true });
	fs.mkdirSync(workDir, { recursive: true });

	const t0 = Date.now();
	const tarball = await buildAndPack(path.join(workDir, 'package'), { log: say });
	say(`ensuring n8n ${version} is installed (cache: ${cacheRoot()})`);
	const runtime = await ensureRuntime(version);

	const wanted = Number(process.env.N8N_PORT || 5678);
	const port = (await portFree(wanted)) ? wanted : 0;
	if (!port) say(`port ${wanted} is taken; using a free one`);

	const env = await startEnvironment({
		runtime,
		workDir,
		tarball,
		apiKey: DEFAULT_KEY,
		port,
		logLevel: 'info',
		log: say,
		workflows: () => exampleWorkflows(),
		activate: EXAMPLE_IDS.activate(runtime.version),
	});
	let stopping = false;
	const stopAll = async (code) => {
		if (stopping) return;
		stopping = true;
		say('stopping n8n, the mocks and the SMTP sink …');
		await env.stop().catch((error) => say(`stop failed: ${error.message}`));
		fs.rmSync(STATE_FILE, { force: true });
		process.exit(code);
	};
	process.once('SIGINT', () => stopAll(0));
	process.once('SIGTERM', () => stopAll(0));
	env.n8n.proc?.exited.then(({ code, signal }) => {
		if (stopping) return;
		say(`n8n exited on its own (${signal ?? `exit ${code}`}); see ${env.n8n.logFile}`);
		stopAll(1);
	});

	if (realKey) {
		// Re-point the credential at the real API: the public REST API cannot edit credentials,
		// so use the internal one the editor uses.
		await env.n8n.rest('PATCH', '/rest/credentials/klxTrafficLight1', {
			name: 'Traffic Light account',
			type: 'trafficLightApi',
			data: { apiKey: realKey, baseUrl: realBaseUrl },
		});
		say(`the "Traffic Light account" credential now sends to ${realBaseUrl} with your key`);
	}

	const webhookUrl = env.n8n.webhookUrl(mainWebhookPath());
	const catchUpUrl = env.n8n.webhookUrl(catchUpWebhookPath());
	const calls = demoCalls(webhookUrl);
	fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
	fs.writeFileSync(
		STATE_FILE,
		JSON.stringify(
			{ pid: process.pid, webhookUrl, catchUpUrl, mockUrl: env.mock.baseUrl, klientiksMockUrl: env.klientiks.baseUrl, editorUrl: env.n8n.baseUrl, n8nApiKey: env.n8n.apiKey },
			null,
			2,
		),
	);

	const line = '─'.repeat(72);
	process.stdout.write(`
${line}
n8n ${runtime.version} (Node ${runtime.nodeMajor}) is running with n8n-nodes-klientiks-traffic-light — ready in ${Math.round((Date.now() - t0) / 1000)} s

  Editor          ${env.n8n.baseUrl}/
  Login           ${OWNER.email}  /  ${OWNER.password}
  Workflows       "Klientiks → Traffic Light" (live), "Klientiks → Traffic Light, with catch-up" (live;
                  its catch-up trigger reads the Klientiks API mock every minute) and "Error e-mail alert"
  Webhook (prod)  ${webhookUrl}?token=${DEMO_TOKEN}
                  (paste it into Klientiks → Settings → Event handlers with the query template the trigger shows)
  Webhook (prod)  ${catchUpUrl}?token=${DEMO_TOKEN}  (the catch-up example's)
  Klientiks API   mock ${env.klientiks.baseUrl}  (make an event happen only there: npm run demo)
  Traffic Light   ${realKey ? realBaseUrl + ' (REAL API, your key)' : `mock ${env.mock.baseUrl}  (leads it got: ${env.mock.baseUrl}/__mock/leads)`}
  Error e-mails   SMTP sink 127.0.0.1:${env.smtp.port} — printed below as they arrive
  n8n log         ${env.n8n.logFile}

Fire a realistic Klientiks call ("appointment created"):

  ${curlLine(calls[0])}

or send one call of every event, then watch a catch-up:  npm run demo
Ctrl-C stops everything.
${line}
`);

	// Show what reaches the mock and the SMTP sink, so the demo is visible here.
	let leadsSeen = 0;
	let mailsSeen = 0;
	setInterval(() => {
		for (const lead of env.mock.leads.slice(leadsSeen)) {
			say(`Traffic Light mock got lead #${lead.id}: id=${lead.id2 ?? '-'} name=${lead.fields.name ?? ''} phone=${lead.fields.phone} offer=${lead.fields.offer_id}`);
		}
		leadsSeen = env.mock.leads.length;
		for (const mail of env.smtp.messages.slice(mailsSeen)) {
			say(`e-mail to ${mail.to.join(', ')}: ${mail.subject}\n${mail.text.replace(/\r/g, '').trim().replace(/^/gm, '    ')}`);
		}
		mailsSeen = env.smtp.messages.length;
	}, 500);
}

main().catch((error) => {
	process.stderr.write(`[start] failed: ${error.stack || error}\n`);
	process.exit(1);
});
