// A parameter that only references an input field (`={{ $json.phone }}`, what the editor writes
// when a field is dragged in) is read from the item without n8n's expression engine. These tests
// hold that shortcut to n8n's own answer: every value read directly is compared with what
// n8n-workflow's expression engine gives for the same parameter and item, and every shape the
// shortcut does not cover must reach n8n.
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeParameters } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { fieldPathOf, parameterReader } from '../../nodes/TrafficLight/runParameters';
import { TrafficLightMock } from '../../scripts/lib/trafficLightMock';
import { trafficLightNode } from '../helpers/executeContext';
import { contextFor, run, sendParameters } from './fixtures';

const noTypes = { description: { properties: [] } };
const nodeTypes = { getByName: () => noTypes, getByNameAndVersion: () => noTypes, getKnownTypes: () => ({}) };

/** An execute context whose getNodeParameter is n8n-workflow's expression engine, counting its calls. */
function engineContext(parameters: INodeParameters, items: INodeExecutionData[]) {
	const node = trafficLightNode(parameters);
	// A copy for the Workflow: it rewrites the parameters of a node against the (here empty) type description.
	const workflow = new Workflow({ nodes: [{ ...node }], connections: {}, active: false, nodeTypes: nodeTypes as never });
	const engineReads: string[] = [];
	// As n8n's getNodeParameter: a dotted name reads an entry of a collection.
	const stored = (name: string) => name.split('.').reduce<unknown>((value, key) => (value as IDataObject | undefined)?.[key], parameters);
	const evaluate = (name: string, itemIndex: number) =>
		workflow.expression.getParameterValue(stored(name) as never, null, 0, itemIndex, node.name, items, 'manual', {}, undefined, false);
	const ctx = {
		getNode: () => node,
		getInputData: () => items,
		getNodeParameter: (name: string, itemIndex: number) => {
			engineReads.push(name);
			return evaluate(name, itemIndex);
		},
	} as unknown as IExecuteFunctions;
	return { ctx, engineReads, evaluate };
}

const item: IDataObject = {
	phone: '+7 (999) 123-45-67',
	name: 'Анна Петрова',
	seq: 0,
	amount: 1500.5,
	vip: false,
	empty: '',
	client: { phone: '+7 916 000-00-00', card: { number: 'A-17' } },
	'Phone number': '8 999 765-43-21',
	'dotted.key': 'dotted',
	nothing: null,
	list: ['a', 'b'],
	nested: { deep: { value: 7 } },
	caller: 'own field named like a sandboxed property',
	toJSON: 'x',
};

/** Read from the item directly, and equal to n8n's answer. */
const DIRECT = [
	'={{ $json.phone }}',
	'={{$json.phone}}',
	'={{   $json.name   }}',
	'={{ $json.seq }}',
	'={{ $json.amount }}',
	'={{ $json.vip }}',
	'={{ $json.empty }}',
	'={{ $json.client.phone }}',
	'={{ $json.client.card.number }}',
	'={{ $json["Phone number"] }}',
	"={{ $json['Phone number'] }}",
	'={{ $json["dotted.key"] }}',
	'={{ $json.client["card"].number }}',
	'={{ $json.nested.deep.value }}',
];

/** Left to n8n: anything that is not a plain field reference to a string, number or boolean. */
const TO_N8N = [
	'={{ $json.missing }}',
	'={{ $json.nothing }}',
	'={{ $json.client }}',
	'={{ $json.list }}',
	'={{ $json.list.length }}',
	'={{ $json.phone.length }}',
	'={{ $json.client.missing.deeper }}',
	'={{ $json.caller }}',
	'={{ $json.toJSON }}',
	'={{ $json.constructor }}',
	'={{ $json.__proto__ }}',
	'={{ $json.phone.trim() }}',
	'={{ $json.phone }} ',
	'={{ $json.phone }}{{ $json.name }}',
	'=+7 {{ $json.phone }}',
	'={{ $json.phone || "none" }}',
	'={{ $json }}',
	'={{ $json[0] }}',
	'={{ $json["a\\"b"] }}',
	'={{ $json["}}"] }}',
	'={{ $json.$phone }}',
	'={{ $input.item.json.phone }}',
	'{{ $json.phone }}',
	'+7 999 000-00-00',
];

