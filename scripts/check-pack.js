#!/usr/bin/env node
'use strict';
// Proves the tarball users install is complete and clean: every path in the
// package.json "n8n" section is inside it (n8n loads them by these paths), it
// carries each node's light and dark SVG icons and a codex file that names the
// node and its documentation, and it holds no test code, sources or secrets.
// It also refuses what n8n 3.0 drops (README "Compatibility"): a node API
// version above 1 (n8n 2.x rejects the package), `defaults.color`,
// `$getPairedItem` and `this.helpers.copyBinaryFile` in shipped code.
// Run after `npm run build`.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const [packed] = JSON.parse(
	execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
);
const files = new Set(packed.files.map((f) => f.path));
const problems = [];

for (const declared of [...pkg.n8n.nodes, ...pkg.n8n.credentials]) {
	if (!files.has(declared)) problems.push(`${declared} is listed in package.json "n8n" but not in the tarball`);
}
for (const nodePath of pkg.n8n.nodes) {
	const dir = path.posix.dirname(nodePath);
	const base = path.posix.basename(nodePath, '.node.js');
	const { description } = new (Object.values(require(path.join(root, nodePath)))[0])();
	if (description.defaults?.color !== undefined) problems.push(`${nodePath}: defaults.color is gone in n8n 3.0 (use the SVG icons)`);
	const codexPath = `${dir}/${base}.node.json`;
	if (!files.has(codexPath)) problems.push(`${codexPath} (codex) is missing`);
	else {
		const codex = require(path.join(root, codexPath));
		if (codex.node !== `${pkg.name}.${description.name}`) problems.push(`${codexPath} names node ${codex.node}, not ${pkg.name}.${description.name}`);
		if (!codex.resources?.primaryDocumentation?.length) problems.push(`${codexPath} has no primary documentation link`);
	}
	// The node's own light and dark icons: two different SVG files, both shipped.
	const icons = [description.icon?.light, description.icon?.dark].map((icon) => `${dir}/${String(icon).replace(/^file:/, '')}`);
	if (icons[0] === icons[1]) problems.push(`${dir}: the light and dark icons are the same file`);
	for (const icon of icons) {
		if (!files.has(icon)) problems.push(`${icon} (icon) is missing`);
		else if (!/^<svg[\s\S]*<\/svg>\s*$/.test(fs.readFileSync(path.join(root, icon), 'utf8'))) problems.push(`${icon} is not an SVG file`);
	}
}
for (const file of files) {
	if (/(^|\/)(test|tests|__tests__|e2e|mock|mocks)(\/|$)|\.test\.|\.spec\./.test(file)) problems.push(`test code in the tarball: ${file}`);
	if (file.endsWith('.ts') && !file.endsWith('.d.ts')) problems.push(`TypeScript source in the tarball: ${file}`);
	if (/(^|\/)\.(env|npmrc)$/.test(file)) problems.push(`configuration file in the tarball: ${file}`);
	if (!['package.json', 'README.md', 'LICENSE'].includes(file) && !file.startsWith('dist/')) problems.push(`unexpected file: ${file}`);
}
if (pkg.dependencies && Object.keys(pkg.dependencies).length) problems.push('package.json has runtime dependencies');
// n8n 2.x loads packages up to API version 1 and 3.x up to 3: 1 is what both load.
if (pkg.n8n.n8nNodesApiVersion !== 1) problems.push(`package.json "n8n".n8nNodesApiVersion is ${pkg.n8n.n8nNodesApiVersion}; n8n 2.x loads only 1`);
/** What n8n 3.0 removes, as it appears in compiled code (defaults.color is checked on each description above). */
const REMOVED_IN_N8N_3 = [
	['$getPairedItem', /\$getPairedItem\b/],
	['copyBinaryFile', /\bcopyBinaryFile\b/],
];
for (const file of [...files].filter((f) => f.endsWith('.js'))) {
	const code = fs.readFileSync(path.join(root, file), 'utf8');
	for (const [name, pattern] of REMOVED_IN_N8N_3) {
		if (pattern.test(code)) problems.push(`${file} uses ${name}, which n8n 3.0 removes`);
	}
}

async function lintShippedJs() {
	// n8n's scanner also lints every .js file of the tarball with the community
	// rules and no-console (compiled code must not smuggle in setTimeout, process…).
	const { ESLint } = require('eslint');
	const communityNodes = require('@n8n/eslint-plugin-community-nodes');
	const { recommended } = communityNodes.configs;
	const eslint = new ESLint({
		cwd: root,
		overrideConfigFile: true,
		allowInlineConfig: false,
		overrideConfig: [
			{
				files: ['**/*.js'],
				languageOptions: { sourceType: 'commonjs', ecmaVersion: 2022 },
				plugins: recommended.plugins,
				rules: { ...recommended.rules, 'no-console': 'error' },
			},
		],
	});
	const shipped = [...files].filter((f) => f.endsWith('.js'));
	const results = await eslint.lintFiles(shipped);
	for (const result of results) {
		for (const message of result.messages) {
			if (message.severity === 2) problems.push(`${path.relative(root, result.filePath)}:${message.line} ${message.message} (${message.ruleId})`);
		}
	}
	return shipped.length;
}

lintShippedJs().then((linted) => {
	if (problems.length) {
		console.error(`npm pack check failed (${packed.filename}):\n- ${problems.join('\n- ')}`);
		process.exit(1);
	}
	console.log(
		`npm pack check passed: ${packed.filename}, ${files.size} files, ${(packed.size / 1024).toFixed(1)} kB; ` +
			`every "n8n" path present, codex files and light/dark icons right, no test code, nothing n8n 3.0 removes, ${linted} shipped .js files clean under the scanner's rules.`,
	);
});
