'use strict';
// Own CPU per item, in-process: the compiled code of the package (dist/, as
// `npm run build` writes it and as it ships in the tarball), timed in a loop
// in plain Node — no n8n around it, so the figure is our code alone.
//
//   node bench/micro.js [packageRoot] [--json] [--only=<benchmark>]
//
// packageRoot defaults to the repository (its dist/). bench/run.js passes the
// unpacked tarball it installs into n8n, so a rebuild running at the same
// time cannot swap the code under the benchmark.
//
// Measured per item, each in a fresh process (5 timed runs after a warm-up):
//   trigger  webhook()          the Klientiks Trigger's whole handler for one call:
//                               decode the raw query, check the secret token, map to the typed item
//                               (a UTF-8 call and the same call in cp1251), each call a new one
//                               that the repeat door remembers, as by default
//   trigger  repeat at the door the same production call again: token check, hash, look-up, answer
//   send     build+validate     buildLeadForm for one lead as the example workflow maps it
//
// There is no finer breakdown on purpose: timed alone, parts of webhook()
// settle at different speeds from one process to the next (V8 optimisation
// decisions), while the whole is steady; a "part" larger than its whole would
// only mislead. bench/README.md lists what each optimisation of the handler
// bought, measured part by part.
const path = require('node:path');
const { eventParams, encodeCp1251 } = require('../scripts/lib/klientiksCalls');
const { summary, withSpread } = require('./lib/stats');

const RUNS = 5;
const TOKEN = 'bench-secret-token-0001';

function load(root) {
	const dist = path.join(root, 'dist');
	return {
		KlientiksTrigger: require(path.join(dist, 'nodes/KlientiksTrigger/KlientiksTrigger.node.js')).KlientiksTrigger,
		validation: require(path.join(dist, 'nodes/TrafficLight/leadRules.js')),
	};
}

/**
 * The parts of IWebhookFunctions the trigger reads, as n8n hands them over for
 * a production GET. `workflowId` is called per call: a new id makes every call
 * a first call (remembered by the repeat door, as by default), a fixed one
 * makes every call after the first a repeat.
 */
function webhookContext(rawQuery, workflowId) {
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
		getNode: () => ({ id: 'b0b0b0b0-0000-4000-8000-00000000b001', name: 'Klientiks Trigger' }),
		getMode: () => 'webhook',
		getWorkflow: () => ({ id: workflowId() }),
	};
}

/**
 * Times each benchmark RUNS times after a warm-up; µs per call. The loop
 * yields to the event loop every 1,000 calls: webhook() is async, and
 * without the pause 50,000 settled promises and their items would pile up in
 * the microtask queue until the loop ends, and the garbage collector's work
 * on that heap — not ours — would dominate the figure.
 */
async function timeAll(benchmarks) {
	const CHUNK = 1000;
	const loop = async (fn, iterations) => {
		let sink = 0;
		for (let i = 0; i < iterations; i++) {
			sink += fn(i) ? 1 : 0;
			if (i % CHUNK === CHUNK - 1) await new Promise((resolve) => setImmediate(resolve));
		}
		return sink;
	};
	for (const { fn, iterations } of Object.values(benchmarks)) await loop(fn, Math.min(iterations, 20000)); // warm-up
	const perCall = Object.fromEntries(Object.keys(benchmarks).map((key) => [key, []]));
	for (let run = 0; run < RUNS; run++) {
		for (const [key, { fn, iterations }] of Object.entries(benchmarks)) {
			const started = process.hrtime.bigint();
			await loop(fn, iterations);
			perCall[key].push(Number(process.hrtime.bigint() - started) / 1000 / iterations);
		}
	}
	return Object.fromEntries(Object.entries(perCall).map(([key, values]) => [key, summary(values)]));
}

