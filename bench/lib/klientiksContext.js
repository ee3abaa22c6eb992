'use strict';
// The parts of IExecuteFunctions / IPollFunctions the Klientiks nodes read, wired to n8n-core's real
// request helper (as test/helpers/executeContext.ts does), for the compiled package in plain Node.
// The Klientiks API credential has no authenticate(): n8n adds nothing to a request.
const path = require('node:path');
const { DEFAULT_CREDENTIALS } = require('../../scripts/lib/klientiksMock');

function helpersFor(node) {
	const { getRequestHelperFunctions } = require('n8n-core/dist/execution-engine/node-execution-context/utils/request-helpers');
	const additionalData = {
		credentialsHelper: {
			getParentTypes: () => [],
			preAuthentication: async () => undefined,
			authenticate: async (_decrypted, _type, requestOptions) => requestOptions,
		},
	};
	return getRequestHelperFunctions({}, node, additionalData);
}

const credentialsFor = (baseUrl) => ({ accountId: DEFAULT_CREDENTIALS.account, userId: DEFAULT_CREDENTIALS.user, accessToken: DEFAULT_CREDENTIALS.token, baseUrl });

/** The Klientiks node's execute() context: `parameters` for every item, Continue On Fail. */
function klientiksExecuteContext(baseUrl, parameters, items = [{ json: {} }]) {
	const node = { id: 'bench-klientiks', name: 'Klientiks', type: 'n8n-nodes-klientiks-traffic-light.klientiks', typeVersion: 1, position: [0, 0], parameters, credentials: { klientiksApi: { id: 'c1', name: 'Klientiks API' } } };
	return {
		getInputData: () => items,
		getNode: () => node,
		getNodeParameter: (name, _itemIndex, fallback) => parameters[name] ?? fallback,
		continueOnFail: () => true,
		getCredentials: async () => credentialsFor(baseUrl),
		getExecutionCancelSignal: () => undefined,
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers: helpersFor(node),
	};
}

/** The Catch-up Trigger's poll() context: mode 'trigger', the node's static data in `staticData`. */
function catchUpPollContext(baseUrl, parameters, staticData) {
	const node = { id: 'bench-catch-up', name: 'Klientiks Catch-up Trigger', type: 'n8n-nodes-klientiks-traffic-light.klientiksCatchUpTrigger', typeVersion: 1, position: [0, 0], parameters, credentials: { klientiksApi: { id: 'c1', name: 'Klientiks API' } } };
	return {
		getNode: () => node,
		getNodeParameter: (name, fallback) => parameters[name] ?? fallback,
		getMode: () => 'trigger',
		getActivationMode: () => 'activate',
		getWorkflow: () => ({ id: 'bench-wf', name: 'catch-up bench', active: true }),
		getWorkflowStaticData: () => staticData,
		getCredentials: async () => credentialsFor(baseUrl),
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers: helpersFor(node),
	};
}

function loadKlientiks(root) {
	return {
		Klientiks: require(path.join(root, 'dist/nodes/Klientiks/Klientiks.node.js')).Klientiks,
		KlientiksCatchUpTrigger: require(path.join(root, 'dist/nodes/KlientiksCatchUpTrigger/KlientiksCatchUpTrigger.node.js')).KlientiksCatchUpTrigger,
		api: require(path.join(root, 'dist/nodes/Klientiks/transport/klientiksApi.js')),
	};
}

module.exports = { klientiksExecuteContext, catchUpPollContext, loadKlientiks };
