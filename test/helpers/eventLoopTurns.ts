import { performance, PerformanceObserver } from 'node:perf_hooks';

/**
 * The longest turn of the event loop while `work` runs, in ms: the longest gap
 * between two runs of a setImmediate ticker, less the garbage collector's pauses
 * inside that gap (those are V8's, not a turn of ours, and swing on a loaded host).
 * The best of up to `runs` runs (it stops at the first under `enoughMs`), so that a host busy
 * with other processes does not decide.
 */
export async function longestTurnMs(work: () => Promise<unknown>, enoughMs: number, runs = 3): Promise<number> {
	let best = Infinity;
	for (let run = 0; run < runs && best >= enoughMs; run++) best = Math.min(best, await oneRun(work));
	return best;
}

async function oneRun(work: () => Promise<unknown>): Promise<number> {
	const pauses: Array<{ start: number; end: number }> = [];
	const observer = new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
	});
	observer.observe({ entryTypes: ['gc'] });
	const ticks: number[] = [];
	let running = true;
	const tick = () => {
		ticks.push(performance.now());
		if (running) setImmediate(tick);
	};
	tick();
	try {
		await work();
	} finally {
		running = false;
	}
	await new Promise((resolve) => setTimeout(resolve, 50));
	observer.disconnect();
	let longest = 0;
	for (let i = 1; i < ticks.length; i++) {
		const [from, to] = [ticks[i - 1], ticks[i]];
		let collected = 0;
		for (const pause of pauses) collected += Math.max(0, Math.min(to, pause.end) - Math.max(from, pause.start));
		longest = Math.max(longest, to - from - collected);
	}
	return longest;
}
