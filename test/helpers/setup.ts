import type { IDataObject } from 'n8n-workflow';

import type { Simulator, SimulatorOptions } from '../../tools/simulator/server';
import { createSimulator } from '../../tools/simulator/server';
import type { RunOptions, RunResult } from '../../tools/engine';
import { removeEngineStorage, runKlingNode } from '../../tools/engine';

/** One simulator per test file, reset between tests. */
export function useSimulator(options: SimulatorOptions = {}) {
	const handle = {} as { sim: Simulator };
	beforeAll(async () => {
		handle.sim = await createSimulator({ submittedMs: 100, taskMs: 600, ...options });
	});
	afterEach(() => {
		handle.sim.reset();
		Object.assign(handle.sim.config, { submittedMs: 100, taskMs: 600, echoExternalId: true, ...options });
	});
	afterAll(async () => {
		await handle.sim.close();
		removeEngineStorage();
	});
	return handle;
}

export const createParams = (extra: IDataObject = {}): IDataObject => ({
	resource: 'video',
	operation: 'create',
	prompt: 'A happy scene of a vacation on the beach.',
	model: 'kling-v1',
	pollInterval: 0.5,
	...extra,
});

export const getParams = (taskId: string, extra: IDataObject = {}): IDataObject => ({
	resource: 'video',
	operation: 'get',
	taskId,
	pollInterval: 0.5,
	...extra,
});

export function run(sim: Simulator, parameters: IDataObject, options: Partial<RunOptions> = {}): Promise<RunResult> {
	return runKlingNode({ parameters, credentials: { apiKey: sim.apiKey, baseUrl: sim.url }, ...options });
}

/** Everything a user or a log could see of a run: outputs, errors, run data. */
export function visibleText(result: RunResult): string {
	const error = result.error as IDataObject | undefined;
	return JSON.stringify({
		run: result.run,
		error: error && { ...error, message: error.message, description: error.description },
	});
}

/** Waits (polling every 20 ms, at most `ms`) until `condition` holds: no blind sleeps in tests. */
export async function until(condition: () => boolean, ms = 10_000): Promise<void> {
	const end = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > end) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
