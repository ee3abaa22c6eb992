import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { buildPasteLine } from '../../nodes/webhookIntake/senderTrigger';
import { DOCUMENTED_MACROS, INFERRED_STREAM_MACROS, POSTBACK_STATUSES } from '../../nodes/TrafficLightTrigger/statuses';

const docs = readFileSync(join(__dirname, '../../docs/traffic-light-trigger.md'), 'utf8');

describe('docs/traffic-light-trigger.md', () => {
	it.each(POSTBACK_STATUSES.map((s) => s.value))('shows the same postback line for %s as the node panel', (status) => {
		const line = buildPasteLine([['status', status], ['token', 'YOUR_SECRET_TOKEN'], ...DOCUMENTED_MACROS]);
		expect(docs).toContain(`/webhook${line}\``);
	});

	it('lists every inferred stream macro as the panel does', () => {
		expect(docs).toContain(`\n${buildPasteLine(INFERRED_STREAM_MACROS).replace(/^\?/, '&')}\n`);
	});

	it('documents every output field', () => {
		for (const field of ['status', 'trafficLightId', 'leadId', 'createdAt', 'createdAtRaw', 'parameters', 'warnings', 'raw']) {
			expect(docs).toContain(`| \`${field}\` |`);
		}
	});
});
