/**
 * Idempotent creates in n8n's real engine: every create carries an External Task ID unique per
 * n8n instance, execution, node and item, so n8n's Retry On Fail and a create whose answer was
 * lost find the task already paid for (the simulator refuses a duplicate id and reads a task by
 * it, as Kling's own API does) instead of paying again.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Simulator } from '../../tools/simulator/server';
import { createParams, run, useSimulator } from '../helpers/setup';

const externalIds = (sim: Simulator) =>
	sim.requestsOf('create').map((create) => create.body?.external_task_id as string);

describe('idempotent creates (External Task ID by default)', () => {
	const ctx = useSimulator();

	it('sends an External Task ID per item, readable and different for each item', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: '={{ $json.p }}', download: false }), {
			items: [{ p: 'one' }, { p: 'two' }, { p: 'three' }],
			executionId: 'exec-1',
		});
		expect(result.status).toBe('success');
		const ids = externalIds(sim);
		expect(ids).toHaveLength(3);
		for (const [item, id] of ids.entries()) expect(id).toMatch(new RegExp(`^n8n-[0-9a-f]{8}-exec1-kling-0-${item}$`));
		expect(new Set(ids).size).toBe(3);
		// The output says which id each task has.
		expect(result.items.map((item) => (item.json.task_info as IDataObject)?.external_task_id)).toEqual(ids);
	});

	it("keeps the user's own External Task ID", async () => {
		const { sim } = ctx;
		await run(sim, createParams({ download: false, additionalFields: { externalTaskId: 'order-42' } }));
		expect(externalIds(sim)).toEqual(['order-42']);
	});

	it('a create whose answer was lost finds its task by External Task ID: one task, the video delivered', async () => {
		const { sim } = ctx;
		// The task is created, then the connection drops before the answer.
		sim.fault({ on: 'create', type: 'reset' });
		const result = await run(sim, createParams());
		expect(result.status).toBe('success');
		expect(sim.tasks.size).toBe(1);
		expect(result.items[0].json.task_id).toBe([...sim.tasks.keys()][0]);
		expect(result.items[0].binary?.data).toBeDefined();
	});

	it('Retry On Fail after the task was paid for reuses it: the retry is refused as a duplicate and looks it up', async () => {
		const { sim } = ctx;
		// The first try fails after its task exists (the video cannot be fetched); n8n tries the node again.
		sim.fault({ on: 'download', type: 'status500', times: 3 });
		const result = await run(sim, createParams({ timeout: 1 }), { retryTries: 2 });
		expect(result.status).toBe('success');
		expect(sim.requestsOf('create')).toHaveLength(2);
		expect(new Set(externalIds(sim)).size).toBe(1);
		expect(sim.tasks.size).toBe(1);
		expect(result.items[0].binary?.data).toBeDefined();
		expect(sim.requestsOf('download').length).toBeGreaterThan(3);
	}, 120_000);

	it('a duplicate that cannot be looked up fails naming the External Task ID, and says nothing new was billed', async () => {
		const { sim } = ctx;
		await run(sim, createParams({ download: false, additionalFields: { externalTaskId: 'order-7' } }));
		sim.fault({ on: 'read', type: 'status500', times: 20, retryAfter: 0 });
		const result = await run(sim, createParams({ download: false, additionalFields: { externalTaskId: 'order-7' } }));
		expect(result.status).toBe('error');
		expect(String(result.error?.message)).toContain('External Task ID "order-7" already exists');
		expect(String(result.error?.description)).toMatch(/Nothing new was billed.*order-7/);
		expect(sim.tasks.size).toBe(1);
	});

	it('a looked-up answer that does not echo the External Task ID is not trusted', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'create', type: 'reset' });
		// The lookup answers, but with another task and no external id: CometAPI may read ids differently.
		sim.config.echoExternalId = false;
		const result = await run(sim, createParams({ download: false })).finally(() => {
			sim.config.echoExternalId = true;
		});
		expect(result.status).toBe('error');
		expect(String(result.error?.message)).toMatch(/may have been created and billed/);
		expect(String(result.error?.description)).toMatch(/External Task ID "n8n-/);
	});
});
