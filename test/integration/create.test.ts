import { readFileSync } from 'node:fs';
import path from 'node:path';

import { engineLogs, readBinary } from '../../tools/engine';
import { createParams, run, useSimulator, visibleText } from '../helpers/setup';

const fixture = readFileSync(path.join(__dirname, '..', '..', 'tools', 'simulator', 'sample.mp4'));

describe('Create Video in the n8n engine', () => {
	const ctx = useSimulator();

	it('logs each status change of each task at info, so a user waiting in the editor can follow it in the log', async () => {
		const { sim } = ctx;
		engineLogs.length = 0;
		const result = await run(sim, createParams({ download: false }));
		expect(result.status).toBe('success');
		const taskId = String(result.items[0].json.task_id);
		const lines = engineLogs.filter((line) => line.level === 'info').map((line) => line.message);
		expect(lines).toContain(`Kling (CometAPI) node "Kling": item 0 has task ${taskId} (submitted)`);
		expect(lines).toContain(`Kling (CometAPI) node "Kling": item 0, task ${taskId} is processing`);
		expect(lines).toContain(`Kling (CometAPI) node "Kling": item 0, task ${taskId} is succeed`);
	});

	it('waits until done and hands over the MP4 as binary data, streamed from the CDN without the key', async () => {
		const { sim } = ctx;
		const result = await run(
			sim,
			createParams({ additionalFields: { duration: 5, aspectRatio: '9:16', mode: 'std' } }),
		);
		expect(result.status).toBe('success');
		expect(result.items).toHaveLength(1);
		const [item] = result.items;
		const taskId = item.json.task_id as string;
		expect(item.json).toMatchObject({
			task_status: 'succeed',
			task_status_msg: '',
			task_info: {},
			video_url: expect.stringContaining(`${sim.cdnUrl}/videos/${taskId}.mp4`),
			task_result: { videos: [{ id: `v-${taskId}`, duration: '5' }] },
		});
		expect(typeof item.json.created_at).toBe('number');
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.binary!.data).toMatchObject({ fileName: `${taskId}.mp4`, mimeType: 'video/mp4', fileExtension: 'mp4' });
		expect((await readBinary(item.binary!.data)).equals(fixture)).toBe(true);

		const [create] = sim.requestsOf('create');
		expect(create.body).toEqual({
			external_task_id: expect.stringMatching(/^n8n-[0-9a-f]{8}-exec\d+-kling-0-0$/),
			prompt: 'A happy scene of a vacation on the beach.',
			model_name: 'kling-v1',
			duration: '5',
			aspect_ratio: '9:16',
			mode: 'std',
		});
		const downloads = sim.requestsOf('download');
		expect(downloads).toHaveLength(1);
		expect(downloads[0].authHeader).toBe(false);
		expect(visibleText(result)).not.toContain(sim.apiKey);
	});

	it('reads the status every interval: between floor(T / interval) - 1 and ceil(T / interval) + 1 times', async () => {
		const { sim } = ctx;
		sim.config.taskMs = 2000;
		const result = await run(sim, createParams({ pollInterval: 0.5 }));
		expect(result.status).toBe('success');
		const reads = sim.requestsOf('read').length;
		// A node that polls too rarely fails the lower bound; one that polls too often, the upper.
		expect(reads).toBeGreaterThanOrEqual(Math.floor(2000 / 500) - 1);
		expect(reads).toBeLessThanOrEqual(Math.ceil(2000 / 500) + 1);
		expect(sim.requestsOf('create')).toHaveLength(1);
	});

	it('without waiting returns the fresh task, reads nothing and downloads nothing', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ waitMode: 'none', additionalFields: { externalTaskId: 'order-1' } }));
		expect(result.status).toBe('success');
		expect(result.items[0].json).toMatchObject({
			task_status: 'submitted',
			task_info: { external_task_id: 'order-1' },
		});
		expect(result.items[0].json).not.toHaveProperty('video_url');
		expect(result.items[0].binary).toBeUndefined();
		expect(sim.requestsOf('read')).toHaveLength(0);
		expect(sim.requestsOf('download')).toHaveLength(0);
	});

	it('with download off passes on the URL only, in the chosen wait', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ download: false }));
		expect(result.items[0].json.video_url).toMatch(/\.mp4\?expires=/);
		expect(result.items[0].binary).toBeUndefined();
		expect(sim.requestsOf('download')).toHaveLength(0);
	});

	it('puts the video in the binary field the user named', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ binaryPropertyName: 'video' }));
		expect(Object.keys(result.items[0].binary!)).toEqual(['video']);
	});

	it('a custom model name goes out as model_name', async () => {
		const { sim } = ctx;
		await run(sim, createParams({ model: 'custom', customModel: 'kling-v9-preview', waitMode: 'none' }));
		expect(sim.requestsOf('create')[0].body).toMatchObject({ model_name: 'kling-v9-preview' });
		expect([...sim.tasks.values()][0].model).toBe('kling-v9-preview');
	});

	it('sends camera control with exactly one axis for "simple"', async () => {
		const { sim } = ctx;
		await run(
			sim,
			createParams({
				waitMode: 'none',
				additionalFields: { cameraControl: { camera: { type: 'simple', horizontal: 0, zoom: -4 } } },
			}),
		);
		expect(sim.requestsOf('create')[0].body).toMatchObject({
			camera_control: { type: 'simple', config: { zoom: -4 } },
		});
	});
});
