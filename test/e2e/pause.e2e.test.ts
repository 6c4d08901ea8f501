/**
 * Wait Mode "Pause Until Callback" and the Kling (CometAPI) Trigger in real n8n servers (every tested
 * release), the simulator posting real callbacks to n8n's
 * webhook-waiting and webhook URLs: the execution waits in the database, resumes once when every
 * task has finished, survives a SIGKILL of n8n, and hands on the task ids when the Timeout passes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { freePort, N8nInstance } from '../../tools/n8n/instance';
import { provisionN8n, TESTED_N8N_VERSIONS } from '../../tools/n8n/provision';
import { readExample } from '../../tools/paths';
import { itemsFromPrompts, klingWorkflow } from '../../tools/n8n/workflows';
import type { Simulator, SimulatorOptions } from '../../tools/simulator/server';
import { createSimulator } from '../../tools/simulator/server';

const fixture = readFileSync(path.join(__dirname, '..', '..', 'tools', 'simulator', 'sample.mp4'));
const CREDENTIAL = { id: 'cometapi-kling', name: 'CometAPI (Kling) account' };
const SIM_DEFAULTS: SimulatorOptions = {
	submittedMs: 300,
	taskMs: 3000,
	callbackRetries: 3,
	callbackRetryMs: 1000,
	callbackDelayMs: 0,
	callbackCopies: 1,
	callbackReorderMs: 0,
	callbackDrop: [],
};

type Workflow = Record<string, any>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Manual (or webhook) trigger → Prompts (one item per prompt) → Create video → Publish (NoOp). */
function pauseWorkflow(
	id: string,
	prompts: string[],
	create: Record<string, unknown> = {},
	extra: { trigger?: 'manual' | 'webhook'; onError?: string } = {},
): Workflow {
	return klingWorkflow({
		id,
		trigger: extra.trigger === 'webhook' ? { kind: 'webhook', path: `start-${id}` } : { kind: 'manual' },
		code: itemsFromPrompts(prompts),
		codeName: 'Prompts',
		kling: { operation: 'create', prompt: '={{ $json.prompt }}', waitMode: 'callback', timeout: 10, ...create },
		klingName: 'Create video',
		onError: extra.onError,
		after: 'Publish',
		credential: CREDENTIAL,
	});
}

function nodeRuns(execution: { data: any }, name: string): any[] {
	return execution.data?.resultData?.runData?.[name] ?? [];
}
function outputOf(execution: { data: any }, name: string): any[] {
	const runs = nodeRuns(execution, name);
	return runs[runs.length - 1]?.data?.main?.[0] ?? [];
}

