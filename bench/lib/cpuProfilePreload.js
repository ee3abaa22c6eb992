'use strict';
// Loaded into the n8n process with NODE_OPTIONS=--require (Node 20 does not
// allow --cpu-prof there). Does nothing until the benchmark sends SIGUSR2:
// the first signal starts V8's sampling profiler, the next one stops it and
// writes `profile-<n>.cpuprofile` into BENCH_CPU_PROFILE_DIR. Only the
// `n8n start` process profiles itself, not CLI commands or task runners.
const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir && process.argv.includes('start')) {
	const fs = require('node:fs');
	const path = require('node:path');
	const inspector = require('node:inspector');
	const session = new inspector.Session();
	session.connect();
	session.post('Profiler.enable');
	let running = false;
	let count = 0;
	process.on('SIGUSR2', () => {
		if (!running) {
			running = true;
			session.post('Profiler.start');
			return;
		}
		running = false;
		session.post('Profiler.stop', (error, result) => {
			const file = path.join(dir, `profile-${++count}.cpuprofile`);
			fs.writeFileSync(`${file}.tmp`, error ? JSON.stringify({ error: String(error) }) : JSON.stringify(result.profile));
			fs.renameSync(`${file}.tmp`, file);
		});
	});
}
