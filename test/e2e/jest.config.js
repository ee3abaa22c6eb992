// The real-n8n end-to-end suite (`npm run test:e2e`). One n8n at a time
// (--runInBand; 2 cores), generous timeouts: each suite boots a real n8n.
// Choose versions with E2E_N8N_VERSIONS=1.123.81,2.40.7 (default: both).
/** @type {import('jest').Config} */
module.exports = {
	rootDir: '../..',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	// The n8n user folders under .work hold installed packages; never crawl them.
	modulePathIgnorePatterns: ['<rootDir>/test/e2e/.work/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
	},
	globalSetup: '<rootDir>/test/e2e/globalSetup.js',
	testTimeout: 180000,
	maxWorkers: 1,
	verbose: true,
};
