#!/usr/bin/env node
'use strict';
// Proves the tarball users install is complete and clean: every path in the
// package.json "n8n" section is inside it (n8n loads them by these paths), it
// carries each node's icons and codex file, and it holds no test code, sources
// or secrets. Run after `npm run build`.
const { execFileSync } = require('node:child_process');
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
	if (!files.has(`${dir}/${base}.node.json`)) problems.push(`${dir}/${base}.node.json (codex) is missing`);
	const icons = [...files].filter((f) => f.startsWith(`${dir}/`) && f.endsWith('.svg'));
	if (icons.length < 2) problems.push(`${dir} has ${icons.length} SVG icon(s); a light and a dark one are expected`);
}
for (const file of files) {
	if (/(^|\/)(test|tests|__tests__|e2e|mock|mocks)(\/|$)|\.test\.|\.spec\./.test(file)) problems.push(`test code in the tarball: ${file}`);
	if (file.endsWith('.ts') && !file.endsWith('.d.ts')) problems.push(`TypeScript source in the tarball: ${file}`);
	if (/(^|\/)\.(env|npmrc)$/.test(file)) problems.push(`configuration file in the tarball: ${file}`);
	if (!['package.json', 'README.md', 'LICENSE'].includes(file) && !file.startsWith('dist/')) problems.push(`unexpected file: ${file}`);
}
if (pkg.dependencies && Object.keys(pkg.dependencies).length) problems.push('package.json has runtime dependencies');

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
			`every "n8n" path present, no test code, ${linted} shipped .js files clean under the scanner's rules.`,
	);
});
