/** End-to-end: the packed package inside real n8n installs (CLI and server). */
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.e2e.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	// The first run installs n8n (minutes); each `n8n execute` boots n8n (seconds).
	testTimeout: 15 * 60_000,
	maxWorkers: 1,
};
