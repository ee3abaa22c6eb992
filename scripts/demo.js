'use strict';
// `npm run demo`: while `npm start` runs, send one realistic Klientiks call of
// every event to its production webhook, wait until the executions those calls
// started have ended, then show the leads the Traffic Light mock holds. The
// window running `npm start` prints them too, as they arrive.
//
// The example workflow listens to "Appointment Created" and "Client Added";
// the other two events are answered 200 without starting anything — on
// purpose, that is how a trigger ignores events it is not set up for.
//
// Then a catch-up: a client is added only in the Klientiks API mock, with no
// webhook call (as when n8n was down or has no public address). The catch-up
// example's Klientiks Catch-up Trigger reads the API every minute: its lead
// arrives within that interval, with the Lead ID the webhook would have given.
const fs = require('node:fs');
const path = require('node:path');
const { cacheRoot } = require('./n8n-runtime');
const { demoCalls } = require('./lib/klientiksCalls');
const { IDS } = require('./lib/workflows');
const { waitFor } = require('./lib/net');

/** Long enough for a send the mock answers at once, or a real Traffic Light answering in seconds. */
const EXECUTIONS_DEADLINE_MS = 60000;
/** The catch-up polls every minute, at a random second: one interval, plus the poll and the send. */
const CATCH_UP_DEADLINE_MS = 90000;

/** An example workflow's executions (newest first, at most 100: the demo only needs its own few). */
async function executions(state, workflowId = IDS.main) {
	const url = `${state.editorUrl}/api/v1/executions?workflowId=${workflowId}&limit=100&includeData=false`;
	const res = await fetch(url, { headers: { 'X-N8N-API-KEY': state.n8nApiKey } });
	if (res.status !== 200) throw new Error(`GET ${url} → HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
	return (await res.json()).data;
}

/** n8n 1.x lists running executions without a status; both list a finished one with stoppedAt. */
const ended = (execution) => Boolean(execution.stoppedAt) && !['new', 'running', 'waiting'].includes(execution.status);

function parseJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return {};
	}
}

async function main() {
	const stateFile = path.join(cacheRoot(), 'start-state.json');
	if (!fs.existsSync(stateFile)) {
		process.stderr.write('Nothing to send to: start the local n8n first with `npm start` (in another terminal).\n');
		process.exit(1);
	}
	const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
	const before = new Set((await executions(state)).map((e) => String(e.id)));
	let started = 0;
	for (const call of demoCalls(state.webhookUrl)) {
		const res = await fetch(call.url).catch((error) => ({ status: 0, json: null, text: async () => error.message }));
		const text = await res.text();
		process.stdout.write(`${call.event.padEnd(20)} → HTTP ${res.status} ${text}\n`);
		const answer = res.status === 200 ? parseJson(text) : {};
		// The trigger answers `received` alone when it started an execution; `ignored` or `repeat` when not.
		if (answer.received === true && !answer.ignored && !answer.repeat) started++;
	}

	process.stdout.write(`\nWaiting for the ${started} execution(s) these calls started to end …\n`);
	const ours = await waitFor(
		`${started} execution(s) of the example workflow to end`,
		async () => {
			const list = (await executions(state)).filter((e) => !before.has(String(e.id)));
			return list.length >= started && list.every(ended) ? list : null;
		},
		{ timeoutMs: EXECUTIONS_DEADLINE_MS, intervalMs: 250 },
	);
	for (const e of ours.reverse()) process.stdout.write(`  execution ${e.id}: ${e.status ?? (e.finished ? 'success' : 'ended')}\n`);

	const leads = await fetch(`${state.mockUrl}/__mock/leads`).then((r) => r.json()).catch(() => null);
	if (Array.isArray(leads)) {
		process.stdout.write(`\nThe Traffic Light mock now holds ${leads.length} lead(s):\n`);
		for (const lead of leads) {
			process.stdout.write(`  #${lead.id}  id=${lead.id2}  ${lead.fields.name ?? ''}  ${lead.fields.phone}  ${lead.fields.comments ?? ''}\n`);
		}
	}
	await catchUp(state);
	process.stdout.write(`\nExecutions: ${state.editorUrl}/home/executions (log in with the account npm start printed)\n`);
}

/** A client added only in the Klientiks API (no webhook call); waits for its lead to come through the catch-up. */
async function catchUp(state) {
	if (!state.klientiksMockUrl) return;
	const before = new Set((await executions(state, IDS.catchUp)).map((e) => String(e.id)));
	const res = await fetch(`${state.klientiksMockUrl}/__mock/event/client`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ fields: { first_name: 'Вера', patron_name: 'Павловна', second_name: 'Орлова' } }),
	});
	if (res.status !== 200) throw new Error(`the Klientiks API mock did not add the client: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
	const { row } = await res.json();
	const leadId = `klx-client-${row.id}`;
	const t0 = Date.now();
	process.stdout.write(
		`\nCatch-up: client ${row.id} (${row.name}, ${row.phone}) added only in the Klientiks API, no webhook call.\n` +
			`Waiting for the catch-up trigger's next poll (every minute) to turn it into lead ${leadId} …\n`,
	);
	const lead = await waitFor(
		`lead ${leadId} at the Traffic Light mock`,
		async () => {
			const leads = await fetch(`${state.mockUrl}/__mock/leads`).then((r) => r.json());
			return Array.isArray(leads) && leads.find((l) => l.id2 === leadId);
		},
		{ timeoutMs: CATCH_UP_DEADLINE_MS, intervalMs: 1000 },
	);
	const polled = (await executions(state, IDS.catchUp)).filter((e) => !before.has(String(e.id)));
	process.stdout.write(
		`  lead #${lead.id}  id=${lead.id2}  ${lead.fields.name ?? ''}  ${lead.fields.phone}  after ${Math.round((Date.now() - t0) / 1000)} s` +
			` (execution ${polled.map((e) => `${e.id}, mode ${e.mode}`).join('; ') || 'listed soon'})\n`,
	);
}

main().catch((error) => {
	process.stderr.write(`${error.stack || error}\n`);
	process.exit(1);
});
