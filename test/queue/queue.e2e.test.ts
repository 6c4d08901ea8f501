/**
 * `npm run test:queue`: the packed package on n8n's distributed engine (n8n 2.40.7): PostgreSQL,
 * Redis, a main instance, two workers (`--concurrency=5`) and a webhook processor, driven through
 * production webhooks against the simulator. Binary data in `database` mode (the queue default),
 * then once in `filesystem` mode with a shared folder.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { N8N_VERSIONS, provisionN8n } from '../../tools/n8n/provision';
import type { Service } from '../../tools/n8n/queue';
import { QueueCluster, queueSkipReason, startPostgres, startRedis } from '../../tools/n8n/queue';
import { readExample } from '../../tools/paths';
import { klingWorkflow } from '../../tools/n8n/workflows';
import type { Simulator } from '../../tools/simulator/server';
import { createSimulator } from '../../tools/simulator/server';

const fixture = readFileSync(path.join(__dirname, '..', '..', 'tools', 'simulator', 'sample.mp4'));
const CREDENTIAL = { id: 'cometapi-kling', name: 'CometAPI (Kling) account' };
const WORKERS = 2;
const CONCURRENCY = 5;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Workflow = Record<string, any>;

/** Webhook (POST /webhook/<path>, answers at once) → Items (Code)? → Kling. */
const hookWorkflow = (id: string, hookPath: string, kling: Record<string, unknown>, code?: string): Workflow =>
	klingWorkflow({ id, trigger: { kind: 'webhook', path: hookPath }, code, kling, credential: CREDENTIAL });

const IMAGES = path.join(__dirname, '..', 'fixtures', 'images');
const sha256 = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');
/** One item per image file named in the request, each with a prompt. */
const imageItems = `return $json.body.images.map((file) => ({ json: { imagePath: ${JSON.stringify(IMAGES)} + '/' + file, prompt: 'animate ' + file + ' [sim:ms=' + $json.body.ms + ']' } }));`;
const manyItems = `return Array.from({ length: $json.body.count }, (_, i) => ({ json: { prompt: $json.body.prefix + ' ' + i + ' [sim:ms=' + $json.body.ms + ']' } }));`;
const workflows = {
	poll: hookWorkflow('queuePoll00000001', 'make-video', {
		operation: 'create',
		prompt: '={{ $json.body.prompt }}',
		waitMode: 'poll',
		pollInterval: 1,
		timeout: 10,
	}),
	get: hookWorkflow('queueGetTask00001', 'get-task', {
		operation: 'get',
		taskId: '={{ $json.body.task_id }}',
		waitMode: 'poll',
		pollInterval: 1,
		timeout: 10,
	}),
	pause: hookWorkflow(
		'queuePause0000001',
		'make-videos-paused',
		{ operation: 'create', prompt: '={{ $json.prompt }}', waitMode: 'callback', timeout: 10 },
		manyItems,
	),
	// Images read from disk into database binary data, then Create Video from Image, paused.
	images: klingWorkflow({
		id: 'queueImagePause01',
		trigger: { kind: 'webhook', path: 'make-image-videos' },
		code: imageItems,
		readFile: 'Read image',
		kling: {
			operation: 'imageToVideo',
			model: 'kling-v2-6',
			prompt: "={{ $('Items').item.json.prompt }}",
			imageBinaryProperty: 'data',
			waitMode: 'callback',
			timeout: 10,
		},
		credential: CREDENTIAL,
	}),
	pollMany: hookWorkflow(
		'queuePollMany0001',
		'make-videos-polling',
		{ operation: 'create', prompt: '={{ $json.prompt }}', waitMode: 'poll', pollInterval: 1, timeout: 10 },
		manyItems,
	),
	callbackCreate: hookWorkflow('queueCallbackMk01', 'make-video-callback', {
		operation: 'create',
		prompt: '={{ $json.body.prompt }}',
		waitMode: 'none',
		additionalFields: { callbackUrl: '={{ $json.body.callback_url }}' },
	}),
	publish: readExample('callback-publish.json'),
};

