'use strict';
// What a piece of work costs the event loop while it runs: the longest turn
// (a setImmediate ticker; garbage collection included), the time and the heap
// added at its peak (and the process's peak RSS).
const { performance } = require('node:perf_hooks');

/** Starts watching; `stop()` returns { longestTurnMs, ms, heapAddedMb, heapPeakMb, rssPeakMb }. */
function watchEventLoop() {
	if (global.gc) global.gc();
	const heapBefore = process.memoryUsage().heapUsed;
	let heapPeak = heapBefore;
	let rssPeak = process.memoryUsage.rss();
	let last = performance.now();
	let longest = 0;
	let running = true;
	const tick = () => {
		const now = performance.now();
		longest = Math.max(longest, now - last);
		last = now;
		const memory = process.memoryUsage();
		heapPeak = Math.max(heapPeak, memory.heapUsed);
		rssPeak = Math.max(rssPeak, memory.rss);
		if (running) setImmediate(tick);
	};
	setImmediate(tick);
	const started = performance.now();
	return {
		stop() {
			const ms = performance.now() - started;
			running = false;
			longest = Math.max(longest, performance.now() - last);
			const memory = process.memoryUsage();
			heapPeak = Math.max(heapPeak, memory.heapUsed);
			rssPeak = Math.max(rssPeak, memory.rss);
			const mb = (bytes) => bytes / 1024 / 1024;
			return { longestTurnMs: longest, ms, heapAddedMb: mb(heapPeak - heapBefore), heapPeakMb: mb(heapPeak), rssPeakMb: mb(rssPeak) };
		},
	};
}

module.exports = { watchEventLoop };
