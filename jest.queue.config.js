/** `npm run test:queue`: n8n's queue mode (PostgreSQL, Redis, workers, a webhook processor) on this machine. */
/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test/queue'],
	testMatch: ['**/*.e2e.test.ts'],
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	testTimeout: 10 * 60_000,
	maxWorkers: 1,
};
