import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Klientiks } from '../nodes/Klientiks/Klientiks.node';
import { KlientiksCatchUpTrigger } from '../nodes/KlientiksCatchUpTrigger/KlientiksCatchUpTrigger.node';
import { KlientiksTrigger } from '../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { TrafficLight } from '../nodes/TrafficLight/TrafficLight.node';
import { TrafficLightTrigger } from '../nodes/TrafficLightTrigger/TrafficLightTrigger.node';

type Json = any;

const ROOT = join(__dirname, '..');

/** n8n's documented node categories (codex files); any other spelling puts the node nowhere in the panel. */
const DOCUMENTED_CATEGORIES = [
	'Analytics',
	'Communication',
	'Data & Storage',
	'Development',
	'Finance & Accounting',
	'Marketing & Content',
	'Miscellaneous',
	'Productivity',
	'Sales',
	'Utility',
];

function readJson(path: string): Json {
	return JSON.parse(readFileSync(path, 'utf8'));
}

const codexFiles = readdirSync(join(ROOT, 'nodes'), { withFileTypes: true })
	.filter((entry) => entry.isDirectory())
	.flatMap((dir) =>
		readdirSync(join(ROOT, 'nodes', dir.name))
			.filter((file) => file.endsWith('.node.json'))
			.map((file) => join('nodes', dir.name, file)),
	);

const exampleFiles = readdirSync(join(ROOT, 'examples')).filter((file) => file.endsWith('.json'));

describe('codex files', () => {
	it('exist for each node package.json declares', () => {
		expect(codexFiles).toHaveLength(readJson(join(ROOT, 'package.json')).n8n.nodes.length);
	});

	it.each(codexFiles)('%s uses only categories from n8n\'s documented list', (file) => {
		const codex = readJson(join(ROOT, file));
		expect(codex.categories.length).toBeGreaterThan(0);
		for (const category of codex.categories) expect(DOCUMENTED_CATEGORIES).toContain(category);
	});
});

describe('example workflows', () => {
	it('are there', () => {
		expect(exampleFiles.length).toBeGreaterThanOrEqual(3);
	});

	it.each(exampleFiles)('%s carries no fixed webhookId, so importing it twice gives two webhook paths', (file) => {
		const workflow = readJson(join(ROOT, 'examples', file));
		for (const node of workflow.nodes) expect(node).not.toHaveProperty('webhookId');
	});

	it.each(exampleFiles)('%s says "publish (activate on n8n 1.x)" rather than only "activate"', (file) => {
		const text = readFileSync(join(ROOT, 'examples', file), 'utf8');
		expect(text).not.toMatch(/\bactivate \(publish\)|\b[Aa]ctivate the workflow/);
	});
});

describe('node versions', () => {
	const nodeTypes = [new Klientiks(), new KlientiksTrigger(), new KlientiksCatchUpTrigger(), new TrafficLight(), new TrafficLightTrigger()];
	const defaultVersionOf = new Map(
		nodeTypes.map(({ description }) => [
			`n8n-nodes-klientiks-traffic-light.${description.name}`,
			description.defaultVersion ?? description.version,
		]),
	);

	it.each([new KlientiksTrigger(), new TrafficLightTrigger()])(
		'$description.displayName keeps version 1 for saved workflows and gives new nodes version 2',
		({ description }) => {
			expect(description.version).toEqual([1, 2]);
			expect(description.defaultVersion).toBe(2);
		},
	);

	// A version-1 trigger costs n8n an expression on every call (senderTrigger.ts, TRIGGER_VERSIONS).
	const workflowFiles = [
		...exampleFiles.map((file) => join('examples', file)),
		...readdirSync(join(ROOT, 'bench', 'workflows')).map((file) => join('bench', 'workflows', file)),
	];
	it.each(workflowFiles)('%s uses each of our nodes at its default version', (file) => {
		const ours = readJson(join(ROOT, file)).nodes.filter((node: Json) => defaultVersionOf.has(node.type));
		for (const node of ours) expect([node.type, node.typeVersion]).toEqual([node.type, defaultVersionOf.get(node.type)]);
	});
});

/**
 * n8n 2.x publishes workflows instead of activating them: every mention of
 * activating must name publishing right beside it, e.g. "publish (activate on n8n 1.x)".
 */
function activateWithoutPublish(text: string): string[] {
	const lonely: string[] = [];
	for (const match of text.matchAll(/\bactivat\w*|\bactive\b/gi)) {
		const start = match.index ?? 0;
		const around = text.slice(Math.max(0, start - 60), start + 60);
		if (!/publish/i.test(around)) lonely.push(around.replace(/\s+/g, ' '));
	}
	return lonely;
}

describe('"publish (activate on n8n 1.x)" wording', () => {
	const docs = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

	it.each(docs)('%s never says "activate" without "publish"', (file) => {
		expect(activateWithoutPublish(readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
	});

	it.each([
		['Klientiks', new Klientiks()],
		['Klientiks Trigger', new KlientiksTrigger()],
		['Klientiks Catch-up Trigger', new KlientiksCatchUpTrigger()],
		['Traffic Light', new TrafficLight()],
		['Traffic Light Trigger', new TrafficLightTrigger()],
	])('the %s panel and notices never say "activate" without "publish"', (_name, node) => {
		const { triggerPanel, properties } = node.description as Json;
		expect(activateWithoutPublish(JSON.stringify({ triggerPanel, properties }))).toEqual([]);
	});
});

describe('publishing', () => {
	const workflow = readFileSync(join(ROOT, '.github/workflows/publish.yml'), 'utf8');

	it('publishes from a pushed version tag, after lint, build, unit tests and the pack check, with npm provenance', () => {
		expect(workflow).toMatch(/on:\s+push:\s+tags:\s+- 'v\*'/);
		expect(workflow).toMatch(/permissions:\s+contents: read\s+id-token: write/);
		const steps = ['npm ci', 'npm run lint', 'npm run build', 'npm run test:unit', 'npm run check:pack', 'npm publish --provenance --access public'];
		const at = steps.map((step) => workflow.indexOf(`- run: ${step}\n`));
		expect(at.every((index) => index > 0)).toBe(true);
		expect([...at].sort((a, b) => a - b)).toEqual(at);
		expect(workflow).toContain('NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}');
	});
});
