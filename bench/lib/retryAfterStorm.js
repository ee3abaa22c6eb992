'use strict';
// A Retry-After storm for bench/hostile.js: Lead → Send on the compiled package
// against the Traffic Light mock refusing every send for load, through
// n8n-core's real request helper (as test/helpers/executeContext.ts does). The
// mock runs in a child process of its own (bench/lib/trafficLightMockProcess.js),
// so that its refusals do not count in our turns.
const path = require('node:path');
const { watchEventLoop } = require('./eventLoopWatch');
const { DEFAULT_KEY } = require('../../scripts/lib/trafficLightMock');
const { forkMockProcess } = require('./mockProcess');

const LEADS = 100;
/** Timeout 1 s: the run's allowance for 429/503 is 10 × Timeout, an item's budget (Retry Attempts + 5) × Timeout. */
const TIMEOUT_SECONDS = 1;

/** Each storm: how the mock refuses every send. A Retry-After of 0 must fall back to the node's own back-off. */
const STORMS = [
	{ key: 'retryAfter0', label: `Retry-After storm: every send answered 429 \`Retry-After: 0\`, ${LEADS} leads, Timeout ${TIMEOUT_SECONDS} s`, mode: { status: 429, retryAfterSeconds: 0 } },
	{ key: 'retryAfter1', label: `Retry-After storm: every send answered 503 \`Retry-After: 1\`, ${LEADS} leads, Timeout ${TIMEOUT_SECONDS} s`, mode: { status: 503, retryAfterSeconds: 1 } },
];

/**
 * The parts of IExecuteFunctions the node reads, with n8n-core's request helpers and the credential's own
 * authenticate(). By default a Lead → Send of LEADS items; `custom.parameters` and `custom.items` replace them.
 */
function executeContext(root, baseUrl, custom = {}) {
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
		...custom.parameters,
	};
	const node = { id: 'storm', name: 'Traffic Light', type: 'n8n-nodes-klientiks-traffic-light.trafficLight', typeVersion: 1, position: [0, 0], parameters };
	const additionalData = {
		credentialsHelper: {
			getParentTypes: () => [],
			preAuthentication: async () => undefined,
			authenticate: async (decrypted, _type, requestOptions) => credentialType.authenticate(decrypted, requestOptions),
		},
	};
	const items = custom.items ?? Array.from({ length: LEADS }, (_, i) => ({ json: { leadId: `storm-${i}` } }));
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
	const mock = forkMockProcess(path.join(__dirname, 'trafficLightMockProcess.js'));
	try {
		const { baseUrl } = await mock.ask({ cmd: 'start' });
		// A first run loads and compiles the request path, so that it is not counted as a storm's event-loop turn.
		await new TrafficLight().execute.call(executeContext(root, baseUrl));
		for (const storm of STORMS) {
			await mock.ask({ cmd: 'reset' });
			await mock.ask({ cmd: 'setMode', mode: { kind: 'rateLimited', maxInFlight: 0, ...storm.mode } });
			const context = executeContext(root, baseUrl);
			const watch = watchEventLoop();
			const [out] = await new TrafficLight().execute.call(context);
			const { longestTurnMs, ms, heapAddedMb } = watch.stop();
			// Every item fails visibly: "Not sent: rate limited", or its own budget ran out first, while it
			// waited to be sent or for its window's duplicate check (that error carries no `outcome`).
			const failed = {};
			for (const o of out) {
				const kind = o.json.outcome ?? 'duplicate check not finished';
				if (o.json.error) failed[kind] = (failed[kind] ?? 0) + 1;
			}
			const byOutcome = Object.entries(failed).map(([kind, count]) => `${count} ${kind}`).join(', ');
			const { leads, requests } = await mock.ask({ cmd: 'stats' });
			const outcome = `${leads} sent; ${out.length} items, failed: ${byOutcome}; ${requests.send} send requests in all`;
			rows.push({ key: storm.key, label: storm.label, longestTurnMs, ms, heapAddedMb, outcome });
		}
	} finally {
		await mock.stop();
	}
	return rows;
}

module.exports = { measureStorms, executeContext, LEADS, TIMEOUT_SECONDS };
