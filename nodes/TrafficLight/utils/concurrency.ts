/**
 * Runs task(0..count-1) with at most `limit` in flight and returns the results
 * by index, so the output order always equals the input order. Once
 * `shouldStop()` says so, no further task starts; tasks already running
 * finish (a request on the wire cannot be taken back), and the slots of tasks
 * that never started stay undefined.
 */
export async function runWithConcurrency<T>(
	count: number,
	limit: number,
	task: (index: number) => Promise<T>,
	shouldStop: () => boolean = () => false,
): Promise<Array<T | undefined>> {
	const results = new Array<T | undefined>(count).fill(undefined);
	let next = 0;
	const worker = async () => {
		while (next < count && !shouldStop()) {
			const index = next++;
			results[index] = await task(index);
		}
	};
	const workers = Math.max(1, Math.min(Math.floor(limit) || 1, count));
	await Promise.all(Array.from({ length: workers }, worker));
	return results;
}
