'use strict';
// The workflows a run imports: the example files exactly as shipped (only the
// secret token filled in), plus test-only variants derived from them, so the
// suite proves the examples and exercises every event.
const { readExample, ourType } = require('./environment');

const EXAMPLE_FILES = {
	main: 'klientiks-to-traffic-light.json',
	error: 'error-email-alert.json',
	catchUp: 'klientiks-catch-up-to-traffic-light.json',
};

const IDS = Object.freeze({
	main: 'klxLeadsToTL0001',
	error: 'klxErrorEmail001',
	catchUp: 'klxCatchUpToTL01',
	catchUpOnly: 'klxE2eCatchUp001',
	allEvents: 'klxE2eAllEvents1',
	postback: 'klxE2ePostback01',
	noDuplicateCheck: 'klxE2eNoDupChk1',
});

const WEBHOOK_IDS = Object.freeze({
	main: '3f9d7a1e-6c2b-4e58-a0d4-5c1e00000001',
	catchUp: '3f9d7a1e-6c2b-4e58-a0d4-5c1e00000002',
	allEvents: '3f9d7a1e-6c2b-4e58-a0d4-5c1e0000e2e1',
	postback: '3f9d7a1e-6c2b-4e58-a0d4-5c1e0000e2e2',
	noDuplicateCheck: '3f9d7a1e-6c2b-4e58-a0d4-5c1e0000e2e3',
});

/** n8n 2.x runs an error workflow only when it is published; 1.x loads it by id. */
const EXAMPLE_IDS = {
	activate(version) {
		return Number(version.split('.')[0]) >= 2 ? [IDS.main, IDS.catchUp, IDS.error] : [IDS.main, IDS.catchUp];
	},
};

function nodeOfType(workflow, typeName) {
	const node = workflow.nodes.find((n) => n.type === ourType(typeName));
	if (!node) throw new Error(`workflow ${workflow.name} has no ${typeName} node`);
	return node;
}

function triggerPath(workflow) {
	return `${nodeOfType(workflow, 'klientiksTrigger').webhookId}/webhook`;
}

/**
 * The main example as the CLI imports it. The file carries no webhookId (so
 * every "Import from file" in the editor gets a fresh path); the editor gives
 * one on import, the CLI does not, so the harness gives a fixed one to know the
 * production URL before n8n starts.
 */
function readMainExample() {
	const main = readExample(EXAMPLE_FILES.main);
	nodeOfType(main, 'klientiksTrigger').webhookId = WEBHOOK_IDS.main;
	return main;
}

/** The catch-up example as the CLI imports it: a fixed webhookId for its Klientiks Trigger, as readMainExample. */
function readCatchUpExample() {
	const wf = readExample(EXAMPLE_FILES.catchUp);
	nodeOfType(wf, 'klientiksTrigger').webhookId = WEBHOOK_IDS.catchUp;
	return wf;
}

/** Production webhook path of the main example (`<webhookId>/webhook`). */
function mainWebhookPath() {
	return triggerPath(readMainExample());
}

/** Production webhook path of the catch-up example's Klientiks Trigger. */
function catchUpWebhookPath() {
	return triggerPath(readCatchUpExample());
}

/** The examples as shipped, with the triggers' secret token set (and a webhookId, see readMainExample). */
function exampleWorkflows({ token = require('./klientiksCalls').DEMO_TOKEN } = {}) {
	const main = readMainExample();
	nodeOfType(main, 'klientiksTrigger').parameters.secretToken = token;
	const catchUp = readCatchUpExample();
	nodeOfType(catchUp, 'klientiksTrigger').parameters.secretToken = token;
	return [main, catchUp, readExample(EXAMPLE_FILES.error)];
}

/**
 * Test-only: the catch-up example without its Klientiks Trigger, as an n8n without a public address
 * runs it: the Klientiks API is the only way events arrive.
 */
function catchUpOnlyWorkflow() {
	const wf = readCatchUpExample();
	wf.id = IDS.catchUpOnly;
	wf.name = 'E2E: Klientiks Catch-up Trigger alone → Traffic Light';
	const webhookTrigger = nodeOfType(wf, 'klientiksTrigger');
	wf.nodes = wf.nodes.filter((n) => n !== webhookTrigger).map((n) => ({ ...n, id: n.id.replace(/.{4}$/, (x) => `c${x.slice(1)}`) }));
	delete wf.connections[webhookTrigger.name];
	return wf;
}

