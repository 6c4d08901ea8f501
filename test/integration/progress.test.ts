/**
 * What a person running the workflow by hand sees besides the output (actions/progress.ts): each
 * task id and status change in the editor's browser console, and hints above the output for
 * tasks still running, failed items and a pause (n8n's execution hints), without the key.
 */
import { editorConsole } from '../../tools/engine';
import { createParams, getParams, run, useSimulator, visibleText } from '../helpers/setup';

const consoleText = () => editorConsole.flatMap((entry) => entry.messages.map(String));

describe('progress a user sees in the editor, in the n8n engine', () => {
	const ctx = useSimulator();
	beforeEach(() => {
		editorConsole.length = 0;
	});

	it('a manual Wait Until Done run tells the browser console each task id and each status change', async () => {
		// Processing for 2.4 s: a poll every 0.5 s sees it even on a loaded machine.
		ctx.sim.config.taskMs = 2500;
		const result = await run(ctx.sim, createParams({ download: false }));
		expect(result.status).toBe('success');
		const taskId = String(result.items[0].json.task_id);
		expect(editorConsole.every((entry) => entry.source === '[Node: "Kling"]')).toBe(true);
		expect(consoleText()).toEqual([
			`Kling (CometAPI) node "Kling": item 0 has task ${taskId} (submitted)`,
			`Kling (CometAPI) node "Kling": item 0, task ${taskId} is processing`,
			`Kling (CometAPI) node "Kling": item 0, task ${taskId} is succeed`,
		]);
		// A finished run leaves nothing to do: no hint.
		expect(result.hints).toEqual([]);
	});

	it('Return Immediately: a hint names each running task and says how to collect it', async () => {
		const result = await run(ctx.sim, createParams({ waitMode: 'none' }), { items: [{}, {}] });
		expect(result.status).toBe('success');
		expect(result.hints).toHaveLength(1);
		const [hint] = result.hints;
		expect(hint).toMatchObject({ type: 'info', location: 'outputPane' });
		for (const item of result.items) expect(hint.message).toContain(`task ${String(item.json.task_id)} submitted`);
		expect(hint.message).toMatch(/Collect each with Get Task/);
	});

	it('names at most five tasks in a hint and counts the rest', async () => {
		const result = await run(ctx.sim, createParams({ waitMode: 'none' }), {
			items: Array.from({ length: 7 }, () => ({})),
		});
		const [hint] = result.hints;
		expect(hint.message.match(/item \d+: task/g)).toHaveLength(5);
		expect(hint.message).toContain('and 2 more');
	});

	it('Continue On Fail: a warning hint names the failed item and its task', async () => {
		const result = await run(ctx.sim, createParams({ prompt: '={{ $json.prompt }}' }), {
			items: [{ prompt: 'fine' }, { prompt: 'bad [sim:fail]' }],
			continueOnFail: true,
		});
		expect(result.status).toBe('success');
		const failedTask = String(result.items[1].json.task_id);
		const warnings = result.hints.filter((hint) => hint.type === 'warning');
		expect(warnings).toHaveLength(1);
		expect(warnings[0].message).toMatch(/^1 item\(s\) failed after their task existed: item 1: task /);
		expect(warnings[0].message).toContain(failedTask);
		expect(warnings[0].message).not.toContain(String(result.items[0].json.task_id));
	});

	it('Pause Until Callback: the paused run says it is waiting for callbacks, not polling, and what the Timeout does', async () => {
		ctx.sim.config.taskMs = 60_000;
		const result = await run(ctx.sim, createParams({ waitMode: 'callback', timeout: 15 }), { items: [{}, {}] });
		expect(result.status).toBe('waiting');
		const [hint] = result.hints;
		expect(hint.type).toBe('info');
		expect(hint.message).toMatch(/^Paused until CometAPI calls back: /);
		expect(hint.message).toMatch(/This is not polling: the execution is "Waiting" in the Executions list/);
		expect(hint.message).toContain(new Date(result.run.waitTill as Date).toISOString());
		expect(hint.message).toMatch(/NOT DELIVERED.*IF to Get Task/);
		for (const task of ctx.sim.tasks.keys()) expect(hint.message).toContain(task);
		expect(consoleText().some((line) => /pausing the execution until CometAPI calls back/.test(line))).toBe(true);
	});

	it('Get Task of a running task: the hint says it was not waited for', async () => {
		ctx.sim.config.submittedMs = 60_000;
		ctx.sim.config.taskMs = 120_000;
		const created = await run(ctx.sim, createParams({ waitMode: 'none' }));
		const taskId = String(created.items[0].json.task_id);
		editorConsole.length = 0;
		const result = await run(ctx.sim, getParams(taskId));
		expect(result.hints[0].message).toContain(`item 0: task ${taskId}`);
		expect(consoleText()).toEqual([
			`Kling (CometAPI) node "Kling": item 0 has task ${taskId} (status not read yet)`,
			`Kling (CometAPI) node "Kling": item 0, task ${taskId} is submitted`,
		]);
	});

	it('neither the console nor a hint shows the key when a task echoes it', async () => {
		const result = await run(ctx.sim, createParams({ prompt: 'leak [sim:echokey]' }), { continueOnFail: true });
		expect(result.hints.length).toBeGreaterThan(0);
		const seen = `${visibleText(result)} ${JSON.stringify(editorConsole)}`;
		expect(seen).not.toContain(ctx.sim.apiKey);
		expect(decodeURIComponent(seen.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'))).not.toContain(ctx.sim.apiKey);
	});
});
