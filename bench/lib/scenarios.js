'use strict';
// What the benchmark runs: the workflows of bench/workflows/ and the
// variants derived from them, and the checks that decide whether a run
// itself failed (lost, duplicated or mismatched leads, errors).
const fs = require('node:fs');
const path = require('node:path');

const WORKFLOW_DIR = path.join(__dirname, '..', 'workflows');
/** The mock origin written into the workflow files; replaced by the real one at import. */
const FILE_MOCK_ORIGIN = 'http://127.0.0.1:18090';
/** Secret token of the Klientiks Trigger in webhook-ours.json; every call carries it. */
const TOKEN = 'bench-secret-token-0001';
/** The mock answers each lead send after this long in the bulk scenario. */
const SEND_DELAY_MS = 50;

function readWorkflow(file) {
	return JSON.parse(fs.readFileSync(path.join(WORKFLOW_DIR, file), 'utf8'));
}

function retarget(workflow, mockOrigin) {
	return JSON.parse(JSON.stringify(workflow).split(FILE_MOCK_ORIGIN).join(mockOrigin));
}

function nodeNamed(workflow, name) {
	const node = workflow.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`workflow ${workflow.id} has no node "${name}"`);
	return node;
}

/** Webhook → lead: the three flows compared (plus ours without the duplicate check, to explain the difference). */
const FLOWS = [
	{
		key: 'ours',
		label: 'Klientiks Trigger → Traffic Light Send (ours)',
		file: 'webhook-ours.json',
		workflowId: 'klxBenchOurs0001',
		path: '6c0b1e2a-4d3f-4a8b-9c1d-00000000b001/webhook',
		makesLeads: true,
	},
	{
		key: 'oursNoDup',
		label: 'same, Skip Duplicates off (no feed check)',
		// Only to explain the difference to the generic flow; one concurrency keeps the run short.
		concurrencies: [1],
		derivedFrom: 'webhook-ours.json',
		workflowId: 'klxBenchOursND01',
		path: '6c0b1e2a-4d3f-4a8b-9c1d-00000000b004/webhook',
		makesLeads: true,
		derive(workflow) {
			workflow.id = this.workflowId;
			workflow.name = 'Bench: Klientiks Trigger → Traffic Light, Skip Duplicates off';
			const trigger = nodeNamed(workflow, 'Klientiks Trigger');
			trigger.webhookId = '6c0b1e2a-4d3f-4a8b-9c1d-00000000b004';
			nodeNamed(workflow, 'Send lead to Traffic Light').parameters.options = { skipDuplicates: false };
			workflow.nodes = workflow.nodes.map((n) => ({ ...n, id: n.id.replace(/b001(\d\d)$/, 'b004$1') }));
			return workflow;
		},
	},
	{
		key: 'generic',
		label: 'core Webhook → HTTP Request (generic)',
		file: 'webhook-generic.json',
		workflowId: 'klxBenchGeneric1',
		path: 'bench-generic',
		makesLeads: true,
	},
	{
		key: 'noop',
		label: 'core Webhook alone (no-op baseline)',
		file: 'webhook-noop.json',
		workflowId: 'klxBenchNoop0001',
		path: 'bench-noop',
		makesLeads: false,
	},
];

/** Bulk send: 1,000 items into one node. */
const BULK = [
	...[1, 5, 10, 20, 50].map((concurrency) => ({
		key: `tl-c${concurrency}`,
		kind: 'ours',
		label: `Traffic Light node, concurrency ${concurrency}${concurrency === 5 ? ' (its default)' : concurrency === 50 ? ' (its maximum)' : ''}`,
		concurrency,
		inFlightCap: concurrency,
		workflowId: `klxBenchBulkTL${String(concurrency).padStart(2, '0')}`,
		path: `bench-bulk-traffic-light-c${concurrency}`,
	})),
	{
		key: 'http-default',
		kind: 'http',
		label: 'HTTP Request, defaults (no batching)',
		options: {},
		inFlightCap: Infinity,
		workflowId: 'klxBenchBulkHRd1',
		path: 'bench-bulk-http-request-default',
	},
	{
		key: 'http-batch-ui',
		kind: 'http',
		label: 'HTTP Request, batching as the editor proposes it (50 items / 1000 ms)',
		options: { batching: { batch: { batchSize: 50, batchInterval: 1000 } } },
		inFlightCap: 50,
		workflowId: 'klxBenchBulkHRb1',
		path: 'bench-bulk-http-request-batch-50-1000',
	},
	{
		key: 'http-batch-20',
		kind: 'http',
		label: 'HTTP Request, batching 20 items / 50 ms (≈ 20 in flight)',
		options: { batching: { batch: { batchSize: 20, batchInterval: SEND_DELAY_MS } } },
		inFlightCap: 20,
		workflowId: 'klxBenchBulkHRb2',
		path: 'bench-bulk-http-request-batch-20-50',
	},
	{
		key: 'http-batch-50',
		kind: 'http',
		label: 'HTTP Request, batching 50 items / 50 ms (≈ 50 in flight)',
		options: { batching: { batch: { batchSize: 50, batchInterval: SEND_DELAY_MS } } },
		inFlightCap: 50,
		workflowId: 'klxBenchBulkHRb3',
		path: 'bench-bulk-http-request-batch-50-50',
	},
];

