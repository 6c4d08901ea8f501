import type { IDataObject } from 'n8n-workflow';

import type { Simulator } from '../../tools/simulator/server';
import { createParams, getParams, run, useSimulator, visibleText } from '../helpers/setup';

interface ErrorCase {
	name: string;
	parameters: IDataObject;
	/** Runs before the node; may return parameters to merge in (e.g. the id of a task it made). */
	prepare?: (sim: Simulator) => Promise<IDataObject | void> | void;
	message: RegExp;
	/** Whether a task existed when it failed, so its id must be in the error. */
	hasTask: boolean;
	taskStatus?: string;
	creates?: number;
}

const cases: ErrorCase[] = [
	{
		name: 'failed task',
		parameters: createParams({ prompt: 'x [sim:fail]' }),
		message: /^Kling task \S+ failed: Failure to pass the risk control system$/,
		hasTask: true,
		taskStatus: 'failed',
	},
	{
		name: 'succeed without a video',
		parameters: createParams({ prompt: 'x [sim:novideo]' }),
		message: /finished but returned no video/,
		hasTask: true,
		taskStatus: 'succeed',
	},
	{
		name: 'expired video link',
		parameters: createParams({ prompt: 'x [sim:expired]' }),
		message: /video link of Kling task \S+ has expired \(HTTP 403\): run Get Task again for a fresh link/,
		hasTask: true,
		taskStatus: 'succeed',
	},
	{
		name: 'time-out',
		parameters: createParams({ prompt: 'x [sim:ms=30000]', timeout: 0.1 }),
		message: /was still "processing" when the 6 s Timeout ran out/,
		hasTask: true,
		taskStatus: 'processing',
	},
	{
		name: 'content policy',
		parameters: createParams({ prompt: 'x [sim:unsafe]' }),
		message: /content safety check refused/,
		hasTask: false,
		creates: 1,
	},
	{
		name: 'no balance (429 1102, not retried)',
		parameters: createParams({ prompt: 'x [sim:nobalance]' }),
		message: /top up your CometAPI account/,
		hasTask: false,
		creates: 1,
	},
	{
		name: 'unknown model (gateway shape)',
		parameters: createParams({ model: 'custom', customModel: 'sora-2' }),
		message: /does not know this model/,
		hasTask: false,
		creates: 1,
	},
	{
		name: 'duplicate External Task ID that cannot be looked up: names the id, nothing new billed',
		parameters: createParams({ additionalFields: { externalTaskId: 'dup' } }),
		prepare: async (sim) => {
			await createTaskWithoutWaiting(sim, { externalTaskId: 'dup' });
			sim.fault({ on: 'read', type: 'status500', times: 20, retryAfter: 0 });
		},
		message: /External Task ID "dup" already exists/,
		hasTask: false,
		creates: 1,
	},
	{
		name: 'create answered with HTML: outcome unknown, not resent',
		parameters: createParams(),
		prepare: (sim) => void sim.fault({ on: 'create', type: 'html' }),
		message: /may have been created and billed/,
		hasTask: false,
		creates: 1,
	},
	{
		name: 'create connection reset, no lookup by External Task ID: outcome unknown, not resent',
		parameters: createParams(),
		prepare: (sim) => {
			sim.config.echoExternalId = false;
			sim.fault({ on: 'create', type: 'reset' });
		},
		message: /may have been created and billed/,
		hasTask: false,
		creates: 1,
	},
	{
		name: 'create 500: outcome unknown, not resent',
		parameters: createParams(),
		prepare: (sim) => void sim.fault({ on: 'create', type: 'status500' }),
		message: /may have been created and billed/,
		hasTask: false,
		creates: 1,
	},
	{
		name: 'status reads keep failing until the time-out',
		parameters: getParams('set below', { waitMode: 'poll', timeout: 0.1 }),
		prepare: async (sim) => {
			const taskId = await createTaskWithoutWaiting(sim);
			sim.fault({ on: 'read', type: 'status503', times: 50, retryAfter: 0 });
			return { taskId };
		},
		message: /maintenance/,
		hasTask: true,
	},
];

/** A task made beforehand; its requests are dropped from the log so counts concern the test run. */
async function createTaskWithoutWaiting(sim: Simulator, additionalFields: IDataObject = {}): Promise<string> {
	const created = await run(sim, createParams({ waitMode: 'none', additionalFields }));
	sim.requests.length = 0;
	return created.items[0].json.task_id as string;
}

describe('each error class, with and without Continue On Fail', () => {
	const ctx = useSimulator();

	for (const testCase of cases) {
		for (const continueOnFail of [false, true]) {
			it(`${testCase.name}${continueOnFail ? ' (Continue On Fail)' : ''}`, async () => {
				const { sim } = ctx;
				const extra = (await testCase.prepare?.(sim)) ?? {};
				const tasksBefore = new Set(sim.tasks.keys());
				const result = await run(sim, { ...testCase.parameters, ...extra }, { continueOnFail });
				// Tasks this run created, or the one it was asked to read.
				const taskIds = [...sim.tasks.keys()].filter((id) => !tasksBefore.has(id) || id === extra.taskId);

				if (continueOnFail) {
					expect(result.status).toBe('success');
					expect(result.items).toHaveLength(1);
					const { json, pairedItem } = result.items[0];
					expect(pairedItem).toEqual({ item: 0 });
					expect(json.error).toMatch(testCase.message);
					if (testCase.hasTask) expect(taskIds).toContain(json.task_id);
					else expect(json.task_id).toBeNull();
					if (testCase.taskStatus) expect(json.task_status).toBe(testCase.taskStatus);
				} else {
					expect(result.status).toBe('error');
					const error = result.error!;
					expect(error.message).toMatch(testCase.message);
					expect((error.context as IDataObject).itemIndex).toBe(0);
					if (testCase.hasTask) {
						const taskId = (error.context as IDataObject).taskId as string;
						expect(taskIds).toContain(taskId);
						expect(`${error.message} ${error.description}`).toContain(taskId);
					}
				}
				if (testCase.creates !== undefined) expect(sim.requestsOf('create')).toHaveLength(testCase.creates);
				expect(visibleText(result)).not.toContain(sim.apiKey);
			});
		}
	}
});

describe('the API key', () => {
	const ctx = useSimulator();

	it('a bad key is a clear credential error, and neither key shows up anywhere', async () => {
		const { sim } = ctx;
		const badKey = 'sk-wrong-key-1234567890';
		for (const continueOnFail of [false, true]) {
			const result = await (
				await import('../../tools/engine')
			).runKlingNode({
				parameters: createParams(),
				credentials: { apiKey: badKey, baseUrl: sim.url },
				continueOnFail,
			});
			const text = visibleText(result);
			expect(text).toMatch(/rejected the API key/);
			expect(text).not.toContain(badKey);
			expect(text).not.toContain(sim.apiKey);
		}
		// The simulator echoed the bad key in its message; the node dropped it.
		expect(sim.requestsOf('create').every((r) => r.status === 401)).toBe(true);
	});

	it('goes to the API only: the video CDN never sees an Authorization header', async () => {
		const { sim } = ctx;
		await run(sim, createParams());
		expect(sim.requestsOf('download').length).toBe(1);
		expect(sim.requestsOf('download').every((r) => r.authHeader === false)).toBe(true);
		expect(sim.requestsOf('create').every((r) => r.authorized)).toBe(true);
	});
});
