'use strict';
// Everything a real run needs, started together and stopped together:
// the Traffic Light mock, the Klientiks API mock, an SMTP sink, and n8n with
// our package installed from its tarball, the example workflows imported and
// made live.
// Used by `npm start` (examples only) and by the end-to-end suite (examples
// plus test-only workflows).
const fs = require('node:fs');
const path = require('node:path');
const { TrafficLightMock } = require('./trafficLightMock');
const { KlientiksMock, DEFAULT_CREDENTIALS: KLIENTIKS_DEFAULT_CREDENTIALS } = require('./klientiksMock');
const { N8nInstance } = require('./n8n');
const { SmtpSink } = require('./smtpSink');
const { freePort } = require('./net');
const { REPO_ROOT } = require('./pack');

const PACKAGE_NAME = 'n8n-nodes-klientiks-traffic-light';
const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

/** Credential ids/names the example workflows reference (by name, so "Import from file" matches them). */
const CREDENTIALS = Object.freeze({
	trafficLight: { id: 'klxTrafficLight1', name: 'Traffic Light account', type: 'trafficLightApi' },
	smtp: { id: 'klxSmtpAlerts001', name: 'SMTP account', type: 'smtp' },
	klientiks: { id: 'klxKlientiksApi1', name: 'Klientiks API account', type: 'klientiksApi' },
});

/** The credential's data for a Klientiks API (mock) at `baseUrl` with one account/user/token triple. */
function klientiksCredentialData(baseUrl, { account, user, token }) {
	return { accountId: account, userId: user, accessToken: token, baseUrl };
}

function readExample(file) {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
}

/** Node types as n8n names them after a community install. */
function ourType(typeName) {
	return `${PACKAGE_NAME}.${typeName}`;
}

/**
 * Starts the two API mocks + SMTP sink + n8n.
 * @param {object} o
 * @param {{version: string, nodeBin: string, n8nBin: string}} o.runtime
 * @param {string} o.workDir
 * @param {string} o.tarball
 * @param {string} o.apiKey          the Traffic Light key the mock accepts and the credential holds
 * @param {{account: string, user: string, token: string}} [o.klientiks]  the account the Klientiks mock accepts and the credential holds
 * @param {(ctx: {mock: TrafficLightMock, klientiks: KlientiksMock, smtp: SmtpSink}) => any[]} o.workflows  workflow JSON objects to import
 * @param {string[]} o.activate      workflow ids to make live
 * @param {number} [o.port]          n8n port (default: a free one)
 * @param {number} [o.mockPort]
 * @param {number} [o.klientiksPort]
 * @param {string} [o.logLevel]
 * @param {(s: string) => void} [o.log]
 * @param {(line: string) => void} [o.onN8nLine]
 * @param {boolean} [o.owner]        create the owner and an API key (default true)
 * @param {Record<string,string>} [o.extraEnv]  more environment for n8n (e.g. NODE_OPTIONS)
 */
async function startEnvironment(o) {
	const log = o.log ?? (() => {});
	fs.mkdirSync(o.workDir, { recursive: true });
	const mock = new TrafficLightMock({ keys: [o.apiKey] });
	const klientiksAccount = o.klientiks ?? KLIENTIKS_DEFAULT_CREDENTIALS;
	const klientiks = new KlientiksMock({ credentials: [klientiksAccount] });
	const smtp = new SmtpSink();
	const n8n = new N8nInstance({
		runtime: o.runtime,
		workDir: o.workDir,
		port: o.port,
		logLevel: o.logLevel,
		onLine: o.onN8nLine,
		extraEnv: o.extraEnv,
	});
	const env = {
		mock,
		klientiks,
		smtp,
		n8n,
		mockPort: 0,
		async stop() {
			// Each step on its own: one failing must not leave the others running.
			const errors = [];
			for (const step of [() => n8n.stop(), () => mock.stop(), () => klientiks.stop(), () => smtp.stop()]) {
				try {
					await step();
				} catch (error) {
					errors.push(error);
				}
			}
			if (errors.length) throw errors[0];
		},
	};
	try {
		await mock.start(o.mockPort ?? (await freePort()));
		env.mockPort = mock.port;
		await klientiks.start(o.klientiksPort ?? 0);
		await smtp.start();
		log(`Traffic Light mock on ${mock.baseUrl}, Klientiks API mock on ${klientiks.baseUrl}, SMTP sink on 127.0.0.1:${smtp.port}`);
		await n8n.init();
		log(`installing ${path.basename(o.tarball)} into ${n8n.userFolder}/.n8n/nodes`);
		await n8n.installPackage(o.tarball);
		log('importing credentials and workflows (n8n CLI)');
		await n8n.importCredentials([
			{
				...CREDENTIALS.trafficLight,
				data: { apiKey: o.apiKey, baseUrl: mock.baseUrl },
			},
			{
				...CREDENTIALS.klientiks,
				data: klientiksCredentialData(klientiks.baseUrl, klientiksAccount),
			},
			{
				...CREDENTIALS.smtp,
				data: { user: '', password: '', host: '127.0.0.1', port: smtp.port, secure: false, disableStartTls: true },
			},
		]);
		await n8n.importWorkflows(o.workflows({ mock, klientiks, smtp }));
		log(`making workflows live: ${o.activate.join(', ')}`);
		await n8n.activate(o.activate);
		log(`starting n8n ${o.runtime.version} on ${n8n.baseUrl}`);
		await n8n.start();
		if (o.owner !== false) {
			await n8n.setupOwner();
			await n8n.createApiKey();
		}
		return env;
	} catch (error) {
		await env.stop().catch(() => {});
		throw error;
	}
}

module.exports = { startEnvironment, readExample, ourType, klientiksCredentialData, CREDENTIALS, PACKAGE_NAME, EXAMPLES_DIR };
