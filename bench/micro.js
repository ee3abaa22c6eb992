'use strict';
// Own CPU per item, in-process: the compiled code of the package (dist/, as
// `npm run build` writes it and as it ships in the tarball), timed in a loop
// in plain Node — no n8n around it, so the figure is our code alone.
//
//   node bench/micro.js [packageRoot] [--json]
//
// packageRoot defaults to the repository (its dist/). bench/run.js passes the
// unpacked tarball it installs into n8n, so a rebuild running at the same
// time cannot swap the code under the benchmark.
//
// Measured per item (5 interleaved runs after a warm-up):
//   trigger  webhook()          the Klientiks Trigger's whole handler for one call:
//                               decode the raw query, check the secret token, map to the typed item
//   trigger  decode             readIncomingRequest alone (query decoding incl. encoding detection)
//   trigger  map                decideEvent + buildPresetItem alone (typing, phone normalising, lead id)
//   send     build+validate     buildLeadForm for one lead as the example workflow maps it
const path = require('node:path');
const { eventParams, encodeCp1251 } = require('../test/e2e/lib/klientiksCalls');
const { summary, withSpread } = require('./lib/stats');

const RUNS = 5;
const TOKEN = 'bench-secret-token-0001';

function load(root) {
	const dist = path.join(root, 'dist');
	return {
		KlientiksTrigger: require(path.join(dist, 'nodes/KlientiksTrigger/KlientiksTrigger.node.js')).KlientiksTrigger,
		eventItem: require(path.join(dist, 'nodes/KlientiksTrigger/eventItem.js')),
		webhookRequest: require(path.join(dist, 'nodes/shared/webhookRequest.js')),
		validation: require(path.join(dist, 'nodes/TrafficLight/validation.js')),
	};
}

/** The parts of IWebhookFunctions the trigger reads, as n8n hands them over for a GET. */
function webhookContext(rawQuery) {
	const request = {
		method: 'GET',
		originalUrl: `/webhook/6c0b1e2a-4d3f-4a8b-9c1d-00000000b001/webhook?${rawQuery}`,
		headers: { host: '127.0.0.1' },
	};
	const parameters = { events: ['appointment_created'], secretToken: TOKEN };
	return {
		getRequestObject: () => request,
		getQueryData: () => ({}),
		getBodyData: () => ({}),
		getNodeParameter: (name, fallback) => parameters[name] ?? fallback,
		getResponseObject: () => {
			throw new Error('the benchmark call must not be rejected');
		},
		getNode: () => ({ name: 'Klientiks Trigger' }),
	};
}

/**
 * Times every benchmark RUNS times, interleaved (run 1 of each, then run 2 of
 * each, …) after all have been warmed up, so JIT and GC state is shared
 * fairly instead of favouring whichever runs first. µs per call.
 */
function timeAll(benchmarks) {
	for (const { fn, iterations } of Object.values(benchmarks)) {
		for (let i = 0; i < Math.min(iterations, 20000); i++) fn(i); // warm-up: let the JIT settle
	}
	const perCall = Object.fromEntries(Object.keys(benchmarks).map((key) => [key, []]));
	let sink = 0;
	for (let run = 0; run < RUNS; run++) {
		for (const [key, { fn, iterations }] of Object.entries(benchmarks)) {
			const started = process.hrtime.bigint();
			for (let i = 0; i < iterations; i++) sink += fn(i) ? 1 : 0;
			perCall[key].push(Number(process.hrtime.bigint() - started) / 1000 / iterations);
		}
	}
	if (sink < 0) process.stdout.write(''); // keeps the results alive for the optimiser
	return Object.fromEntries(Object.entries(perCall).map(([key, values]) => [key, summary(values)]));
}

