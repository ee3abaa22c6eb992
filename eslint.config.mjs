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
		rules: { 'prefer-spread': 'off' },
	},
	{
		files: shippedCode,
		plugins: { ...community.plugins, 'n8n-nodes-base': n8nNodesBase },
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
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
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
			'@typescript-eslint/no-explicit-any': 'off',
			'@typescript-eslint/no-non-null-assertion': 'off',
			'@typescript-eslint/no-require-imports': 'off',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
		},
	},
);
