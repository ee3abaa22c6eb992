import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { TrafficLightTrigger } from '../../nodes/TrafficLightTrigger/TrafficLightTrigger.node';
import { callTrigger } from '../shared/webhookContext';

type Json = any;

const example: Json = JSON.parse(
	readFileSync(join(__dirname, '../../examples/traffic-light-status-alert.json'), 'utf8'),
);
const trigger = new TrafficLightTrigger();

describe('examples/traffic-light-status-alert.json', () => {
	const triggerNode = example.nodes.find((n: Json) => n.type.endsWith('.trafficLightTrigger'));
	const mailNode = example.nodes.find((n: Json) => n.type === 'n8n-nodes-base.emailSend');

	it('uses the community node type and leaves the webhook id to n8n', () => {
		expect(triggerNode.type).toBe('n8n-nodes-klientiks-traffic-light.trafficLightTrigger');
		expect(triggerNode.typeVersion).toBe(2);
		// A fixed id would give every import of the file the same webhook path: the second would collide.
		expect(triggerNode).not.toHaveProperty('webhookId');
	});

	it('only sets parameters the node has, with valid statuses', () => {
		const names = trigger.description.properties.map((p) => p.name);
		for (const name of Object.keys(triggerNode.parameters)) expect(names).toContain(name);
		const statusOption = trigger.description.properties.find((p) => p.name === 'statuses');
		const values = (statusOption?.options as Array<{ value: string }>).map((o) => o.value);
		for (const status of triggerNode.parameters.statuses) expect(values).toContain(status);
	});

	it('sends a notification for each postback', () => {
		expect(mailNode).toBeDefined();
		expect(example.connections[triggerNode.name].main[0][0].node).toBe(mailNode.name);
	});

	it("only reads fields the trigger's output has", async () => {
		const { item } = await callTrigger(trigger, {
			query: 'status=confirmed&id=1&id2=klx-client-1&created_at=2015-06-12T17:50:39%2B00:00',
			parameters: { statuses: triggerNode.parameters.statuses, secretToken: '' },
		});
		const used = new Set<string>();
		for (const text of [mailNode.parameters.subject, mailNode.parameters.text]) {
			for (const match of String(text).matchAll(/\$json\.(\w+)/g)) used.add(match[1]);
		}
		expect(used.size).toBeGreaterThan(0);
		for (const field of used) expect(item).toHaveProperty([field]);
	});
});