/**
 * A Traffic Light under load: the mock refuses with 429 and Retry-After beyond these (mode
 * 'rateLimited' on every endpoint, each request answered after SEND_DELAY_MS), and stores no lead
 * for a refused request.
 */
const RATE_LIMIT = { maxInFlight: 10, perSecond: 50 };

/** 1,000 leads against RATE_LIMIT: our node and HTTP Request, each at its defaults. */
const RATE_LIMITED = [
	{
		key: 'rl-ours',
		kind: 'ours',
		label: 'Traffic Light node, defaults (concurrency 5, Retry Attempts 3)',
		options: {},
		workflowId: 'klxBenchRateTL01',
		path: 'bench-rate-limited-traffic-light',
	},
	{
		key: 'rl-http',
		kind: 'http',
		label: 'HTTP Request, defaults',
		options: {},
		workflowId: 'klxBenchRateHR01',
		path: 'bench-rate-limited-http-request',
	},
	{
		key: 'rl-http-retry',
		kind: 'http',
		label: 'HTTP Request, Retry On Fail (its defaults: 3 tries, 1000 ms apart)',
		options: {},
		nodeSettings: { retryOnFail: true },
		workflowId: 'klxBenchRateHR02',
		path: 'bench-rate-limited-http-request-retry',
	},
];

function bulkWorkflow(config, mockOrigin) {
	const file = config.kind === 'ours' ? 'bulk-traffic-light.json' : 'bulk-http-request.json';
	const workflow = retarget(readWorkflow(file), mockOrigin);
	workflow.id = config.workflowId;
	workflow.name = `Bench: 1,000 leads, ${config.label}`;
	const webhook = nodeNamed(workflow, 'Webhook');
	webhook.parameters.path = config.path;
	// Every workflow needs its own webhook id and node ids; derive them from the key.
	const suffix = Buffer.from(config.key).toString('hex').slice(-8).padStart(8, '0');
	webhook.webhookId = `6c0b1e2a-4d3f-4a8b-9c1d-0000${suffix}`;
	workflow.nodes = workflow.nodes.map((n, i) => ({ ...n, id: `7d1c2f3b-5e4a-4b9c-8d2e-${suffix}000${i}` }));
	const send = nodeNamed(workflow, 'Send');
	if (config.kind === 'ours') send.parameters.options = config.options ?? { concurrency: config.concurrency };
	else send.parameters.options = config.options;
	Object.assign(send, config.nodeSettings);
	return workflow;
}

/** Every workflow the benchmark imports, pointed at the mock. */
function allWorkflows(mockOrigin) {
	const webhookFlows = FLOWS.map((flow) => {
		if (flow.file) return retarget(readWorkflow(flow.file), mockOrigin);
		return flow.derive(retarget(readWorkflow(flow.derivedFrom), mockOrigin));
	});
	return [...webhookFlows, ...[...BULK, ...RATE_LIMITED].map((config) => bulkWorkflow(config, mockOrigin))];
}

function allWorkflowIds() {
	return [...FLOWS.map((f) => f.workflowId), ...[...BULK, ...RATE_LIMITED].map((b) => b.workflowId)];
}

/** Leads the mock stored for one bulk run (items `bulk-<tag>-<i>`): how many items got one, how many got more. */
function storedLeads(mock, tag, count) {
	const prefix = `bulk-${tag}-`;
	const perItem = new Map();
	for (const lead of mock.leads) {
		if (lead.id2?.startsWith(prefix)) perItem.set(lead.id2, (perItem.get(lead.id2) ?? 0) + 1);
	}
	const delivered = perItem.size;
	return { delivered, lost: count - delivered, duplicated: [...perItem.values()].reduce((sum, n) => sum + n - 1, 0) };
}

/**
 * Order and completeness of one bulk run at the mock. Items are `bulk-<tag>-<i>`.
 * - lost / duplicated: against the expected 0..n-1
 * - overtaken: for each item, how many items with a higher index reached the
 *   mock before it. 0 everywhere = the mock saw exactly the input order. With
 *   k requests in flight a later item can overtake an earlier one that is
 *   still on the wire; the node keeps at most k in flight, so the maximum is
 *   expected below k.
 * - peakInFlight: most sends inside any window of the mock's answer delay
 *   (each is answered SEND_DELAY_MS after it arrives, so that is how many the
 *   mock held at once).
 */
