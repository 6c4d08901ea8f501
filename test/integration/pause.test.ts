/**
 * Pause Until Callback inside n8n's real engine (n8n-core in-process): the run ends as "waiting"
 * with its wait limit, the input items carry their tasks, and the resumed run (fed what webhook()
 * returns) downloads the videos. The resume through n8n's webhook server is in test/e2e.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PENDING_TASK_FIELD } from '../../nodes/KlingCometApi/actions/video/callback';
import { callbackSignature } from '../../nodes/KlingCometApi/helpers/signing';
import { readBinary } from '../../tools/engine';
import { createParams, run, useSimulator } from '../helpers/setup';

const fixture = readFileSync(path.join(__dirname, '..', '..', 'tools', 'simulator', 'sample.mp4'));

describe('Pause Until Callback in the n8n engine', () => {
	const ctx = useSimulator();
	const pauseParams = createParams({ prompt: '={{ $json.prompt }}', waitMode: 'callback', timeout: 15 });

	it('ends the run as waiting until the Timeout, each item holding its task', async () => {
		const { sim } = ctx;
		sim.config.taskMs = 60_000;
		const started = Date.now();
		const result = await run(sim, pauseParams, {
			items: [{ prompt: 'one' }, { prompt: 'two' }],
			executionId: 'exec-1',
		});
		expect(result.status).toBe('waiting');
		const waitTill = new Date(result.run.waitTill as Date).getTime() - started;
		expect(waitTill).toBeGreaterThan(14 * 60_000);
		expect(waitTill).toBeLessThanOrEqual(15 * 60_000 + 5000);
		const tasks = sim.requestsOf('create');
		expect(tasks).toHaveLength(2);
		for (const create of tasks) {
			// The resume URL plus the node's signature under the credential's key.
			const url = new URL(create.body!.callback_url as string);
			expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:1/webhook-waiting/exec-1/kling');
			expect(url.searchParams.get('kling_kind')).toBe('text2video');
			expect(url.searchParams.get('kling_sig')).toBe(callbackSignature(sim.apiKey, 'exec-1/kling', 'text2video'));
		}
		// Read once each before pausing, then nothing: no polling while paused.
		expect(sim.requestsOf('read')).toHaveLength(2);
		expect(result.items.map((item) => (item.json[PENDING_TASK_FIELD] as { task_id: string }).task_id).sort()).toEqual(
			[...sim.tasks.keys()].sort(),
		);
		expect(result.items.map((item) => item.json.prompt)).toEqual(['one', 'two']);
	});

	it('finishes without pausing when every task is done by the first read', async () => {
		const { sim } = ctx;
		sim.config.taskMs = 0;
		sim.config.submittedMs = 0;
		const result = await run(sim, pauseParams, { items: [{ prompt: 'quick' }] });
		expect(result.status).toBe('success');
		expect(result.items[0].json.task_status).toBe('succeed');
		expect((await readBinary(result.items[0].binary!.data)).equals(fixture)).toBe(true);
	});

	it('the resumed run hands on the videos of the tasks webhook() confirmed, without creating or reading', async () => {
		const { sim } = ctx;
		sim.config.taskMs = 0;
		sim.config.submittedMs = 0;
		// Two finished tasks, as webhook() returns them.
		const first = await run(sim, createParams({ waitMode: 'poll' }), { items: [{}, {}] });
		sim.requests.length = 0;
		const resumeItems = first.items.map((item, i) => ({
			prompt: `clip ${i}`,
			[PENDING_TASK_FIELD]: {
				state: 'finished',
				node: 'Kling',
				node_id: 'kling',
				execution_id: 'exec-1',
				item: i,
				task_id: item.json.task_id,
				task_status: 'submitted',
				timeout_at: '',
				note: '',
				task: { ...item.json },
			},
		}));
		const resumed = await run(sim, pauseParams, { items: resumeItems, executionId: 'exec-1' });
		expect(resumed.status).toBe('success');
		expect(sim.requestsOf('create')).toHaveLength(0);
		expect(sim.requestsOf('read')).toHaveLength(0);
		expect(sim.requestsOf('download')).toHaveLength(2);
		expect(resumed.items.map((item) => item.json.task_id)).toEqual(first.items.map((item) => item.json.task_id));
		for (const item of resumed.items) expect((await readBinary(item.binary!.data)).equals(fixture)).toBe(true);
	});
});