const skip = queueSkipReason();
if (skip) console.warn(`Skipping the queue-mode suite: ${skip}`);
const suite = skip ? describe.skip : describe;

suite(
	`Queue mode: n8n ${N8N_VERSIONS.current}, PostgreSQL, Redis, ${WORKERS} workers x ${CONCURRENCY}, a webhook processor`,
	() => {
		let sim: Simulator;
		let redis: Service;
		let postgres: Service;
		let cluster: QueueCluster;

		const post = (hookPath: string, body: unknown) =>
			fetch(`${cluster.webhookUrl}/webhook/${hookPath}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify(body),
			});
		const executions = (workflowId: string) => cluster.main.executionsOf(workflowId);
		/** Waits until `count` executions of a workflow have ended; returns them. */
		async function ended(workflowId: string, count: number, timeoutMs = 120_000) {
			const end = Date.now() + timeoutMs;
			for (;;) {
				const list = (await executions(workflowId)).filter((e) => !['new', 'running', 'waiting'].includes(e.status));
				if (list.length >= count) return list;
				if (Date.now() > end) throw new Error(`${workflowId}: ${list.length}/${count} executions ended`);
				await sleep(500);
			}
		}
		/** The video of an output item, through n8n's REST API (works in every binary-data mode). */
		async function videoOf(item: any): Promise<Buffer> {
			const id = encodeURIComponent(item.binary.data.id);
			const response = await fetch(`${cluster.main.baseUrl}/rest/binary-data?id=${id}&action=download`, {
				headers: { Cookie: cluster.main.sessionCookie, 'browser-id': 'kling-e2e' },
			});
			if (response.status !== 200) throw new Error(`binary-data answered ${response.status}`);
			return Buffer.from(await response.arrayBuffer());
		}
		const klingOutput = async (executionId: string) => {
			const execution = await cluster.main.execution(executionId);
			const runs = execution.data?.resultData?.runData?.Kling ?? [];
			return { execution, items: (runs[runs.length - 1]?.data?.main?.[0] ?? []) as any[] };
		};
		async function activate(...ids: string[]) {
			for (const id of ids) await cluster.main.activate(id);
			await sleep(1000);
		}

		beforeAll(async () => {
			sim = await createSimulator({ submittedMs: 500, taskMs: 4000, callbackRetries: 5, callbackRetryMs: 1000 });
			[redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
			cluster = new QueueCluster({
				install: await provisionN8n(N8N_VERSIONS.current),
				redisPort: redis.port,
				postgresPort: postgres.port,
				binaryDataMode: 'database',
				workers: WORKERS,
				concurrency: CONCURRENCY,
				credentials: [{ ...CREDENTIAL, type: 'cometApiKlingApi', data: { apiKey: sim.apiKey, baseUrl: sim.url } }],
				workflows: Object.values(workflows),
				env: { N8N_RESTRICT_FILE_ACCESS_TO: IMAGES },
				log: process.env.QUEUE_LOG ? (line) => console.log(line) : undefined,
			});
			await cluster.start();
			await activate(
				workflows.poll.id,
				workflows.get.id,
				workflows.pause.id,
				workflows.pollMany.id,
				workflows.images.id,
			);
		});
		afterAll(async () => {
			await cluster?.stop();
			await Promise.all([redis?.stop(), postgres?.stop()]);
			await sim?.close();
		});

		it("50 polling executions at once: all succeed with the simulator's bytes, one task each, on both workers, in waves of 10 slots", async () => {
			sim.reset();
			const started = Date.now();
			const answers = await Promise.all(
				Array.from({ length: 50 }, (_, i) => post('make-video', { prompt: `Queue clip ${i} [sim:ms=4000]` })),
			);
			expect(answers.every((a) => a.status === 200)).toBe(true);
			const runs = await ended(workflows.poll.id, 50, 180_000);
			const wallS = (Date.now() - started) / 1000;
			expect(runs.filter((r) => r.status === 'success')).toHaveLength(50);

			// No task created twice: one create per prompt.
			const prompts = sim.requestsOf('create').map((r) => String(r.body!.prompt));
			expect(prompts).toHaveLength(50);
			expect(new Set(prompts).size).toBe(50);
			for (const run of runs) {
				const { items } = await klingOutput(run.id);
				expect(items).toHaveLength(1);
				expect((await videoOf(items[0])).equals(fixture)).toBe(true);
			}
			const perWorker = cluster.executionsPerWorker().filter((n) => n > 0);
			expect(perWorker).toHaveLength(WORKERS);

			// Each polling execution holds a worker slot for its whole wait: never more than 10 tasks at once.
			const spans = [...sim.tasks.values()].map((task) => {
				const events = sim.events.filter((e) => e.taskId === task.id);
				return [events[0].t, events[events.length - 1].t];
			});
			const maxAtOnce = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
			expect(maxAtOnce).toBeLessThanOrEqual(WORKERS * CONCURRENCY);
			console.log(
				`queue: 50 polling executions of 4 s tasks took ${wallS.toFixed(1)} s on ${WORKERS}x${CONCURRENCY} slots ` +
					`(at most ${maxAtOnce} tasks at once, ${Math.ceil(50 / (WORKERS * CONCURRENCY))} waves); executions per worker ${perWorker.join('/')}`,
			);
		});

		it("a worker killed (SIGKILL) mid-wait: the execution fails, its task id is in the worker's log, and Get Task collects the video", async () => {
			sim.reset();
			expect((await post('make-video', { prompt: 'Doomed wait [sim:ms=25000]' })).status).toBe(200);
			let executionId = '';
			let worker;
			for (let i = 0; i < 120 && !(worker && sim.requestsOf('create').length); i++) {
				executionId = (await executions(workflows.poll.id)).find((e) => e.status === 'running')?.id ?? '';
				worker = executionId ? cluster.workerOf(executionId) : undefined;
				await sleep(250);
			}
			expect(worker).toBeDefined();
			const [task] = [...sim.tasks.values()];
			for (let i = 0; i < 40 && !worker!.output.includes(task.id); i++) await sleep(250);
			await worker!.kill();
			try {
				const failed = await cluster.main.waitForExecution(executionId, ['error', 'crashed', 'success'], 90_000);
				expect(failed.status).not.toBe('success');
				// What survives the dead worker: its info log line. (n8n writes execution custom data
				// when an execution ends, which a killed worker never reaches: README, "Queue mode".)
				expect(worker!.output).toContain(`Kling (CometAPI) node "Kling": item 0 has task ${task.id}`);
				console.log(
					`queue: killed worker: execution ${executionId} ended "${failed.status}"; custom data ${JSON.stringify(failed.customData)}`,
				);
			} finally {
				await cluster.addWorker();
			}
			expect((await post('get-task', { task_id: task.id })).status).toBe(200);
			const [collected] = await ended(workflows.get.id, 1, 60_000);
			expect(collected.status).toBe('success');
			const { items } = await klingOutput(collected.id);
			expect(items[0].json).toMatchObject({ task_id: task.id, task_status: 'succeed' });
			expect((await videoOf(items[0])).equals(fixture)).toBe(true);
			expect(sim.requestsOf('create')).toHaveLength(1);
		});

		it('Pause Until Callback: 20 items wait in the database, callbacks land on the webhook processor, a worker killed meanwhile loses nothing', async () => {
			sim.reset();
			expect((await post('make-videos-paused', { count: 20, prefix: 'Paused clip', ms: 8000 })).status).toBe(200);
			let id = '';
			for (let i = 0; i < 120 && !id; i++) {
				id = (await executions(workflows.pause.id)).find((e) => e.status === 'waiting')?.id ?? '';
				if (!id) await sleep(250);
			}
			expect(id).not.toBe('');
			const webhookPort = new URL(cluster.webhookUrl).port;
			expect([...sim.tasks.values()].every((t) => new URL(String(t.body.callback_url)).port === webhookPort)).toBe(
				true,
			);

			// Nothing runs while paused: killing a worker now costs nothing (the other one resumes it).
			expect(cluster.liveWorkers().length).toBeGreaterThanOrEqual(2);
			await cluster.liveWorkers()[0].kill();
			let done;
			try {
				done = await cluster.main.waitForExecution(id, ['success', 'error', 'crashed'], 120_000);
			} finally {
				await cluster.addWorker();
			}
			expect(done.status).toBe('success');
			const { items } = await klingOutput(id);
			expect(items).toHaveLength(20);
			for (const item of items) expect((await videoOf(item)).equals(fixture)).toBe(true);
			expect(sim.callbacks.some((c) => c.httpStatus === 200 && c.status === 'succeed')).toBe(true);
		});

		it('image to video: images read on a worker into database binary data, checked, paused, resumed on a worker, videos out', async () => {
			sim.reset();
			const files = ['product.jpg', 'commented.jpg', 'end-frame.png', 'square.png'];
			expect((await post('make-image-videos', { images: files, ms: 3000 })).status).toBe(200);
			const [done] = await ended(workflows.images.id, 1, 90_000);
			expect(done.status).toBe('success');
			const { execution, items } = await klingOutput(done.id);
			expect(execution.status).toBe('success');
			expect(items).toHaveLength(files.length);
			for (const item of items) {
				expect(item.json).toMatchObject({ task_status: 'succeed', task_kind: 'image2video' });
				expect((await videoOf(item)).equals(fixture)).toBe(true);
			}
			const sent = sim
				.requestsOf('create')
				.map((c) => (c.images!.image as { sha256: string }).sha256)
				.sort();
			expect(sent).toEqual(files.map((file) => sha256(readFileSync(path.join(IMAGES, file)))).sort());
			expect(sim.requestsOf('read').every((r) => r.taskKind === 'image2video')).toBe(true);
		});

		it('Kling Trigger: callbacks land on the webhook processor and start one execution per finished task', async () => {
			sim.reset();
			await activate(workflows.publish.id, workflows.callbackCreate.id);
			const triggerUrl = `${cluster.webhookUrl}/webhook/kling-cometapi-finished/kling`;
			for (const prompt of ['Trigger one [sim:ms=2000]', 'Trigger two [sim:ms=3000]', 'Trigger three [sim:fail]']) {
				expect((await post('make-video-callback', { prompt, callback_url: triggerUrl })).status).toBe(200);
			}
			const runs = await ended(workflows.publish.id, 3, 90_000);
			await sleep(3000);
			expect(await executions(workflows.publish.id)).toHaveLength(3);
			const taskIds = await Promise.all(
				runs.map(async (run) => {
					const execution = await cluster.main.execution(run.id);
					return execution.data.resultData.runData['Download video'][0].data.main[0][0].json.task_id;
				}),
			);
			expect(taskIds.sort()).toEqual([...sim.tasks.keys()].sort());
		});

		it('slots held and executions per minute, polling vs pausing, 30 executions of 8 s tasks', async () => {
			const measure = async (hookPath: string, workflowId: string) => {
				sim.reset();
				const before = (await executions(workflowId)).length;
				const started = Date.now();
				await Promise.all(
					Array.from({ length: 30 }, (_, i) => post(hookPath, { count: 1, prefix: `Rate ${hookPath} ${i}`, ms: 8000 })),
				);
				let maxRunning = 0;
				let maxWaiting = 0;
				for (;;) {
					const list = (await executions(workflowId)).slice(0, 30);
					maxRunning = Math.max(maxRunning, list.filter((e) => e.status === 'running').length);
					maxWaiting = Math.max(maxWaiting, list.filter((e) => e.status === 'waiting').length);
					const total = await executions(workflowId);
					if (total.length - before >= 30 && list.every((e) => !['new', 'running', 'waiting'].includes(e.status)))
						break;
					if (Date.now() - started > 240_000) throw new Error(`${hookPath} did not finish`);
					await sleep(300);
				}
				const minutes = (Date.now() - started) / 60_000;
				return { minutes, perMinute: 30 / minutes, maxRunning, maxWaiting };
			};
			const polling = await measure('make-videos-polling', workflows.pollMany.id);
			const pausing = await measure('make-videos-paused', workflows.pause.id);
			console.log(
				`queue: 30 executions of 8 s tasks on ${WORKERS}x${CONCURRENCY} slots: polling ${(polling.minutes * 60).toFixed(1)} s ` +
					`(${polling.perMinute.toFixed(1)}/min, up to ${polling.maxRunning} running), pausing ${(pausing.minutes * 60).toFixed(1)} s ` +
					`(${pausing.perMinute.toFixed(1)}/min, up to ${pausing.maxRunning} running, ${pausing.maxWaiting} waiting)`,
			);
			expect(polling.maxRunning).toBeLessThanOrEqual(WORKERS * CONCURRENCY);
			expect(pausing.maxWaiting).toBeGreaterThan(WORKERS * CONCURRENCY);
			expect(pausing.perMinute).toBeGreaterThan(polling.perMinute);
		});
	},
);

suite('Queue mode with binary data in a shared filesystem folder', () => {
	let sim: Simulator;
	let redis: Service;
	let postgres: Service;
	let cluster: QueueCluster;

	beforeAll(async () => {
		sim = await createSimulator({ submittedMs: 300, taskMs: 3000 });
		[redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
		cluster = new QueueCluster({
			install: await provisionN8n(N8N_VERSIONS.current),
			redisPort: redis.port,
			postgresPort: postgres.port,
			binaryDataMode: 'filesystem',
			workers: WORKERS,
			concurrency: CONCURRENCY,
			credentials: [{ ...CREDENTIAL, type: 'cometApiKlingApi', data: { apiKey: sim.apiKey, baseUrl: sim.url } }],
			workflows: [workflows.poll, workflows.pause],
		});
		await cluster.start();
		for (const id of [workflows.poll.id, workflows.pause.id]) await cluster.main.activate(id);
		await sleep(1000);
	});
	afterAll(async () => {
		await cluster?.stop();
		await Promise.all([redis?.stop(), postgres?.stop()]);
		await sim?.close();
	});

	it('polling and paused executions both hand on videos stored in the shared folder', async () => {
		const post = (hookPath: string, body: unknown) =>
			fetch(`${cluster.webhookUrl}/webhook/${hookPath}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify(body),
			});
		await Promise.all(Array.from({ length: 5 }, (_, i) => post('make-video', { prompt: `Shared ${i}` })));
		await post('make-videos-paused', { count: 5, prefix: 'Shared paused', ms: 3000 });
		const end = Date.now() + 120_000;
		let done: Array<{ id: string; status: string }> = [];
		while (Date.now() < end) {
			done = [
				...(await cluster.main.executionsOf(workflows.poll.id)),
				...(await cluster.main.executionsOf(workflows.pause.id)),
			].filter((e) => e.status === 'success');
			if (done.length >= 6) break;
			await sleep(500);
		}
		expect(done).toHaveLength(6);
		let videos = 0;
		for (const run of done) {
			const execution = await cluster.main.execution(run.id);
			for (const item of execution.data.resultData.runData.Kling.at(-1).data.main[0]) {
				expect(item.binary.data.id).toMatch(/^filesystem/);
				const response = await fetch(
					`${cluster.main.baseUrl}/rest/binary-data?id=${encodeURIComponent(item.binary.data.id)}&action=download`,
					{ headers: { Cookie: cluster.main.sessionCookie, 'browser-id': 'kling-e2e' } },
				);
				expect(Buffer.from(await response.arrayBuffer()).equals(fixture)).toBe(true);
				videos++;
			}
		}
		expect(videos).toBe(10);
	});
});