function mockOrder(mock, tag, count) {
	const sends = mock.requestsTo('send');
	const prefix = `bulk-${tag}-`;
	const indexes = sends.map((r) => {
		const id = r.form.id ?? '';
		return id.startsWith(prefix) ? Number(id.slice(prefix.length)) : -1;
	});
	const seen = new Set();
	let duplicated = 0;
	let foreign = 0;
	for (const i of indexes) {
		if (!(i >= 0 && i < count)) foreign++;
		else if (seen.has(i)) duplicated++;
		else seen.add(i);
	}
	const lost = count - seen.size;
	// Count, for each arrival, how many higher indexes arrived before it (Fenwick tree).
	const tree = new Array(count + 1).fill(0);
	const add = (i) => {
		for (let x = i + 1; x <= count; x += x & -x) tree[x]++;
	};
	const countUpTo = (i) => {
		let s = 0;
		for (let x = i + 1; x > 0; x -= x & -x) s += tree[x];
		return s;
	};
	let arrived = 0;
	let maxOvertaken = 0;
	let overtakenItems = 0;
	for (const i of indexes) {
		if (!(i >= 0 && i < count)) continue;
		const higherBefore = arrived - countUpTo(i);
		if (higherBefore > 0) overtakenItems++;
		if (higherBefore > maxOvertaken) maxOvertaken = higherBefore;
		add(i);
		arrived++;
	}
	const times = sends.map((r) => r.receivedAt).sort((a, b) => a - b);
	let peakInFlight = 0;
	for (let lo = 0, hi = 0; hi < times.length; hi++) {
		while (times[hi] - times[lo] >= SEND_DELAY_MS) lo++;
		peakInFlight = Math.max(peakInFlight, hi - lo + 1);
	}
	return {
		sends: sends.length,
		feedCalls: mock.requestsTo('feed').length,
		lost,
		duplicated,
		foreign,
		strictOrder: overtakenItems === 0,
		overtakenItems,
		maxOvertaken,
		peakInFlight,
		firstToLastSendMs: times.length ? times[times.length - 1] - times[0] : NaN,
		firstSendAt: times.length ? times[0] : NaN,
		lastSendAt: times.length ? times[times.length - 1] : NaN,
		feedAt: mock.requestsTo('feed').map((r) => r.receivedAt),
	};
}

/**
 * The sending node's run on one time line (n8n and the mock share the
 * machine's clock): from the node's start to its first lead-feed look-up
 * (reading every item's parameters), the look-ups, then from the first send
 * to the last, then to the node's end (the last answer and the output).
 */
function schedule(nodeStartMs, nodeMs, atMock) {
	const start = nodeStartMs;
	const feeds = atMock.feedAt;
	const firstFeed = feeds.length ? Math.min(...feeds) : NaN;
	const lastFeed = feeds.length ? Math.max(...feeds) : NaN;
	return {
		beforeFirstSendMs: atMock.firstSendAt - start,
		// Parameters are read for all items before the first request our node makes.
		beforeFirstRequestMs: (feeds.length ? firstFeed : atMock.firstSendAt) - start,
		feedLookupsMs: feeds.length ? atMock.firstSendAt - firstFeed : 0,
		feedLookups: feeds.length,
		lastFeedToFirstSendMs: feeds.length ? atMock.firstSendAt - lastFeed : NaN,
		sendingMs: atMock.lastSendAt - atMock.firstSendAt,
		afterLastSendMs: start + nodeMs - atMock.lastSendAt,
	};
}

/**
 * The node's output, item by item: same count and order as the input, each
 * item paired with its input, and each answer the lead the mock stored for
 * exactly that input item.
 */
function outputOrder(output, mock, tag, count, kind) {
	const prefix = `bulk-${tag}-`;
	const leadsById = new Map(mock.leads.map((lead) => [String(lead.id), lead]));
	let mismatched = 0;
	let errors = 0;
	const firstProblems = [];
	output.forEach((item, i) => {
		const json = item.json ?? {};
		const pairedOk = item.pairedItem === undefined || (item.pairedItem.item ?? item.pairedItem) === i;
		const trafficLightId = kind === 'ours' ? json.trafficLightId : json.id;
		const lead = leadsById.get(String(trafficLightId));
		const expectedId = `${prefix}${i}`;
		const ok = pairedOk && lead !== undefined && lead.fields.id === expectedId && (kind !== 'ours' || json.leadId === expectedId);
		if (json.error || item.error) errors++;
		if (!ok) {
			mismatched++;
			if (firstProblems.length < 3) firstProblems.push({ index: i, json: JSON.stringify(json).slice(0, 200), lead: lead?.fields?.id });
		}
	});
	return { items: output.length, missing: count - output.length, mismatched, errors, inOrder: output.length === count && mismatched === 0, firstProblems };
}

module.exports = {
	FLOWS,
	BULK,
	RATE_LIMIT,
	RATE_LIMITED,
	TOKEN,
	SEND_DELAY_MS,
	allWorkflows,
	allWorkflowIds,
	mockOrder,
	outputOrder,
	schedule,
	storedLeads,
	WORKFLOW_DIR,
};
