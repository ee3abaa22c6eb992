import { TrafficLightMock } from '../../scripts/lib/trafficLightMock';
import { contextFor, items, run, sendParameters } from './fixtures';

let mock: TrafficLightMock;
beforeEach(async () => {
	mock = await new TrafficLightMock().start();
});
afterEach(async () => {
	await mock.stop();
});

describe('Lead → Send with a parameter n8n cannot read', () => {
	it('fails every item on its own, with its index, and sends nothing', async () => {
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
