'use strict';
// Sums a V8 CPU profile of the n8n process into a few categories a reader can
// act on. Each sample is charged to the first frame, walking from the leaf up,
// that matches a category — so time in n8n-workflow's expression code called
// by our node counts as "parameters", and time in our own files counts as
// "our package".
const fs = require('node:fs');

const CATEGORIES = [
	['credentials: load from the database and decrypt', /credentials-helper|getCredentials|encryption\/cipher|credentials\.js/],
	['database (execution saving, credential queries)', /@n8n\/typeorm|node_modules\/sqlite3|repositories\//],
	['expression runtime (n8n 2.x: its engines and isolates)', /node_modules\/@n8n\/expression-runtime\/|node_modules\/isolated-vm\//],
	['parameters and expressions (n8n-workflow)', /node_modules\/n8n-workflow\//],
	['HTTP client (n8n request helper, axios, sockets)', /request-helper-functions|node_modules\/axios|follow-redirects|form-data|node:_http|node:net|node:internal\/(http|net|stream)|@sentry\//],
	['our package code', /node_modules\/n8n-nodes-klientiks-traffic-light\//],
	['n8n-nodes-base code', /node_modules\/n8n-nodes-base\//],
	['execution data copying / serialising', /flatted|deepCopy|structuredClone/],
];
const OTHER = 'rest of n8n and Node (workflow engine, event loop, …)';
const GC = 'garbage collection';

/** @returns {{ busyMs: number, idleMs: number, byCategory: Record<string, number> }} in ms */
function summarizeProfile(file) {
	const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
	if (profile.error) throw new Error(`profiler: ${profile.error}`);
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map();
	for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
	const categoryOf = new Map();
	const classify = (id) => {
		if (categoryOf.has(id)) return categoryOf.get(id);
		const frame = byId.get(id).callFrame;
		let category;
		// The profiler's own stop (the SIGUSR2 handler of cpuProfilePreload.js) is not n8n's work.
		if (frame.functionName === '(idle)' || frame.url.endsWith('cpuProfilePreload.js')) category = 'idle';
		else if (frame.functionName === '(garbage collector)') category = GC;
		else if (frame.functionName === '(program)') category = OTHER;
		else {
			const text = `${frame.url} ${frame.functionName}`;
			const hit = frame.url ? CATEGORIES.find(([, re]) => re.test(text)) : undefined;
			if (hit) category = hit[0];
			else category = parent.has(id) ? classify(parent.get(id)) : OTHER;
		}
		categoryOf.set(id, category);
		return category;
	};
	const totals = {};
	profile.samples.forEach((id, i) => {
		const dt = (profile.timeDeltas[i] ?? 0) / 1000;
		const category = classify(id);
		totals[category] = (totals[category] ?? 0) + dt;
	});
	const idleMs = totals.idle ?? 0;
	delete totals.idle;
	const busyMs = Object.values(totals).reduce((a, b) => a + b, 0);
	const byCategory = {};
	for (const name of [...CATEGORIES.map(([n]) => n), GC, OTHER]) if (totals[name]) byCategory[name] = totals[name];
	return { busyMs, idleMs, byCategory };
}

module.exports = { summarizeProfile };
