/**
 * How many cases a fast-check property tries. The default keeps the unit
 * suite quick; `PROPERTY_RUNS=full` (before a release, or after touching the
 * intake) runs the full counts.
 */
export function propertyRuns(quick: number, full: number): number {
	return process.env.PROPERTY_RUNS === 'full' ? full : quick;
}
