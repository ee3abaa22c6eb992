/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	testPathIgnorePatterns: ['/node_modules/', '/test/e2e/'],
	modulePathIgnorePatterns: ['<rootDir>/test/e2e/.work/', '<rootDir>/bench/.work/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
	},
	testTimeout: 30000,
	// Most suites wait on the mock's real delays rather than use CPU: two workers on two cores halve the wall time.
	maxWorkers: 2,
};