describe.each(TESTED_N8N_VERSIONS.map((version) => [version]))('Pause Until Callback in n8n %s', (version) => {
	let sim: Simulator;
	let n8n: N8nInstance;
	let port: number;

	const workflows = {
		one: pauseWorkflow('pauseOne00000001', ['A lighthouse at dusk']),
		twenty: pauseWorkflow(
			'pauseTwenty00001',
			Array.from({ length: 20 }, (_, i) => `Clip ${i} [sim:ms=${1500 + ((i * 7919) % 20) * 150}]`),
		),
		early: pauseWorkflow(
			'pauseEarly000001',
			['Fast one [sim:ms=150]', 'Slow one [sim:ms=4000]', 'Fast two [sim:ms=150]', 'Slow two [sim:ms=4500]'],
			{ options: { createConcurrency: 1 } },
		),
		failed: pauseWorkflow(
			'pauseFailed00001',
			['Fine one', 'A storm at sea [sim:fail]', 'Fine two'],
			{},
			{ trigger: 'webhook', onError: 'continueRegularOutput' },
		),
		restart: pauseWorkflow(
			'pauseRestart0001',
			Array.from({ length: 5 }, (_, i) => `Restart clip ${i} [sim:ms=20000]`),
		),
		restartPolling: pauseWorkflow(
			'pollRestart00001',
			Array.from({ length: 5 }, (_, i) => `Polling clip ${i} [sim:ms=20000]`),
			{ waitMode: 'poll', pollInterval: 1 },
		),
		timeLimit: pauseWorkflow('pauseTimeout0001', ['Never ends [sim:ms=900000]', 'Also slow [sim:ms=900000]'], {
			timeout: 0.1,
		}),
	};

	// The README's two-workflow recipe: create with the Trigger's URL as Callback URL; publish on the Trigger.
	const recipe = { create: readExample('callback-create.json'), publish: readExample('callback-publish.json') };
	const triggerUrl = () => `http://127.0.0.1:${port}/webhook/kling-cometapi-finished/kling`;

	beforeAll(async () => {
		sim = await createSimulator(SIM_DEFAULTS);
		// A fixed port: the callback URLs carry it, and the restart test starts n8n again on it.
		port = await freePort();
		n8n = new N8nInstance(await provisionN8n(version));
		await n8n.installPackage();
		await n8n.importCredentials([
			{ ...CREDENTIAL, type: 'cometApiKlingApi', data: { apiKey: sim.apiKey, baseUrl: sim.url } },
		]);
		const create = recipe.create.nodes.find((n: Workflow) => n.name === 'Create videos');
		create.parameters.additionalFields.callbackUrl = triggerUrl();
		recipe.create.nodes.find((n: Workflow) => n.name === 'Video ideas').parameters.jsCode =
			`return ['Sunrise [sim:ms=1500]', 'Storm [sim:fail]', 'Harbour [sim:ms=2500]'].map((prompt) => ({ json: { prompt } }));`;
		await n8n.importWorkflows([...Object.values(workflows), recipe.create, recipe.publish]);
		await n8n.start(port);
		await n8n.setupOwnerAndLogin();
	});
	afterEach(() => {
		sim.reset();
		Object.assign(sim.config, SIM_DEFAULTS);
	});
	afterAll(async () => {
		await n8n?.stop();
		await sim?.close();
		n8n?.cleanup();
	});

	const videoOf = (item: any) => readFileSync(n8n.binaryPath(item.binary.data.id));

	it('1 item: the execution waits in the database while the task runs, resumes once, hands on the MP4', async () => {
		const id = await n8n.runManually(workflows.one.id, 'Start');
		const waiting = await n8n.waitForExecution(id, ['waiting', 'error', 'success'], 30_000);
		expect(waiting.status).toBe('waiting');
		const [task] = [...sim.tasks.values()];
		expect(task.status).not.toBe('succeed');
		expect(task.body.callback_url).toMatch(
			new RegExp(`^http://127\\.0\\.0\\.1:${port}/webhook-waiting/${id}(\\?signature=\\w+)?/?.*${workflows.one.id}-k`),
		);
		// What the waiting execution holds: the input item with its pending task.
		expect(waiting.customData).toMatchObject({ kling_Create_video: `0:${task.id}` });

		const done = await n8n.waitForExecution(id, ['success', 'error', 'crashed'], 60_000);
		expect(done.status).toBe('success');
		expect(nodeRuns(done, 'Create video')).toHaveLength(1);
		const [item] = outputOf(done, 'Publish');
		expect(item.json).toMatchObject({ task_id: task.id, task_status: 'succeed', video_url: expect.any(String) });
		expect(item.json.kling_pending_task).toBeUndefined();
		expect(item.json.prompt).toBeUndefined();
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(videoOf(item).equals(fixture)).toBe(true);
		expect(sim.requestsOf('create')).toHaveLength(1);
		// Every status change was posted; the final one (or a later copy) resumed the execution.
		expect(sim.callbacks.map((c) => c.status)).toEqual(expect.arrayContaining(['submitted', 'processing', 'succeed']));
		expect(sim.callbacks.filter((c) => c.status === 'succeed').map((c) => c.httpStatus)).toContain(200);
	});

	it('20 items, callbacks duplicated, out of order and spoofed: resumes once with 20 paired MP4s, reads stay bounded', async () => {
		Object.assign(sim.config, { callbackCopies: 2, callbackReorderMs: 1200 });
		const id = await n8n.runManually(workflows.twenty.id, 'Start');
		expect((await n8n.waitForExecution(id, ['waiting', 'error', 'success'], 60_000)).status).toBe('waiting');
		const tasks = [...sim.tasks.values()];
		expect(tasks).toHaveLength(20);
		const callbackUrl = String(tasks[0].body.callback_url);

		// Spoofs: an unknown task, and one of ours claimed finished while it still runs. Neither resumes.
		const running = tasks.find((t) => t.status !== 'succeed')!;
		expect(await sim.spoofCallback(callbackUrl, { task_id: 'not-ours-123', task_status: 'succeed' })).toBe(200);
		expect(
			await sim.spoofCallback(callbackUrl, {
				task_id: running.id,
				task_status: 'succeed',
				task_result: { videos: [{ url: 'http://127.0.0.1:9/evil.mp4' }] },
			}),
		).toBe(200);
		expect((await n8n.execution(id)).status).toBe('waiting');

		const done = await n8n.waitForExecution(id, ['success', 'error', 'crashed'], 90_000);
		expect(done.status).toBe('success');
		expect(nodeRuns(done, 'Create video')).toHaveLength(1);
		const items = outputOf(done, 'Publish');
		expect(items).toHaveLength(20);
		items.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.task_status).toBe('succeed');
			expect(item.json.video_url).not.toContain('evil');
			expect(videoOf(item).equals(fixture)).toBe(true);
		});
		// Each item's task is its own: the prompt went to the task whose video it got.
		const byId = new Map(tasks.map((t) => [t.id, t]));
		items.forEach((item, i) => expect(byId.get(item.json.task_id)!.body.prompt).toMatch(new RegExp(`^Clip ${i} `)));
		expect(sim.requestsOf('create')).toHaveLength(20);
		// Duplicates and late non-final callbacks after the resume are refused by n8n, which is fine.
		await sleep(1500);
		const reads = sim.requestsOf('read').length;
		expect(reads / 20).toBeLessThanOrEqual(3 + Math.log(20));
	});

	it('callbacks that arrive before the pause is stored are lost, and the execution still resumes', async () => {
		Object.assign(sim.config, { callbackRetries: 0 });
		const id = await n8n.runManually(workflows.early.id, 'Start');
		const done = await n8n.waitForExecution(id, ['success', 'error', 'crashed'], 60_000);
		expect(done.status).toBe('success');
		// The fast tasks finished while the node was still creating the others: their callbacks were refused.
		const refused = sim.callbacks.filter((c) => c.httpStatus !== 200);
		expect(refused.length).toBeGreaterThan(0);
		const items = outputOf(done, 'Publish');
		expect(items.map((item) => item.json.task_status)).toEqual(['succeed', 'succeed', 'succeed', 'succeed']);
		items.forEach((item) => expect(videoOf(item).equals(fixture)).toBe(true));
	});

	it('production execution with one failed task and Continue On Fail: the others deliver, the failure names its task', async () => {
		await n8n.activate(workflows.failed.id);
		let started = await fetch(`${n8n.baseUrl}/webhook/start-${workflows.failed.id}`, { method: 'POST' });
		for (let i = 0; i < 40 && started.status === 404; i++) {
			await sleep(250);
			started = await fetch(`${n8n.baseUrl}/webhook/start-${workflows.failed.id}`, { method: 'POST' });
		}
		expect(started.status).toBe(200);
		let id = '';
		for (let i = 0; i < 80 && !id; i++) {
			id = (await n8n.executionsOf(workflows.failed.id))[0]?.id ?? '';
			if (!id) await sleep(250);
		}
		expect(id).not.toBe('');
		const done = await n8n.waitForExecution(id, ['success', 'error', 'crashed'], 60_000);
		expect(done.status).toBe('success');
		const items = outputOf(done, 'Publish');
		const failedTask = [...sim.tasks.values()].find((t) => String(t.body.prompt).includes('[sim:fail]'))!;
		expect(items[1].json).toMatchObject({
			task_id: failedTask.id,
			task_status: 'failed',
			error: expect.stringContaining(failedTask.id),
		});
		expect(items[1].binary).toBeUndefined();
		for (const i of [0, 2]) expect(videoOf(items[i]).equals(fixture)).toBe(true);
	});

	it('survives a SIGKILL of n8n while paused; the same kill loses a polling execution', async () => {
		Object.assign(sim.config, { callbackRetries: 8, callbackRetryMs: 1000 });
		const paused = await n8n.runManually(workflows.restart.id, 'Start');
		expect((await n8n.waitForExecution(paused, ['waiting', 'error'], 30_000)).status).toBe('waiting');
		const polling = await n8n.runManually(workflows.restartPolling.id, 'Start');
		for (let i = 0; i < 120 && sim.requestsOf('create').length < 10; i++) await sleep(250);
		expect(sim.requestsOf('create')).toHaveLength(10);

		await n8n.kill();
		await n8n.start(port);
		await n8n.setupOwnerAndLogin();

		const done = await n8n.waitForExecution(paused, ['success', 'error', 'crashed'], 120_000);
		expect(done.status).toBe('success');
		const items = outputOf(done, 'Publish');
		expect(items).toHaveLength(5);
		items.forEach((item) => expect(videoOf(item).equals(fixture)).toBe(true));

		// Wait Until Done: the execution died with the process; its five paid videos reached nobody.
		const lost = await n8n.waitForExecution(polling, ['crashed', 'error', 'success', 'canceled'], 60_000);
		expect(lost.status).not.toBe('success');
		expect(outputOf(lost, 'Publish')).toHaveLength(0);
	});

	it('when the Timeout passes first, the items go on with their task ids for Get Task', async () => {
		const id = await n8n.runManually(workflows.timeLimit.id, 'Start');
		expect((await n8n.waitForExecution(id, ['waiting', 'error'], 30_000)).status).toBe('waiting');
		// n8n's wait tracker looks for due executions every 60 s.
		const done = await n8n.waitForExecution(id, ['success', 'error', 'crashed'], 150_000);
		expect(done.status).toBe('success');
		const items = outputOf(done, 'Publish');
		expect(items).toHaveLength(2);
		items.forEach((item, i) => {
			const pending = item.json.kling_pending_task;
			expect(pending).toMatchObject({ item: i, state: 'waiting', node: 'Create video' });
			// The id leads to the task this very item created.
			expect(sim.tasks.get(pending.task_id)!.body.prompt).toBe(item.json.prompt);
			expect(item.binary).toBeUndefined();
		});
	});

	it('Trigger: one execution per finished task, confirmed by reading it; duplicates and spoofs start nothing', async () => {
		Object.assign(sim.config, { callbackCopies: 2 });
		await n8n.activate(recipe.publish.id);
		// Registration is asynchronous: wait until the production URL answers.
		let probe = await fetch(triggerUrl(), {
			method: 'POST',
			body: '{}',
			headers: { 'Content-Type': 'application/json' },
		});
		for (let i = 0; i < 40 && probe.status === 404; i++) {
			await sleep(250);
			probe = await fetch(triggerUrl(), {
				method: 'POST',
				body: '{}',
				headers: { 'Content-Type': 'application/json' },
			});
		}
		expect(probe.status).toBe(200);

		const created = await n8n.runManually(recipe.create.id, recipe.create.nodes[0].name);
		expect((await n8n.waitForExecution(created, ['success', 'error'], 30_000)).status).toBe('success');
		const tasks = [...sim.tasks.values()];
		expect(tasks).toHaveLength(3);
		// Spoofs while the tasks run: an unknown task, and a running task claimed finished.
		expect(await sim.spoofCallback(triggerUrl(), { task_id: 'spoofed-task-1', task_status: 'succeed' })).toBe(200);
		expect(await sim.spoofCallback(triggerUrl(), { task_id: tasks[0].id, task_status: 'succeed' })).toBe(200);

		const finishedRuns = async () =>
			(await n8n.executionsOf(recipe.publish.id)).filter((e) => e.status !== 'running' && e.status !== 'new');
		for (
			let i = 0;
			i < 120 &&
			((await finishedRuns()).length < 3 || tasks.some((t) => t.status !== 'succeed' && t.status !== 'failed'));
			i++
		)
			await sleep(250);
		await sleep(2000); // late duplicates
		// A final callback sent again much later (a retrying sender) starts nothing either.
		const late = sim.tasks.get(tasks[2].id)!;
		expect(
			await sim.spoofCallback(triggerUrl(), {
				code: 0,
				message: 'SUCCEED',
				data: { task_id: late.id, task_status: late.status },
			}),
		).toBe(200);
		await sleep(1000);

		const runs = await finishedRuns();
		expect(runs).toHaveLength(3);
		const outputs = await Promise.all(
			runs.map(async (run) => outputOf(await n8n.execution(run.id), 'Download video')[0]),
		);
		expect(outputs.map((o) => o.json.task_id).sort()).toEqual(tasks.map((t) => t.id).sort());
		for (const output of outputs) {
			const task = sim.tasks.get(output.json.task_id)!;
			expect(output.json.task_status).toBe(task.status);
			if (task.status === 'succeed') expect(videoOf(output).equals(fixture)).toBe(true);
			else expect(String(task.body.prompt)).toContain('[sim:fail]');
		}
		// The backup for after a restart, static data, is best effort: n8n saves each execution's
		// own copy, so overlapping executions drop each other's records (README). What it keeps is right.
		const stored = await n8n.rest('GET', `/workflows/${recipe.publish.id}`);
		const emitted = Object.keys(stored.json.data.staticData?.['node:Kling video finished']?.emitted ?? {});
		for (const key of emitted) expect(tasks.map((t) => `${t.id}:${sim.tasks.get(t.id)!.status}`)).toContain(key);
	});
});
