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
		duplicates: pauseWorkflow(
			'pauseDuplicates1',
			Array.from({ length: 4 }, (_, i) => `Twin ${i} [sim:ms=1500]`),
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
		// Not resumed (n8n 2.41 shows "running" while it hands a callback to the node).
		expect(['waiting', 'running']).toContain((await n8n.execution(id)).status);

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

	it('simultaneous duplicate final callbacks: one resume, one download per task, no callback answered 500', async () => {
		Object.assign(sim.config, { callbackCopies: 6, callbackReorderMs: 0 });
		const id = await n8n.runManually(workflows.duplicates.id, 'Start');
		const done = await n8n.waitForExecution(id, ['success', 'error', 'crashed'], 60_000);
		expect(done.status).toBe('success');
		expect(nodeRuns(done, 'Create video')).toHaveLength(1);
		const items = outputOf(done, 'Publish');
		expect(items).toHaveLength(4);
		items.forEach((item) => expect(videoOf(item).equals(fixture)).toBe(true));
		await sleep(1500);
		const ours = new Set([...sim.tasks.keys()]);
		expect(sim.requestsOf('download').filter((r) => ours.has(String(r.taskId)))).toHaveLength(4);
		const finals = sim.callbacks.filter((c) => c.status === 'succeed');
		expect(finals).toHaveLength(24);
		expect(finals.filter((c) => c.httpStatus === 500)).toEqual([]);
		expect(finals.filter((c) => c.httpStatus === 200).length).toBeGreaterThanOrEqual(1);
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
		// Forged "finished" claims for a task that never ends: the first costs one read, the rest of
		// the row none (answered "call again"); the resume URL without the node's signature is
		// refused unread (n8n 2.8 puts no token of its own into resume URLs).
		const running = [...sim.tasks.values()][0];
		const callbackUrl = String(running.body.callback_url);
		const unsigned = callbackUrl.replace(/\?.*$/, '');
		const readsBefore = sim.requestsOf('read').length;
		const answers: unknown[] = [];
		for (let i = 0; i < 30; i++) {
			answers.push(await sim.spoofCallback(callbackUrl, { task_id: running.id, task_status: 'succeed' }));
			// 403 from the node; n8n 2.40 and later refuse a resume URL without their own token first (401).
			expect([401, 403]).toContain(await sim.spoofCallback(unsigned, { task_id: running.id, task_status: 'succeed' }));
		}
		expect(answers[0]).toBe(200);
		expect(answers.filter((status) => status === 503).length).toBeGreaterThanOrEqual(25);
		expect(sim.requestsOf('read').length - readsBefore).toBeLessThanOrEqual(Math.ceil(answers.length / 25));
		expect((await n8n.execution(id)).status).toBe('waiting');
		// n8n's wait tracker looks for due executions every 60 s.
		const done = await n8n.waitForExecution(id, ['success', 'error', 'crashed'], 150_000);
		expect(done.status).toBe('success');
		const items = outputOf(done, 'Publish');
		expect(items).toHaveLength(2);
		items.forEach((item, i) => {
			const pending = item.json.kling_pending_task;
			expect(pending).toMatchObject({ item: i, state: 'waiting', node: 'Create video' });
			// Facts from before the pause, named so (n8n passes the item on without running the node).
			expect(pending).not.toHaveProperty('task_status');
			expect(['submitted', 'processing']).toContain(pending.status_before_pause);
			expect(pending.note).toMatch(/^NOT DELIVERED: .*Get Task/);
			// The id leads to the task this very item created.
			expect(sim.tasks.get(pending.task_id)!.body.prompt).toBe(item.json.prompt);
			expect(item.binary).toBeUndefined();
		});
	});

	it('Trigger: signed callbacks start one execution per finished task, answered in JSON; unsigned ones cost no read', async () => {
		// The final callbacks are held back so the test can post them itself, twice at once, and read the answers.
		Object.assign(sim.config, { callbackDrop: ['succeed', 'failed'] });
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
		// Create Video signed the Trigger's URL for each task.
		for (const task of tasks) {
			const url = new URL(String(task.body.callback_url));
			expect(`${url.origin}${url.pathname}`).toBe(triggerUrl());
			expect(url.searchParams.get('kling_sig')).toMatch(/^[\w-]{32}$/);
		}
		// Forgeries on the bare URL (an unknown task, a running task claimed finished): refused unread.
		const readsBefore = sim.requestsOf('read').length;
		for (let i = 0; i < 10; i++) {
			expect(await sim.spoofCallback(triggerUrl(), { task_id: `spoofed-task-${i}`, task_status: 'succeed' })).toBe(403);
			expect(await sim.spoofCallback(triggerUrl(), { task_id: tasks[0].id, task_status: 'succeed' })).toBe(403);
		}
		expect(sim.requestsOf('read').length).toBe(readsBefore);

		for (let i = 0; i < 120 && tasks.some((t) => t.status !== 'succeed' && t.status !== 'failed'); i++)
			await sleep(250);
		// Each final callback twice at once, on the signed URL: one starts a run, both get JSON.
		const post = (task: (typeof tasks)[number]) =>
			fetch(String(task.body.callback_url), {
				method: 'POST',
				body: JSON.stringify({ task_id: task.id, task_status: task.status }),
				headers: { 'Content-Type': 'application/json' },
			}).then(async (res) => ({ status: res.status, body: JSON.parse(await res.text()) }));
		for (const task of tasks) {
			const answers = await Promise.all([post(task), post(task)]);
			expect(answers.map((a) => a.status)).toEqual([200, 200]);
			expect(answers.filter((a) => a.body.started === true)).toEqual([
				{ status: 200, body: { received: true, started: true } },
			]);
		}

		const finishedRuns = async () =>
			(await n8n.executionsOf(recipe.publish.id)).filter((e) => e.status !== 'running' && e.status !== 'new');
		for (let i = 0; i < 120 && (await finishedRuns()).length < 3; i++) await sleep(250);
		// A final callback sent again much later (a retrying sender) starts nothing either.
		const late = sim.tasks.get(tasks[2].id)!;
		const again = await post(late);
		expect(again).toMatchObject({ status: 200, body: { started: false } });
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