async function measure(root) {
	const { KlientiksTrigger, eventItem, webhookRequest, validation } = load(root);
	const trigger = new KlientiksTrigger();
	const utf8Query = [...eventParams('appointment_created', 7), ['token', TOKEN]]
		.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
		.join('&');
	const cp1251Query = encodeCp1251([...eventParams('appointment_created', 7), ['token', TOKEN]]);
	const utf8 = webhookContext(utf8Query);
	const cp1251 = webhookContext(cp1251Query);

	// Sanity: the handler accepts the call and maps it; a benchmark of a rejection would be meaningless.
	const probe = await trigger.webhook.call(utf8);
	const item = probe.workflowData?.[0]?.[0]?.json;
	if (!item || item.leadId !== 'klx-appointment-918207' || item.client.phone !== '+7 (999) 123-45-67') {
		throw new Error(`the trigger did not map the benchmark call as expected: ${JSON.stringify(probe).slice(0, 300)}`);
	}
	const probe1251 = await trigger.webhook.call(cp1251);
	if (probe1251.workflowData?.[0]?.[0]?.json?.client?.name !== 'Анна Сергеевна Иванова') {
		throw new Error('the trigger did not decode the cp1251 benchmark call');
	}

	// The send node's input for this call, as the example workflow's expressions resolve it.
	const leadInput = {
		offerId: '12345',
		phone: item.client.phone,
		country: 'RU',
		additionalFields: {
			leadId: item.leadId,
			name: item.client.name,
			comments: `Booked in Klientiks: ${item.appointment.services}, ${item.appointment.start}`,
			sub1: item.event,
		},
	};
	const built = validation.buildLeadForm(leadInput);
	if (!built.ok || built.form.id !== 'klx-appointment-918207') throw new Error(`buildLeadForm refused the benchmark lead: ${JSON.stringify(built)}`);

	// webhook() is async; its body runs synchronously to the end (it awaits nothing),
	// so calling it in a loop times the work, not the event loop.
	const request = webhookRequest.readIncomingRequest(utf8);
	const results = timeAll({
		triggerWebhookUtf8: { fn: () => trigger.webhook.call(utf8), iterations: 50000 },
		triggerWebhookCp1251: { fn: () => trigger.webhook.call(cp1251), iterations: 50000 },
		triggerDecode: { fn: () => webhookRequest.readIncomingRequest(utf8), iterations: 50000 },
		triggerMap: {
			fn: () => {
				const reader = new webhookRequest.ParameterReader(request.values);
				const decision = eventItem.decideEvent(['appointment_created'], eventItem.readEventMarker(reader));
				return eventItem.buildPresetItem(decision.preset, request, reader);
			},
			iterations: 50000,
		},
		sendBuildValidate: { fn: () => validation.buildLeadForm(leadInput), iterations: 200000 },
	});
	return { node: process.version, root, runs: RUNS, results };
}

const LABELS = {
	triggerWebhookUtf8: 'Klientiks Trigger webhook() — decode + token check + map (UTF-8 call)',
	triggerWebhookCp1251: 'Klientiks Trigger webhook() — same call in cp1251',
	triggerDecode: '  of which: decode the query (readIncomingRequest)',
	triggerMap: '  of which: map to the typed item (buildPresetItem)',
	sendBuildValidate: 'Traffic Light Send — build + validate one lead (buildLeadForm)',
};

module.exports = { measure, LABELS };

if (require.main === module) {
	const args = process.argv.slice(2);
	const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(__dirname, '..'));
	measure(root)
		.then((out) => {
			if (args.includes('--json')) {
				process.stdout.write(`${JSON.stringify(out)}\n`);
				return;
			}
			process.stdout.write(`Own CPU per item (µs, median of ${out.runs} runs, min–max), Node ${out.node}, ${out.root}/dist\n`);
			for (const [key, label] of Object.entries(LABELS)) {
				process.stdout.write(`${withSpread(out.results[key], 2).padStart(24)}  ${label}\n`);
			}
		})
		.catch((error) => {
			process.stderr.write(`${error.stack || error}\n`);
			process.exit(1);
		});
}
