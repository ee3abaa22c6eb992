'use strict';
// A Retry-After storm for bench/hostile.js: Lead → Send on the compiled package
// against the one Traffic Light mock refusing every send for load, through
// n8n-core's real request helper (as test/helpers/executeContext.ts does).
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { TrafficLightMock, DEFAULT_KEY } = require('../../scripts/lib/trafficLightMock');

const LEADS = 100;
/** Timeout 1 s: the run's allowance for 429/503 is 10 × Timeout, an item's budget (Retry Attempts + 5) × Timeout. */
const TIMEOUT_SECONDS = 1;

/** Each storm: how the mock refuses every send. A Retry-After of 0 must fall back to the node's own back-off. */
const STORMS = [
	{ key: 'retryAfter0', label: `Retry-After storm: every send answered 429 \`Retry-After: 0\`, ${LEADS} leads, Timeout ${TIMEOUT_SECONDS} s`, mode: { status: 429, retryAfterSeconds: 0 } },
	{ key: 'retryAfter1', label: `Retry-After storm: every send answered 503 \`Retry-After: 1\`, ${LEADS} leads, Timeout ${TIMEOUT_SECONDS} s`, mode: { status: 503, retryAfterSeconds: 1 } },
];

/** The parts of IExecuteFunctions Send reads, with n8n-core's request helpers and the credential's own authenticate(). */
function executeContext(root, baseUrl) {
	const { getRequestHelperFunctions } = require('n8n-core/dist/execution-engine/node-execution-context/utils/request-helpers');
	const { TrafficLightApi } = require(path.join(root, 'dist/credentials/TrafficLightApi.credentials.js'));
	const credentialType = new TrafficLightApi();
	const parameters = {
		resource: 'lead',
		operation: 'send',
		offerId: '1234',
		phone: '+7 (999) 123-45-67',
		country: 'RU',
		additionalFields: '={{ $json }}',
		options: { timeout: TIMEOUT_SECONDS },
	};
	const node = { id: 'storm', name: 'Traffic Light', type: 'n8n-nodes-klientiks-traffic-light.trafficLight', typeVersion: 1, position: [0, 0], parameters };
	const additionalData = {
		credentialsHelper: {
			getParentTypes: () => [],
			preAuthentication: async () => undefined,
			authenticate: async (decrypted, _type, requestOptions) => credentialType.authenticate(decrypted, requestOptions),
		},
	};
	const items = Array.from({ length: LEADS }, (_, i) => ({ json: { leadId: `storm-${i}` } }));
	return {
		getInputData: () => items,
		getNode: () => node,
		getNodeParameter: (name, itemIndex, fallback, options) => {
			if (options?.rawExpressions) return parameters[name] ?? fallback;
			if (name === 'additionalFields') return items[itemIndex].json;
			return parameters[name] ?? fallback;
		},
		continueOnFail: () => true,
		getCredentials: async () => ({ apiKey: DEFAULT_KEY, baseUrl }),
		getExecutionCancelSignal: () => undefined,
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers: getRequestHelperFunctions({}, node, additionalData),
	};
}

async function measureStorms(root) {
	const { TrafficLight } = require(path.join(root, 'dist/nodes/TrafficLight/TrafficLight.node.js'));
	const rows = [];
	// A first run loads and compiles the request path, so that it is not counted as a storm's event-loop turn.
	const warmUp = await new TrafficLightMock().start();
	await new TrafficLight().execute.call(executeContext(root, warmUp.baseUrl));
	await warmUp.stop();
	for (const storm of STORMS) {
		const mock = await new TrafficLightMock().start();
		try {
			mock.setMode({ kind: 'rateLimited', maxInFlight: 0, ...storm.mode });
			const context = executeContext(root, mock.baseUrl);
			if (global.gc) global.gc();
			const heapBefore = process.memoryUsage().heapUsed;
			let heapPeak = heapBefore;
			let last = performance.now();
			let longest = 0;
			let running = true;
			const tick = () => {
				const now = performance.now();
				longest = Math.max(longest, now - last);
				last = now;
				heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
				if (running) setImmediate(tick);
			};
			setImmediate(tick);
			const started = performance.now();
			const [out] = await new TrafficLight().execute.call(context);
			const ms = performance.now() - started;
			running = false;
			// Every item fails visibly: "Not sent: rate limited", or its own time budget ran out first.
			const failed = {};
			for (const o of out) if (o.json.error) failed[o.json.outcome] = (failed[o.json.outcome] ?? 0) + 1;
			const byOutcome = Object.entries(failed).map(([kind, count]) => `${count} ${kind}`).join(', ');
			const sends = mock.requestsTo('send').length;
			const outcome = `${mock.leads.length} sent; ${out.length} items, failed: ${byOutcome}; ${sends} send requests in all`;
			rows.push({ key: storm.key, label: storm.label, longestTurnMs: longest, ms, heapAddedMb: (heapPeak - heapBefore) / 1024 / 1024, outcome });
		} finally {
			await mock.stop();
		}
	}
	return rows;
}

module.exports = { measureStorms, executeContext, LEADS, TIMEOUT_SECONDS };
