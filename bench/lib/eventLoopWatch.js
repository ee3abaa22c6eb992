'use strict';
// What a piece of work costs the event loop while it runs: the longest turn
// (a setImmediate ticker; garbage collection included), the time and the heap
// added at its peak.
const { performance } = require('node:perf_hooks');

/** Starts watching; `stop()` returns { longestTurnMs, ms, heapAddedMb }. */
function watchEventLoop() {
	if (global.gc) global.gc();
	const heapBefore = process.memoryUsage().heapUsed;
	let heapPeak = heapBefore;
	let last = performance.now();
	let longest = 0;
	let running = true;
	const tick = () => {
		const now = performance.now();
		longest = Math.max(longest, now - last);
		last = now;
		heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
		if (running) setImmediate(tick);
	};
	setImmediate(tick);
	const started = performance.now();
	return {
		stop() {
			const ms = performance.now() - started;
			running = false;
			longest = Math.max(longest, performance.now() - last);
			heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
			return { longestTurnMs: longest, ms, heapAddedMb: (heapPeak - heapBefore) / 1024 / 1024 };
		},
	};
}

module.exports = { watchEventLoop };
