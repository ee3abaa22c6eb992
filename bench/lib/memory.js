'use strict';
// Resident memory of the n8n process, read from /proc while a scenario runs
// (one sampler per window: a phase and the scenarios inside it each have their own).
// VmHWM is the kernel's own peak since the process started; VmRSS sampled
// every 100 ms gives the peak inside one scenario. Task-runner children (the
// Code node runs there in n8n 1.x/2.x) are sampled too and reported apart.
const fs = require('node:fs');

function readStatusKb(pid, field) {
	try {
		const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
		return match ? Number(match[1]) : NaN;
	} catch {
		return NaN;
	}
}

function childrenOf(pid) {
	try {
		return fs
			.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
			.trim()
			.split(/\s+/)
			.filter(Boolean)
			.map(Number);
	} catch {
		return [];
	}
}

/** Every descendant of pid (the task runner and anything it forks). */
function descendantsOf(pid) {
	const out = [];
	const queue = childrenOf(pid);
	while (queue.length) {
		const child = queue.shift();
		out.push(child);
		queue.push(...childrenOf(child));
	}
	return out;
}

const MB = 1024;

class MemorySampler {
	constructor(pid, intervalMs = 100) {
		this.pid = pid;
		this.intervalMs = intervalMs;
		this.timer = null;
		this.peakKb = 0;
		this.childrenPeakKb = 0;
		this.startKb = NaN;
		this.tick = 0;
		this.children = [];
	}

	sample() {
		const rss = readStatusKb(this.pid, 'VmRSS');
		if (Number.isFinite(rss) && rss > this.peakKb) this.peakKb = rss;
		// Looking for children costs more than one status read; do it every 10th tick.
		if (this.tick++ % 10 === 0) this.children = descendantsOf(this.pid);
		let childKb = 0;
		for (const child of this.children) {
			const kb = readStatusKb(child, 'VmRSS');
			if (Number.isFinite(kb)) childKb += kb;
		}
		if (childKb > this.childrenPeakKb) this.childrenPeakKb = childKb;
	}

	/** Starts a window; the peak is reset. */
	start() {
		this.stop();
		this.peakKb = 0;
		this.childrenPeakKb = 0;
		this.startKb = readStatusKb(this.pid, 'VmRSS');
		this.sample();
		this.timer = setInterval(() => this.sample(), this.intervalMs);
		return this;
	}

	/** Ends the window: { startMb, peakMb, childrenPeakMb, hwmMb }. */
	stop() {
		if (this.timer) {
			clearInterval(this.timer);
			this.timer = null;
			this.sample();
		}
		return {
			startMb: this.startKb / MB,
			peakMb: this.peakKb / MB,
			childrenPeakMb: this.childrenPeakKb / MB,
			hwmMb: readStatusKb(this.pid, 'VmHWM') / MB,
		};
	}
}

module.exports = { MemorySampler, readStatusKb };
