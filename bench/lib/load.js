'use strict';
// The load generator, run as a CHILD process of bench/run.js so that its CPU
// use is not mixed into the process that hosts the Traffic Light mock, and so
// n8n sees ordinary TCP clients.
//
//   node bench/lib/load.js '<json>'
//   json: { url, connections, amount, firstIndex, token? }
//
// Every call is a realistic Klientiks "appointment created" GET (Cyrillic, a
// hand-typed phone) with its own client/appointment id, so every call makes a
// distinct lead (the Lead ID is built from the appointment id). Prints one
// JSON line: exact latency percentiles from every response time (autocannon's
// own summary has no p95), calls/s, status counts and errors.
const autocannon = require('autocannon');
const { eventParams } = require('../../scripts/lib/klientiksCalls');

function percentile(sorted, p) {
	if (sorted.length === 0) return NaN;
	const rank = Math.ceil((p / 100) * sorted.length) - 1;
	return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)];
}

function main() {
	const config = JSON.parse(process.argv[2]);
	const target = new URL(config.url);
	let next = config.firstIndex;
	const pathFor = (n) => {
		const pairs = eventParams('appointment_created', n);
		if (config.token !== undefined) pairs.push(['token', config.token]);
		return `${target.pathname}?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
	};
	const times = [];
	const statuses = {};
	const started = process.hrtime.bigint();
	const instance = autocannon(
		{
			url: target.origin,
			connections: config.connections,
			amount: config.amount,
			timeout: 60,
			requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: pathFor(next++) }) }],
		},
		(error, result) => {
			const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
			if (error) {
				process.stdout.write(`${JSON.stringify({ ok: false, error: error.message })}\n`);
				process.exit(1);
			}
			times.sort((a, b) => a - b);
			process.stdout.write(
				`${JSON.stringify({
					ok: true,
					responses: times.length,
					elapsedMs,
					callsPerSecond: times.length / (elapsedMs / 1000),
					p50: percentile(times, 50),
					p95: percentile(times, 95),
					p99: percentile(times, 99),
					max: times[times.length - 1],
					statuses,
					errors: result.errors,
					timeouts: result.timeouts,
					non2xx: result.non2xx,
					lastIndex: next - 1,
				})}\n`,
			);
		},
	);
	instance.on('response', (_client, statusCode, _bytes, responseTime) => {
		times.push(responseTime);
		statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
	});
}

main();
