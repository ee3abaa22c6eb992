import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { EVENT_PRESETS, templatePairs } from '../../nodes/KlientiksTrigger/presets';
import { buildPasteLine } from '../../nodes/shared/notices';

const docs = readFileSync(join(__dirname, '../../docs/klientiks-trigger.md'), 'utf8');

describe('docs/klientiks-trigger.md', () => {
	it.each(EVENT_PRESETS.map((preset) => [preset.value, preset]))(
		'shows the same paste-ready line for %s as the node panel',
		(_value, preset) => {
			const line = buildPasteLine([['event', preset.value], ['token', 'YOUR_SECRET_TOKEN'], ...templatePairs(preset)]);
			expect(docs).toContain(`\n${line}\n`);
		},
	);

	it.each(EVENT_PRESETS.flatMap((preset) => preset.fields.map((field) => [preset.value, field.entity, field.field])))(
		'documents %s → %s.%s',
		(_event, _entity, field) => {
			expect(docs).toContain(`\`${field}\``);
		},
	);
});
