import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { EVENT_PRESETS, templatePairs } from '../../nodes/KlientiksTrigger/presets';
import { buildPasteLine } from '../../nodes/webhookIntake/senderTrigger';

const docs = readFileSync(join(__dirname, '../../docs/klientiks-trigger.md'), 'utf8');

describe('docs/klientiks-trigger.md', () => {
	it.each(EVENT_PRESETS.map((preset) => [preset.value, preset]))(
		'shows the same paste-ready line for %s as the node panel',
		(_value, preset) => {
			const line = buildPasteLine([['event', preset.value], ['token', 'YOUR_SECRET_TOKEN'], ...templatePairs(preset)]);
			expect(docs).toContain(`\n${line}\n`);
		},
	);

	/** The "### `entity` …" section that documents this entity for this preset. */
	function sectionFor(entity: string, presetName: string): string {
		const sections = docs.split(/\n(?=### )/).filter((section) => section.startsWith(`### \`${entity}\``));
		const heading = (section: string) => section.slice(0, section.indexOf('\n'));
		const section =
			sections.find((candidate) => heading(candidate).endsWith(`for ${presetName}`)) ??
			sections.find((candidate) => heading(candidate).includes('(every preset)'));
		if (!section) throw new Error(`docs/klientiks-trigger.md has no "### \`${entity}\`" section for ${presetName}`);
		return section;
	}

	it.each(
		EVENT_PRESETS.flatMap((preset) => preset.fields.map((field) => [preset.name, field.entity, field.field, field.key])),
	)('documents %s → %s.%s, read from the parameter %s, in that entity\'s table', (presetName, entity, field, key) => {
		const rows = sectionFor(entity, presetName)
			.split('\n')
			.filter((line) => line.startsWith('| '));
		const row = rows.find((line) => line.split('|')[1].includes(`\`${field}\``));
		expect(row).toBeDefined();
		expect(row).toContain(`\`${key}\``);
	});
});
