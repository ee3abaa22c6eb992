import { TrafficLightMock } from '../../scripts/lib/trafficLightMock';
import { contextFor, items, run, sendParameters } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	await mock.stop();
});

/** Counts the node's getNodeParameter calls per parameter name. */
function countReads(ctx: ReturnType<typeof contextFor>): Map<string, number> {
	const reads = new Map<string, number>();
	const read = ctx.getNodeParameter.bind(ctx);
	ctx.getNodeParameter = ((name: string, ...rest: unknown[]) => {
		reads.set(name, (reads.get(name) ?? 0) + 1);
		return (read as (...args: unknown[]) => unknown)(name, ...rest);
	}) as typeof ctx.getNodeParameter;
	return reads;
}

describe('Lead → Send reads a parameter without an expression once per run', () => {
	it('reads fixed values once and expressions for every item, and each item still gets its own value', async () => {
		const ctx = contextFor(
			mock,
			sendParameters({
				phone: (i: number) => `+7 999 000-00-0${i}`,
				additionalFields: (i: number) => ({ leadId: `lead-${i}` }),
				options: { concurrency: 2 },
			}),
			{ items: items(4) },
		);
		const reads = countReads(ctx);
		const out = await run(ctx);
		expect(out.map((o) => o.json.leadId)).toEqual(['lead-0', 'lead-1', 'lead-2', 'lead-3']);
		expect(mock.leads.map((l) => l.fields.phone).sort()).toEqual(['+7 999 000-00-00', '+7 999 000-00-01', '+7 999 000-00-02', '+7 999 000-00-03']);
		expect(reads.get('offerId')).toBe(1);
		expect(reads.get('country')).toBe(1);
		expect(reads.get('options')).toBe(1);
		expect(reads.get('phone')).toBe(4);
		expect(reads.get('additionalFields')).toBe(4);
	});

	it('does not keep a read that failed: every item fails on its own', async () => {
		const ctx = contextFor(mock, sendParameters(), { items: items(3), continueOnFail: true });
		const read = ctx.getNodeParameter.bind(ctx);
		ctx.getNodeParameter = ((name: string, ...rest: unknown[]) => {
			if (name === 'offerId') throw new Error('Offer ID could not be read');
			return (read as (...args: unknown[]) => unknown)(name, ...rest);
		}) as typeof ctx.getNodeParameter;
		const out = await run(ctx);
		const failures = out.map((o) => {
			const error = o.error as (Error & { context?: { itemIndex?: number } }) | undefined;
			return [o.pairedItem, error?.context?.itemIndex, error?.message];
		});
		expect(failures).toEqual([0, 1, 2].map((i) => [{ item: i }, i, 'Offer ID could not be read']));
		expect(mock.leads).toHaveLength(0);
	});
});