/** Times one benchmark (`only`) in this process; see measureAll for why one at a time. */
async function measure(root, only) {
	const { KlientiksTrigger, validation } = load(root);
	const trigger = new KlientiksTrigger();
	const utf8Query = [...eventParams('appointment_created', 7), ['token', TOKEN]]
		.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
		.join('&');
	const cp1251Query = encodeCp1251([...eventParams('appointment_created', 7), ['token', TOKEN]]);
	let calls = 0;
	const newCall = () => `bench-${++calls}`;
	const utf8 = webhookContext(utf8Query, newCall);
	const cp1251 = webhookContext(cp1251Query, newCall);
	const repeated = webhookContext(utf8Query, () => 'bench-repeats');

	// Sanity: the handler accepts the call and maps it; a benchmark of a rejection would be meaningless.
	const probe = await trigger.webhook.call(utf8);
	const item = probe.workflowData?.[0]?.[0]?.json;
	if (!item || item.leadId !== 'klx-appointment-918207' || item.client.phone !== '+7 (999) 123-45-67') {
		throw new Error(`the trigger did not map the benchmark call as expected: ${JSON.stringify(probe).slice(0, 300)}`);
	}
	if (only === 'triggerWebhookCp1251') {
		const probe1251 = await trigger.webhook.call(cp1251);
		if (probe1251.workflowData?.[0]?.[0]?.json?.client?.name !== 'Анна Сергеевна Иванова') {
			throw new Error('the trigger did not decode the cp1251 benchmark call');
		}
	}

	if (only === 'triggerRepeatAtDoor') {
		await trigger.webhook.call(repeated);
		const again = await trigger.webhook.call(repeated);
		if (again.workflowData !== undefined || again.webhookResponse?.repeat !== true) {
			throw new Error(`the door did not answer the repeat: ${JSON.stringify(again).slice(0, 300)}`);
		}
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

	// webhook() is async, but its body runs synchronously to the end (it awaits
	// nothing), so calling it in a loop times the work, not the event loop.
	const benchmarks = {
		triggerWebhookUtf8: { fn: () => trigger.webhook.call(utf8), iterations: 50000 },
		triggerWebhookCp1251: { fn: () => trigger.webhook.call(cp1251), iterations: 50000 },
		triggerRepeatAtDoor: { fn: () => trigger.webhook.call(repeated), iterations: 50000 },
		sendBuildValidate: { fn: () => validation.buildLeadForm(leadInput), iterations: 200000 },
	};
	if (!benchmarks[only]) throw new Error(`no benchmark "${only}"; known: ${Object.keys(benchmarks).join(', ')}`);
	const results = await timeAll({ [only]: benchmarks[only] });
	return { node: process.version, root, runs: RUNS, results };
}

const LABELS = {
	triggerWebhookUtf8: 'Klientiks Trigger webhook() — decode + token check + map (UTF-8 call)',
	triggerWebhookCp1251: 'Klientiks Trigger webhook() — same call in cp1251',
	triggerRepeatAtDoor: 'Klientiks Trigger webhook() — a repeat answered at the door (token check + hash + look-up)',
	sendBuildValidate: 'Traffic Light Send — build + validate one lead (buildLeadForm)',
};

/**
 * Every benchmark in a fresh Node process of its own, so no figure depends on
 * the JIT and GC state another benchmark left behind (in one process the
 * UTF-8 call got slower after cp1251 calls had run).
 */
function measureAll(root) {
	const { execFileSync } = require('node:child_process');
	const results = {};
	let node = process.version;
	for (const key of Object.keys(LABELS)) {
		const out = execFileSync(process.execPath, [__filename, root, '--json', `--only=${key}`], { encoding: 'utf8', env: process.env });
		const one = JSON.parse(out.trim().split('\n').pop());
		results[key] = one.results[key];
		node = one.node;
	}
	return { node, root, runs: RUNS, results };
}

module.exports = { measure, measureAll, LABELS };

if (require.main === module) {
	const args = process.argv.slice(2);
	const root = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(__dirname, '..'));
	const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
	(only ? measure(root, only) : Promise.resolve(measureAll(root)))
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
