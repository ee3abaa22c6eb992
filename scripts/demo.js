'use strict';
// `npm run demo`: while `npm start` runs, send one realistic Klientiks call of
// every event to its production webhook and show what came back. The window
// running `npm start` prints the leads the Traffic Light mock receives.
//
// The example workflow listens to "Appointment Created" and "Client Added";
// the other two events are answered 200 without starting anything — on
// purpose, that is how a trigger ignores events it is not set up for.
const fs = require('node:fs');
const path = require('node:path');
const { cacheRoot } = require('./n8n-runtime');
const { demoCalls } = require('./lib/klientiksCalls');

async function main() {
	const stateFile = path.join(cacheRoot(), 'start-state.json');
	if (!fs.existsSync(stateFile)) {
		process.stderr.write('Nothing to send to: start the local n8n first with `npm start` (in another terminal).\n');
		process.exit(1);
	}
	const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
	for (const call of demoCalls(state.webhookUrl)) {
		const res = await fetch(call.url).catch((error) => ({ status: 0, text: async () => error.message }));
		process.stdout.write(`${call.event.padEnd(20)} → HTTP ${res.status} ${await res.text()}\n`);
	}
	const leads = await fetch(`${state.mockUrl}/__mock/leads`).then((r) => r.json()).catch(() => null);
	if (Array.isArray(leads)) {
		process.stdout.write(`\nThe Traffic Light mock now holds ${leads.length} lead(s):\n`);
		for (const lead of leads) {
			process.stdout.write(`  #${lead.id}  id=${lead.id2}  ${lead.fields.name ?? ''}  ${lead.fields.phone}  ${lead.fields.comments ?? ''}\n`);
		}
	}
	process.stdout.write(`\nExecutions: ${state.editorUrl}/home/executions (log in with the account npm start printed)\n`);
}

main().catch((error) => {
	process.stderr.write(`${error.stack || error}\n`);
	process.exit(1);
});