describe('field references are read from the item, with the value n8n gives', () => {
	it.each(DIRECT)('%s is read directly and equals n8n', (stored) => {
		const items = [{ json: item }];
		const { ctx, engineReads, evaluate } = engineContext({ phone: stored }, items);
		const value = parameterReader(ctx)('phone', 0, '');
		expect(engineReads).toEqual([]);
		expect(value).toStrictEqual(evaluate('phone', 0));
		expect(['string', 'number', 'boolean']).toContain(typeof value);
	});

	it.each(TO_N8N)('%s is left to n8n', (stored) => {
		const items = [{ json: item }];
		const { ctx, engineReads } = engineContext({ phone: stored }, items);
		let readError: unknown;
		try {
			parameterReader(ctx)('phone', 0, '');
		} catch (error) {
			readError = error; // n8n's own answer to a sandboxed name: its error, not ours
		}
		expect(engineReads).toEqual(['phone']);
		expect(readError === undefined || readError instanceof Error).toBe(true);
	});

	it('reads Additional Fields of fixed values and field references directly, item by item', () => {
		const items = [{ json: { id: 'a-1', seq: 0 } }, { json: { id: 'a-2', seq: 1 } }];
		const additionalFields = { leadId: '={{ $json.id }}', sub1: '={{ $json.seq }}', sub2: 'campaign', tz: 3 };
		const { ctx, engineReads, evaluate } = engineContext({ additionalFields }, items);
		const read = parameterReader(ctx);
		const values = [0, 1].map((i) => read('additionalFields', i, {}));
		expect(engineReads).toEqual([]);
		expect(values).toStrictEqual([0, 1].map((i) => evaluate('additionalFields', i)));
		expect(values).toStrictEqual([
			{ leadId: 'a-1', sub1: 0, sub2: 'campaign', tz: 3 },
			{ leadId: 'a-2', sub1: 1, sub2: 'campaign', tz: 3 },
		]);
	});

	it('evaluates the other entries of Additional Fields with n8n one by one, and a field that is not a plain value too', () => {
		const items = [{ json: { id: 'a-1', name: 'Анна' } }, { json: { id: { nested: true }, name: 'Олег' } }];
		const additionalFields = { leadId: '={{ $json.id }}', name: '={{ $json.name }}', comments: "={{ 'Booked: ' + $json.name }}" };
		const { ctx, engineReads, evaluate } = engineContext({ additionalFields }, items);
		const read = parameterReader(ctx);
		expect(read('additionalFields', 0, {})).toStrictEqual(evaluate('additionalFields', 0));
		expect(read('additionalFields', 0, {})).toStrictEqual({ leadId: 'a-1', name: 'Анна', comments: 'Booked: Анна' });
		expect(engineReads).toEqual(['additionalFields.comments', 'additionalFields.comments']);
		engineReads.length = 0;
		expect(read('additionalFields', 1, {})).toStrictEqual(evaluate('additionalFields', 1));
		expect(engineReads).toEqual(['additionalFields.leadId', 'additionalFields.comments']);

		const missing = engineContext({ additionalFields: { leadId: '={{ $json.id }}', sub1: '={{ $json.absent }}' } }, items);
		expect(parameterReader(missing.ctx)('additionalFields', 0, {})).toStrictEqual(missing.evaluate('additionalFields', 0));
		expect(missing.engineReads).toEqual(['additionalFields.sub1']);
	});

	it('leaves Additional Fields to n8n as a whole when an entry may read its siblings ($parameter), or none is a field reference', () => {
		const items = [{ json: { id: 'a-1' } }];
		const siblings = engineContext({ additionalFields: { leadId: '={{ $json.id }}', sub1: '={{ $parameter["&leadId"] }}' } }, items);
		parameterReader(siblings.ctx)('additionalFields', 0, {});
		expect(siblings.engineReads).toEqual(['additionalFields']);
		const noReference = engineContext({ additionalFields: { leadId: "={{ 'x-' + $json.id }}", sub2: 'campaign' } }, items);
		parameterReader(noReference.ctx)('additionalFields', 0, {});
		expect(noReference.engineReads).toEqual(['additionalFields']);
	});

	it('takes each step of a reference as written, and refuses names n8n sandboxes', () => {
		expect(fieldPathOf('={{ $json.client["Phone number"].value }}')).toEqual(['client', 'Phone number', 'value']);
		expect(fieldPathOf("={{ $json['a.b'] }}")).toEqual(['a.b']);
		expect(fieldPathOf('={{ $json.client.constructor }}')).toBeUndefined();
		expect(fieldPathOf('={{ $json.prototype }}')).toBeUndefined();
		expect(fieldPathOf(42)).toBeUndefined();
	});

	it('matches in linear time on a long hostile value', () => {
		// A stored value is the workflow author's, but it still must not make a run hang.
		const steps = '.a'.repeat(50_000);
		expect(fieldPathOf(`={{ $json${steps} }`)).toBeUndefined();
		expect(fieldPathOf(`={{ $json${'["x"'.repeat(50_000)} }}`)).toBeUndefined();
		expect(fieldPathOf(`={{ $json${steps} }}`)).toHaveLength(50_000);
	});
});

describe('Lead → Send with mapped fields', () => {
	let mock: TrafficLightMock;
	beforeEach(async () => {
		mock = await new TrafficLightMock().start();
	});
	afterEach(async () => {
		await mock.stop();
	});

	it('sends each item its own mapped values without asking n8n to evaluate them', async () => {
		const input = [0, 1, 2].map((i) => ({ json: { client: { phone: `+7 999 000-00-0${i}` }, leadId: `mapped-${i}`, seq: i } }));
		const ctx = contextFor(
			mock,
			sendParameters({
				phone: '={{ $json.client.phone }}',
				additionalFields: { leadId: '={{ $json.leadId }}', sub1: '={{ $json.seq }}' },
			}),
			{ items: input },
		);
		const engineReads: string[] = [];
		const read = ctx.getNodeParameter.bind(ctx);
		ctx.getNodeParameter = ((name: string, ...rest: unknown[]) => {
			engineReads.push(name);
			return (read as (...args: unknown[]) => unknown)(name, ...rest);
		}) as typeof ctx.getNodeParameter;
		const out = await run(ctx);
		expect(out.map((o) => [o.json.leadId, o.pairedItem])).toEqual([0, 1, 2].map((i) => [`mapped-${i}`, { item: i }]));
		const sent = [...mock.leads].sort((a, b) => String(a.fields.id).localeCompare(String(b.fields.id)));
		expect(sent.map((l) => [l.fields.id, l.fields.phone, l.fields.sub1])).toEqual(
			[0, 1, 2].map((i) => [`mapped-${i}`, `+7 999 000-00-0${i}`, String(i)]),
		);
		expect(engineReads.filter((name) => name === 'phone' || name === 'additionalFields')).toEqual([]);
	});
});
