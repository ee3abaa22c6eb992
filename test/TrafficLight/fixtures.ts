import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { TrafficLight } from '../../nodes/TrafficLight/TrafficLight.node';
import { createExecuteContext, type ContextOptions, type ParamValue, type TestContext } from '../helpers/executeContext';
import { DEFAULT_KEY, TrafficLightMock } from '../../scripts/lib/trafficLightMock';

export { DEFAULT_KEY, TrafficLightMock };

export const node = new TrafficLight();

export function sendParameters(overrides: Record<string, ParamValue> = {}): Record<string, ParamValue> {
	return {
		resource: 'lead',
		operation: 'send',
		offerId: '1234',
		phone: '+7 (999) 123-45-67',
		country: 'RU',
		additionalFields: {},
		options: {},
		...overrides,
	};
}

export function contextFor(
	mock: TrafficLightMock,
	parameters: Record<string, ParamValue>,
	extra: Partial<ContextOptions> = {},
): TestContext {
	return createExecuteContext({
		parameters,
		credentials: { apiKey: DEFAULT_KEY, baseUrl: mock.baseUrl },
		...extra,
	});
}

export async function run(ctx: TestContext): Promise<INodeExecutionData[]> {
	const [out] = await node.execute.call(ctx);
	return out;
}

export async function runExpectingError(ctx: TestContext): Promise<Error & IDataObject> {
	try {
		await node.execute.call(ctx);
	} catch (error) {
		return error as Error & IDataObject;
	}
	throw new Error('expected the node to throw');
}

export function items(count: number): INodeExecutionData[] {
	return Array.from({ length: count }, (_, i) => ({ json: { n: i } }));
}
