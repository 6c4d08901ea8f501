import type { SimEvent, SimRequest } from '../../tools/simulator/server';
import { createParams, run, useSimulator } from '../helpers/setup';

/** [start, end] of each task, from the simulator's own log: no wall-clock thresholds. */
function taskSpans(events: SimEvent[]) {
	const spans = new Map<string, { start: number; end: number }>();
	for (const e of events) {
		const span = spans.get(e.taskId) ?? { start: Infinity, end: -Infinity };
		if (e.status === 'submitted') span.start = e.t;
		if (e.status === 'succeed' || e.status === 'failed') span.end = e.t;
		spans.set(e.taskId, span);
	}
	return [...spans.values()];
}

/** The most requests of one kind that the server had open at the same moment. */
function peakInFlight(requests: SimRequest[], holdMs: number) {
	const edges = requests.flatMap((r) => [
		[r.t, 1],
		[r.t + holdMs, -1],
	]);
	edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
	let open = 0;
	let peak = 0;
	for (const [, delta] of edges) peak = Math.max(peak, (open += delta));
	return peak;
}

describe('several input items at once', () => {
	const ctx = useSimulator();

	it('creates one task per item, all running on the server at the same time, each paired with its item', async () => {
		const { sim } = ctx;
		sim.config.taskMs = 1500;
		const prompts = ['a red fox', 'a blue whale', 'a green frog', 'a yellow bird'];
		const result = await run(sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items: prompts.map((prompt) => ({ prompt })),
		});
		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(4);
		result.items.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.task_status).toBe('succeed');
			expect(item.binary!.data.fileName).toBe(`${item.json.task_id}.mp4`);
			expect(sim.tasks.get(item.json.task_id as string)!.body.prompt).toBe(prompts[i]);
		});
		// Every task started before any other finished: they overlapped, not one after another.
		const spans = taskSpans(sim.events);
		const lastStart = Math.max(...spans.map((s) => s.start));
		const firstEnd = Math.min(...spans.map((s) => s.end));
		expect(lastStart).toBeLessThan(firstEnd);
	});

	it('keeps at most "Create Requests at Once" create requests in flight', async () => {
		const { sim } = ctx;
		const holdMs = 400;
		sim.fault({ on: 'create', type: 'slow', delayMs: holdMs, times: 6 });
		const result = await run(
			sim,
			createParams({ prompt: '={{ $json.prompt }}', waitMode: 'none', options: { createConcurrency: 2 } }),
			{ items: Array.from({ length: 6 }, (_, i) => ({ prompt: `clip ${i}` })) },
		);
		expect(result.items).toHaveLength(6);
		const creates = sim.requestsOf('create');
		expect(creates).toHaveLength(6);
		expect(peakInFlight(creates, holdMs - 50)).toBe(2);
	});

	it("waits out the account's concurrent-task limit (1303): every task is created once and finishes", async () => {
		const { sim } = ctx;
		sim.config.maxConcurrentTasks = 2;
		sim.config.taskMs = 500;
		try {
			const result = await run(sim, createParams({ prompt: '={{ $json.prompt }}', download: false }), {
				items: Array.from({ length: 4 }, (_, i) => ({ prompt: `clip ${i}` })),
			});
			expect(result.status).toBe('success');
			expect(result.items.map((i) => i.json.task_status)).toEqual(['succeed', 'succeed', 'succeed', 'succeed']);
			expect(sim.tasks.size).toBe(4);
			expect(sim.requestsOf('create').filter((r) => r.status === 429).length).toBeGreaterThan(0);
		} finally {
			sim.config.maxConcurrentTasks = Infinity;
		}
	}, 60_000);

	it('with Continue On Fail, one failed task does not cost the others their videos', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items: [{ prompt: 'fine one' }, { prompt: 'bad one [sim:fail]' }, { prompt: 'fine two' }],
			continueOnFail: true,
		});
		expect(result.status).toBe('success');
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[0].binary).toBeDefined();
		expect(result.items[1].json).toMatchObject({ error: expect.stringMatching(/failed/), task_status: 'failed' });
		expect(result.items[1].json.task_id).toEqual(expect.any(String));
		expect(result.items[2].binary).toBeDefined();
	});

	it('without Continue On Fail, the first failure stops the run at once and names the tasks left running', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items: [{ prompt: 'long one [sim:ms=20000]' }, { prompt: 'bad one [sim:fail] [sim:ms=300]' }],
		});
		expect(result.status).toBe('error');
		expect(result.durationMs).toBeLessThan(20_000);
		const longTask = [...sim.tasks.values()].find((t) => String(t.body.prompt).startsWith('long'))!;
		const badTask = [...sim.tasks.values()].find((t) => String(t.body.prompt).startsWith('bad'))!;
		expect(result.error!.message).toContain(badTask.id);
		expect(result.error!.description).toContain(`item 0: task ${longTask.id}`);
	});
});
