/**
 * One config, five projects. `jest` (in `npm test`) runs unit, integration and property; the
 * e2e and queue projects start real n8n installs and run only when named in KLING_TEST_PROJECT
 * (`npm run test:e2e` sets it), which takes one project or several, comma-separated.
 */
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json', diagnostics: { warnOnly: false } }] };

/** @type {Record<string, import('jest').Config>} */
const PROJECTS = {
	// The TypeScript sources on a fake context: seconds. Stryker and coverage use it.
	unit: { roots: ['<rootDir>/test/unit'], testMatch: ['**/*.test.ts'] },
	// The built node (dist/) in n8n's engine against the simulator, on real timers.
	integration: { roots: ['<rootDir>/test/integration'], testMatch: ['**/*.test.ts'] },
	property: { roots: ['<rootDir>/test/property'], testMatch: ['**/*.test.ts'] },
	// The packed package in real n8n installs; the first run installs n8n (minutes).
	e2e: { roots: ['<rootDir>/test/e2e'], testMatch: ['**/*.e2e.test.ts'] },
	// n8n's queue mode: PostgreSQL, Redis, workers, a webhook processor.
	queue: { roots: ['<rootDir>/test/queue'], testMatch: ['**/*.e2e.test.ts'] },
};
/**
 * Per-test time limits. jest-circus reads only the top-level testTimeout, so a run takes the
 * largest of its projects' limits.
 */
const TIMEOUTS = { unit: 5000, integration: 60_000, property: 60_000, e2e: 15 * 60_000, queue: 10 * 60_000 };
const chosen = (process.env.KLING_TEST_PROJECT || 'unit,integration,property').split(',').map((name) => name.trim());
for (const name of chosen)
	if (!PROJECTS[name])
		throw new Error(`KLING_TEST_PROJECT: no project "${name}" (${Object.keys(PROJECTS).join(', ')})`);

const project = (name) => ({ displayName: name, testEnvironment: 'node', transform, ...PROJECTS[name] });
// Real n8n instances share ports and a cache: one test file at a time.
const maxWorkers = chosen.some((name) => name === 'e2e' || name === 'queue') ? 1 : 2;

/** @type {import('jest').Config} */
module.exports = {
	...(chosen.length === 1 ? project(chosen[0]) : { projects: chosen.map(project) }),
	maxWorkers,
	testTimeout: Math.max(...chosen.map((name) => TIMEOUTS[name])),
	// A handle leaked on a failure path (a server, a child process) must end the real-n8n run with its
	// failures, not keep jest waiting until CI's time limit.
	forceExit: maxWorkers === 1,
	// Only with --coverage (`npm run test:unit -- --coverage`).
	collectCoverageFrom: ['nodes/**/*.ts', 'credentials/**/*.ts'],
	coverageReporters: ['text-summary', 'html'],
};
