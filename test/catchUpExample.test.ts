import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { INodeProperties } from 'n8n-workflow';

import { Klientiks } from '../nodes/Klientiks/Klientiks.node';
import { KlientiksCatchUpTrigger } from '../nodes/KlientiksCatchUpTrigger/KlientiksCatchUpTrigger.node';
import { KlientiksTrigger } from '../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { TrafficLight } from '../nodes/TrafficLight/TrafficLight.node';

type Json = any;

const PACKAGE = 'n8n-nodes-klientiks-traffic-light';
const example: Json = JSON.parse(readFileSync(join(__dirname, '..', 'examples', 'klientiks-catch-up-to-traffic-light.json'), 'utf8'));
const byType = (type: string): Json => example.nodes.find((n: Json) => n.type === `${PACKAGE}.${type}`);
const byName = (name: string): Json => example.nodes.find((n: Json) => n.name === name);
const targets = (name: string, output = 0): string[] => (example.connections[name]?.main?.[output] ?? []).map((c: Json) => c.node);

/** The properties the node shows for the example's values (a parameter is the node's when one of them has its name). */
function shownProperties(properties: INodeProperties[], parameters: Json): INodeProperties[] {
	return properties.filter((p) =>
		Object.entries(p.displayOptions?.show ?? {}).every(([key, values]) => key.startsWith('@') || (values as unknown[]).includes(parameters[key])),
	);
}

describe('examples/klientiks-catch-up-to-traffic-light.json', () => {
	const ours: Array<[string, { description: { properties: INodeProperties[]; version: number | number[]; defaultVersion?: number } }]> = [
		['klientiksTrigger', new KlientiksTrigger()],
		['klientiksCatchUpTrigger', new KlientiksCatchUpTrigger()],
		['klientiks', new Klientiks()],
		['trafficLight', new TrafficLight()],
	];

	it.each(ours)('its %s node sets only parameters (and collection options) the node shows for its values', (type, node) => {
		const { parameters } = byType(type);
		const shown = shownProperties(node.description.properties, parameters);
		const names = new Set(shown.map((p) => p.name));
		// pollTimes is added by n8n to every polling node.
		for (const name of Object.keys(parameters)) expect([type, name, names.has(name) || name === 'pollTimes']).toEqual([type, name, true]);
		for (const property of shown.filter((p) => p.type === 'collection')) {
			const options = new Set((property.options as INodeProperties[]).map((o) => o.name));
			for (const name of Object.keys(parameters[property.name] ?? {})) expect([type, property.name, name, options.has(name)]).toEqual([type, property.name, name, true]);
		}
	});

	it('both triggers listen to the same events and feed one Traffic Light Send, with the duplicate check on', () => {
		const webhook = byType('klientiksTrigger');
		const catchUp = byType('klientiksCatchUpTrigger');
		expect(catchUp.parameters.events).toEqual(webhook.parameters.events);
		const send = byType('trafficLight');
		expect(send.parameters.options.skipDuplicates).toBe(true);
		expect(send.parameters.additionalFields.leadId).toBe('={{ $json.leadId }}');
		expect(example.nodes.filter((n: Json) => n.type === `${PACKAGE}.trafficLight`)).toHaveLength(1);
		// Every path from a trigger ends at that Send.
		const reach = (name: string, seen = new Set<string>()): Set<string> => {
			seen.add(name);
			for (const output of example.connections[name]?.main ?? []) for (const c of output) if (!seen.has(c.node)) reach(c.node, seen);
			return seen;
		};
		for (const trigger of [webhook, catchUp]) expect(reach(trigger.name).has(send.name)).toBe(true);
		const leaves = example.nodes.filter((n: Json) => n.type !== 'n8n-nodes-base.stickyNote' && !(example.connections[n.name]?.main ?? []).some((o: Json[]) => o.length));
		expect(leaves.map((n: Json) => n.name)).toEqual([send.name]);
	});

	it('fetches the client by the item\'s client id only when the item has no phone, and merges it back under client', () => {
		const check = byName(targets(byType('klientiksTrigger').name)[0]);
		expect(check.type).toBe('n8n-nodes-base.if');
		expect(JSON.stringify(check.parameters.conditions)).toContain('$json.client.phone');
		const get = byType('klientiks');
		expect(targets(check.name, 0)).toEqual([byType('trafficLight').name]);
		expect(targets(check.name, 1)).toEqual(expect.arrayContaining([get.name]));
		expect(get.parameters).toMatchObject({ resource: 'client', operation: 'get' });
		expect(JSON.stringify(get.parameters)).toContain('$json.client.id');
	});

	it('uses the credentials `npm start` and the e2e suite create, by name and id', () => {
		const creds = example.nodes.flatMap((n: Json) => Object.entries(n.credentials ?? {}));
		expect(creds).toEqual(
			expect.arrayContaining([
				['klientiksApi', { id: 'klxKlientiksApi1', name: 'Klientiks API account' }],
				['trafficLightApi', { id: 'klxTrafficLight1', name: 'Traffic Light account' }],
			]),
		);
	});
});
