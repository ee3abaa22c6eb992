'use strict';
// Medians with their spread: every figure in the report is the median of the
// runs, shown with the lowest and highest run so the noise is visible.

function median(values) {
	const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** { median, min, max, runs } of the finite values. */
function summary(values) {
	const finite = values.filter((v) => Number.isFinite(v));
	return {
		median: median(finite),
		min: finite.length ? Math.min(...finite) : NaN,
		max: finite.length ? Math.max(...finite) : NaN,
		runs: finite.length,
	};
}

function round(value, digits) {
	if (!Number.isFinite(value)) return '—';
	const abs = Math.abs(value);
	const d = digits ?? (abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
	return value.toFixed(d);
}

/** "123 (118–130)": median, then the range of the runs. */
function withSpread(s, digits) {
	if (!s || !Number.isFinite(s.median)) return '—';
	if (s.runs < 2 || s.min === s.max) return round(s.median, digits);
	return `${round(s.median, digits)} (${round(s.min, digits)}–${round(s.max, digits)})`;
}

/** Exact percentile (nearest rank) of a sorted array. */
function percentile(sorted, p) {
	if (sorted.length === 0) return NaN;
	const rank = Math.ceil((p / 100) * sorted.length) - 1;
	return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)];
}

module.exports = { median, summary, round, withSpread, percentile };
