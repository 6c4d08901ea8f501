import { readBinary } from '../../tools/engine';
import { createParams, getParams, run, until, useSimulator } from '../helpers/setup';

describe('Get Task in the n8n engine', () => {
	const ctx = useSimulator();

	async function createTask(prompt = 'A lighthouse at dusk', taskMs = 600) {
		ctx.sim.config.taskMs = taskMs;
		const created = await run(ctx.sim, createParams({ prompt, waitMode: 'none' }));
		return created.items[0].json.task_id as string;
	}

	it('without waiting returns the task as it is now: pending is an answer, not an error', async () => {
		const taskId = await createTask('slow [sim:ms=5000]', 5000);
		const result = await run(ctx.sim, getParams(taskId));
		expect(result.status).toBe('success');
		expect(['submitted', 'processing']).toContain(result.items[0].json.task_status);
		expect(result.items[0].json).not.toHaveProperty('video_url');
		expect(result.items[0].binary).toBeUndefined();
		expect(ctx.sim.requestsOf('read')).toHaveLength(1);
	});

	it('without waiting downloads the video of a task that already finished', async () => {
		const taskId = await createTask();
		await until(() => ctx.sim.tasks.get(taskId)!.status === 'succeed');
		const result = await run(ctx.sim, getParams(taskId));
		expect(result.items[0].json).toMatchObject({
			task_id: taskId,
			task_status: 'succeed',
			video_url: expect.any(String),
		});
		expect((await readBinary(result.items[0].binary!.data)).length).toBeGreaterThan(1000);
	});

	it('without waiting returns a failed task as it is', async () => {
		const taskId = await createTask('[sim:fail] [sim:ms=200]', 200);
		await until(() => ctx.sim.tasks.get(taskId)!.status === 'failed');
		const result = await run(ctx.sim, getParams(taskId));
		expect(result.status).toBe('success');
		expect(result.items[0].json).toMatchObject({
			task_status: 'failed',
			task_status_msg: expect.stringContaining('risk'),
		});
	});

	it('waiting: create without waiting, then Get Task waits and downloads', async () => {
		const taskId = await createTask('later [sim:ms=1500]', 1500);
		const result = await run(ctx.sim, getParams(taskId, { waitMode: 'poll' }));
		expect(result.status).toBe('success');
		expect(result.items[0].json).toMatchObject({ task_id: taskId, task_status: 'succeed' });
		expect(result.items[0].binary!.data.fileName).toBe(`${taskId}.mp4`);
		// Reads at once, then every 0.5 s until the 1.5 s task is done.
		const reads = ctx.sim.requestsOf('read').length;
		expect(reads).toBeGreaterThanOrEqual(Math.floor(1500 / 500) - 1);
		expect(reads).toBeLessThanOrEqual(Math.ceil(1500 / 500) + 2);
	});

	it('waiting with download off gives the URL only', async () => {
		const taskId = await createTask();
		const result = await run(ctx.sim, getParams(taskId, { waitMode: 'poll', download: false }));
		expect(result.items[0].json.video_url).toBeDefined();
		expect(result.items[0].binary).toBeUndefined();
	});

	it('an unknown task id is a clear error that names the id', async () => {
		const result = await run(ctx.sim, getParams('no-such-task'));
		expect(result.status).toBe('error');
		expect(result.error).toMatchObject({ httpCode: '404' });
		expect(String(result.error!.message)).toContain('no-such-task');
	});

	it('every input item gets its own task read, paired with its item', async () => {
		const first = await createTask('one');
		const second = await createTask('two');
		const result = await run(ctx.sim, getParams('={{ $json.id }}'), { items: [{ id: first }, { id: second }] });
		expect(result.items.map((i) => [i.json.task_id, i.pairedItem])).toEqual([
			[first, { item: 0 }],
			[second, { item: 1 }],
		]);
	});
});
