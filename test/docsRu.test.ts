import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { EVENT_PRESETS, templatePairs } from '../nodes/KlientiksTrigger/presets';
import { buildPasteLine, SECRET_TOKEN_PLACEHOLDER } from '../nodes/webhookIntake/senderTrigger';
import { TOKEN_QUERY_KEY } from '../nodes/webhookIntake/webhookRequest';
import { DOCUMENTED_MACROS, STATUS_MARKER_PARAMETER } from '../nodes/TrafficLightTrigger/statuses';

const ROOT = join(__dirname, '..');
const GUIDE = readFileSync(join(ROOT, 'docs/ru/README.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function imagesIn(markdown: string): string[] {
	return [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+\.png)\)/g)].map((m) => m[1]);
}

describe('docs/ru/README.md (the Russian step-by-step guide)', () => {
	it.each(EVENT_PRESETS.map((preset) => [preset.value, preset] as const))(
		'has the exact line the panel shows for %s (with the token placeholder)',
		(_value, preset) => {
			const line = buildPasteLine([
				['event', preset.value],
				[TOKEN_QUERY_KEY, SECRET_TOKEN_PLACEHOLDER],
				...templatePairs(preset),
			]);
			expect(GUIDE).toContain(`\n${line}\n`);
		},
	);

	it('has the postback line of the Traffic Light Trigger', () => {
		const line = buildPasteLine([
			[STATUS_MARKER_PARAMETER, 'confirmed'],
			[TOKEN_QUERY_KEY, SECRET_TOKEN_PLACEHOLDER],
			...DOCUMENTED_MACROS,
		]);
		expect(GUIDE).toContain(line);
	});

	it('follows the old flow: install, import, key, URL, event handlers, fields, publish, executions, e-mails, postbacks', () => {
		const steps = [...GUIDE.matchAll(/^## (\d+)\. (.+)$/gm)].map((m) => Number(m[1]));
		expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		for (const needle of [
			'Community Nodes',
			'From file',
			'https://cpa.tl/u/profile',
			'https://cpa.tl/streams/',
			'Offer ID',
			'Production URL',
			'https://klientiks.ru/clientix/admin/eventHandlers',
			'Publish',
			'Executions',
			'Error Workflow',
			'WEBHOOK_URL',
			'Unrecognized node type',
			'offer not found',
		]) {
			expect(GUIDE).toContain(needle);
		}
	});

	it('says "publish" for n8n 2.x wherever it says "activate"', () => {
		for (const line of GUIDE.split('\n').filter((l) => /активир/i.test(l))) {
			expect(line).toMatch(/опублик|Publish/);
		}
	});

	it('is linked from the README', () => {
		expect(README).toContain('(docs/ru/README.md)');
	});
});

describe('screenshots', () => {
	const referenced = [...imagesIn(GUIDE).map((p) => join(ROOT, 'docs/ru', p)), ...imagesIn(README).map((p) => join(ROOT, p))];

	it('every image the README and the Russian guide show exists', () => {
		expect(referenced.length).toBeGreaterThanOrEqual(6);
		for (const file of referenced) expect([file, existsSync(file)]).toEqual([file, true]);
	});

	it('every committed screenshot is used', () => {
		const used = new Set(referenced.map((file) => file.split('/').pop()));
		for (const file of readdirSync(join(ROOT, 'docs/images'))) expect(used).toContain(file);
	});
});