/**
 * Test-only: the main example with every preset selected and a short send
 * timeout so the "no answer" case does not wait 30 s.
 */
function allEventsWorkflow({ token, timeoutSeconds }) {
	const wf = readMainExample();
	wf.id = IDS.allEvents;
	wf.name = 'E2E: every Klientiks event → Traffic Light';
	const trigger = nodeOfType(wf, 'klientiksTrigger');
	trigger.webhookId = WEBHOOK_IDS.allEvents;
	trigger.parameters = { ...trigger.parameters, events: ['appointment_created', 'client_added', 'invoice_created', 'visit_paid'], secretToken: token };
	const send = nodeOfType(wf, 'trafficLight');
	// Fields mapped the way the editor writes a dragged field (`{{ $json.… }}`), which the node reads
	// from the item without n8n's expression engine: these cases check the values on real n8n. The
	// example as shipped (other expressions, read by n8n) has its own case.
	send.parameters.phone = '={{ $json.client.phoneNormalized }}';
	send.parameters.additionalFields = { leadId: '={{ $json.leadId }}', name: '={{ $json.client.name }}', sub1: '={{ $json.event }}' };
	send.parameters.options = { timeout: timeoutSeconds };
	wf.nodes = wf.nodes.map((n) => ({ ...n, id: n.id.replace(/.{4}$/, (s) => `e${s.slice(1)}`) }));
	return wf;
}

/**
 * Test-only: the all-events variant with Skip Duplicates off, so that the send
 * itself is the first request to Traffic Light (with the check on, a closed
 * port refuses the feed look-up first and the send never meets it).
 */
function noDuplicateCheckWorkflow({ token, timeoutSeconds }) {
	const wf = allEventsWorkflow({ token, timeoutSeconds });
	wf.id = IDS.noDuplicateCheck;
	wf.name = 'E2E: Klientiks → Traffic Light without the duplicate check';
	const trigger = nodeOfType(wf, 'klientiksTrigger');
	trigger.webhookId = WEBHOOK_IDS.noDuplicateCheck;
	// Workflows saved before version 2 keep a version-1 trigger; this one keeps that version under test.
	trigger.typeVersion = 1;
	nodeOfType(wf, 'trafficLight').parameters.options = { timeout: timeoutSeconds, skipDuplicates: false };
	wf.nodes = wf.nodes.map((n) => ({ ...n, id: n.id.replace(/.{4}$/, (s) => `d${s.slice(1)}`) }));
	return wf;
}

/** Test-only: Traffic Light status postbacks (the selected statuses, a secret token) into a workflow. */
function postbackWorkflow({ token, statuses }) {
	return {
		id: IDS.postback,
		name: 'E2E: Traffic Light postbacks',
		active: false,
		nodes: [
			{
				id: '9a1c7e3d-5b2f-4d8a-b6e0-3c4f5a6b0001',
				name: 'Traffic Light Trigger',
				type: ourType('trafficLightTrigger'),
				typeVersion: 2,
				position: [0, 0],
				webhookId: WEBHOOK_IDS.postback,
				parameters: { statuses, secretToken: token },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

function e2eWorkflows({ token, postbackToken, postbackStatuses, timeoutSeconds }) {
	return [
		...exampleWorkflows({ token }),
		catchUpOnlyWorkflow(),
		allEventsWorkflow({ token, timeoutSeconds }),
		noDuplicateCheckWorkflow({ token, timeoutSeconds }),
		postbackWorkflow({ token: postbackToken, statuses: postbackStatuses }),
	];
}

module.exports = {
	IDS,
	WEBHOOK_IDS,
	EXAMPLE_IDS,
	EXAMPLE_FILES,
	mainWebhookPath,
	catchUpWebhookPath,
	exampleWorkflows,
	catchUpOnlyWorkflow,
	nodeOfType,
	allEventsWorkflow,
	postbackWorkflow,
	e2eWorkflows,
	triggerPath,
};
