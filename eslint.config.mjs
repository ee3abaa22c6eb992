// Mirrors the rule set n8n's community-package scanner applies
// (@n8n/scan-community-package / @n8n/node-cli eslint config), so a clean
// `npm run lint` here means a clean scan later. Test and tooling code gets a
// lighter block: the community rules target code that runs inside n8n.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import communityNodes from '@n8n/eslint-plugin-community-nodes';

const community = communityNodes.configs.recommended;
const shippedCode = ['nodes/**/*.ts', 'credentials/**/*.ts'];

export default tseslint.config(
	// Global ignores only work in an object with no other keys.
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/.work/**', '.tmp/**'] },
	{ linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'error' } },
	{
		files: ['**/*.ts', '**/*.mjs', '**/*.js'],
		extends: [js.configs.recommended, ...tseslint.configs.recommended],
	},
	{
		files: shippedCode,
		plugins: { ...community.plugins, 'n8n-nodes-base': n8nNodesBase },
		// The community rules do not catch console; n8n's scanner refuses it in node code.
		rules: { ...community.rules, 'no-console': 'error' },
	},
	{
		files: ['package.json'],
		plugins: { ...community.plugins, 'n8n-nodes-base': n8nNodesBase },
		languageOptions: {
			parser: tseslint.parser,
			parserOptions: { extraFileExtensions: ['.json'] },
		},
		rules: { ...community.rules, ...n8nNodesBase.configs.community.rules },
	},
	{
		files: ['credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			// Wants a camelCase slug of n8n's own docs (main repository only); ours is a full URL to our README.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			// These two count only 'main' string literals, which the community rule
			// node-connection-type-literal forbids in favour of NodeConnectionTypes.Main.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
	{
		files: ['test/**', 'bench/**', 'scripts/**', '**/*.mjs', '*.js'],
		languageOptions: {
			globals: {
				process: 'readonly',
				console: 'readonly',
				setTimeout: 'readonly',
				clearTimeout: 'readonly',
				setInterval: 'readonly',
				clearInterval: 'readonly',
				setImmediate: 'readonly',
				Buffer: 'readonly',
				URL: 'readonly',
				URLSearchParams: 'readonly',
				TextDecoder: 'readonly',
				TextEncoder: 'readonly',
				AbortController: 'readonly',
				fetch: 'readonly',
				__dirname: 'readonly',
				__filename: 'readonly',
				require: 'readonly',
				module: 'writable',
				exports: 'writable',
			},
		},
		rules: {
			// Tests read n8n's untyped JSON (workflows, REST answers, node descriptions).
			'@typescript-eslint/no-explicit-any': 'off',
			// Scripts, bench and the mock are CommonJS run by plain node.
			'@typescript-eslint/no-require-imports': 'off',
			// `_name` drops a field on purpose (rest destructuring) or keeps a callback's signature.
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
);
