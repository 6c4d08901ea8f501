/**
 * The money-safety promise under hostile conditions: a paid task is never lost, the key never
 * leaks, and a wait ends when Timeout says. One block per finding of the adversarial review of
 * 0fee48c; each test failed there.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import { engineLogs, runKlingNode } from '../../tools/engine';
import { createParams, getParams, run, useSimulator, visibleText } from '../helpers/setup';

const message = (error: IDataObject | undefined) => String(error?.message ?? '');
const description = (error: IDataObject | undefined) => String(error?.description ?? '');

/** A loopback port with nothing listening: connections are refused. */
async function closedPort(): Promise<number> {
	const server: Server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

describe('1. a failing sibling does not drop finished tasks', () => {
	const ctx = useSimulator();

	it('the error names every task of the run with its state and video URL', async () => {
		const { sim } = ctx;
		const prompts = [
			'a [sim:ms=300]',
			'b [sim:ms=300]',
			'c [sim:ms=300]',
			'd [sim:ms=300]',
			'e [sim:fail] [sim:ms=1800]',
			'f [sim:ms=30000]',
		];
		const result = await run(sim, createParams({ prompt: '={{ $json.p }}', download: false }), {
			items: prompts.map((p) => ({ p })),
		});
		expect(result.status).toBe('error');
		const ids = prompts.map((p) => [...sim.tasks.values()].find((t) => t.body.prompt === p)!.id);
		const text = `${message(result.error)} ${description(result.error)}`;
		for (const i of [0, 1, 2, 3])
			expect(text).toContain(`item ${i}: task ${ids[i]} succeed, video ${sim.cdnUrl}/videos/${ids[i]}.mp4`);
		expect(message(result.error)).toContain(ids[4]);
		expect(text).toMatch(
			new RegExp(`item 5: task ${ids[5]} (submitted|processing), still running on CometAPI: collect it with Get Task`),
		);
	});
});

describe('2. Stop keeps every task id where the user can find it', () => {
	const ctx = useSimulator();

	it('20 waiting items stopped: ids in the execution custom data and in an info log line', async () => {
		const { sim } = ctx;
		engineLogs.length = 0;
		const items = Array.from({ length: 20 }, (_, i) => ({ p: `clip ${i} [sim:ms=30000]` }));
		// Stopped once every create was answered (not after a fixed time: a loaded machine creates slower).
		const result = await run(sim, createParams({ prompt: '={{ $json.p }}' }), {
			items,
			cancelWhen: () => sim.requestsOf('create').filter((r) => r.status === 200).length === 20,
		});
		expect(result.status).toBe('canceled');
		expect(sim.tasks.size).toBe(20);
		const customData = (result.run.data.resultData.metadata ?? {}) as Record<string, string>;
		const kept = Object.entries(customData)
			.filter(([key]) => key.startsWith('kling_Kling'))
			.map(([, value]) => value)
			.join(' ');
		for (const task of sim.tasks.values()) {
			const item = Number(/clip (\d+)/.exec(String(task.body.prompt))![1]);
			expect(kept).toContain(`${item}:${task.id}`);
		}
		const stopLine = engineLogs.find(
			(l) => l.level === 'info' && /was stopped\. Tasks keep running on CometAPI/.test(l.message),
		);
		expect(stopLine).toBeDefined();
		for (const task of sim.tasks.values()) expect(stopLine!.message).toContain(task.id);
	});
});

describe('3. a 2xx create with a task id is a created task, whatever its code', () => {
	const ctx = useSimulator();

	it.each([1, 2, 3])('200 without code 0 (variant %i): continues with the task', async (n) => {
		const { sim } = ctx;
		for (let i = 1; i < n; i++) sim.requests.push({ t: 0, method: 'X', path: '/', kind: 'other' });
		sim.fault({ on: 'create', type: 'nocode' });
		const result = await run(sim, createParams({ download: false }));
		expect(result.status).toBe('success');
		expect(result.items[0].json).toMatchObject({ task_id: [...sim.tasks.keys()][0], task_status: 'succeed' });
		expect(sim.requestsOf('create')).toHaveLength(1);
	});
});

describe('4. failures that prove nothing was sent', () => {
	const ctx = useSimulator();

	it('a refused port: "could not be reached ... nothing was sent", reported within a minute, never "billed"', async () => {
		const port = await closedPort();
		const baseUrl = `http://127.0.0.1:${port}`;
		for (const continueOnFail of [false, true]) {
			const result = await runKlingNode({
				parameters: createParams(),
				credentials: { apiKey: ctx.sim.apiKey, baseUrl },
				continueOnFail,
			});
			const text = continueOnFail
				? String(result.items[0].json.error) + String(result.items[0].json.description)
				: message(result.error) + description(result.error);
			expect(text).toContain(`CometAPI could not be reached at ${baseUrl}: nothing was sent`);
			expect(text).toMatch(/Base URL/);
			expect(text).not.toMatch(/billed\b(?! )|may have been created/);
			expect(result.durationMs).toBeLessThan(20_000);
		}
	});

	it('https to a plain-http server (TLS fails): nothing was sent', async () => {
		const baseUrl = ctx.sim.url.replace('http:', 'https:');
		const result = await runKlingNode({ parameters: createParams(), credentials: { apiKey: ctx.sim.apiKey, baseUrl } });
		expect(message(result.error)).toBe(`CometAPI could not be reached at ${baseUrl}: nothing was sent`);
		expect(ctx.sim.tasks.size).toBe(0);
	});

	it.each([
		['a Base URL without scheme', { baseUrl: '127.0.0.1:9' }, /Base URL/],
		['an ftp: Base URL', { baseUrl: 'ftp://127.0.0.1:9' }, /must start with https:\/\//],
		[
			'an API key with a line break',
			{ apiKey: 'sk-sim-local-0123456789abcdef\nX-Evil: 1' },
			/API key in the credential contains/,
		],
	])('%s is refused before any request', async (_name, change, expected) => {
		const { sim } = ctx;
		const result = await runKlingNode({
			parameters: createParams(),
			credentials: { apiKey: sim.apiKey, baseUrl: sim.url, ...change },
		});
		expect(result.status).toBe('error');
		expect(message(result.error)).toMatch(expected);
		expect(description(result.error)).toMatch(/Nothing was sent to CometAPI/);
		expect(sim.requests).toHaveLength(0);
	});
});

describe('5. a wrong Base URL path is not billing', () => {
	const ctx = useSimulator();

	it('an HTML 404 on create: "Base URL is wrong", one request, no retries', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'create', type: 'html404', times: 5 });
		const result = await run(sim, createParams());
		expect(message(result.error)).toMatch(
			/answers like CometAPI \(HTTP 404, a web page\): the credential's Base URL is wrong/,
		);
		expect(`${message(result.error)} ${description(result.error)}`).not.toMatch(/may have been created/);
		expect(sim.requestsOf('create')).toHaveLength(1);
	});

	it('an HTML 404 on a read: reported at once, not retried for 20 s', async () => {
		const { sim } = ctx;
		const created = await run(sim, createParams({ waitMode: 'none' }));
		sim.fault({ on: 'read', type: 'html404', times: 10 });
		const result = await run(sim, getParams(created.items[0].json.task_id as string));
		expect(message(result.error)).toMatch(/Base URL is wrong/);
		expect(sim.requestsOf('read')).toHaveLength(1);
		expect(result.durationMs).toBeLessThan(3000);
	});
});

describe('6. waits end at Timeout, whatever the server does', () => {
	const ctx = useSimulator();
	const SLACK_MS = 3000;

	it.each([
		['trickled status reads', 'read', 'trickle'],
		['status reads never answered', 'read', 'hang'],
		['status reads that stall after the headers', 'read', 'stall'],
		['a trickled create', 'create', 'trickle'],
		['a trickled download', 'download', 'trickle'],
		['a download that never answers', 'download', 'hang'],
	])('Create Video (Timeout 0.05 min) with %s ends within Timeout + slack', async (_name, on, type) => {
		const { sim } = ctx;
		sim.fault({ on: on as 'read', type: type as 'trickle', times: 100, delayMs: 2000 });
		const result = await run(sim, createParams({ timeout: 0.05, pollInterval: 0.5 }));
		expect(result.status).toBe('error');
		expect(result.durationMs).toBeLessThan(3000 + SLACK_MS);
		if (on !== 'create') expect(String((result.error!.context as IDataObject).taskId)).toBe([...sim.tasks.keys()][0]);
		else expect(message(result.error)).toMatch(/may have been created and billed/);
	});

	it('Get Task (Timeout 0.05 min) with trickled reads ends within Timeout + slack, naming the task', async () => {
		const { sim } = ctx;
		const created = await run(sim, createParams({ waitMode: 'none', prompt: 'x [sim:ms=30000]' }));
		sim.fault({ on: 'read', type: 'trickle', times: 100, delayMs: 2000 });
		const taskId = created.items[0].json.task_id as string;
		const result = await run(sim, getParams(taskId, { waitMode: 'poll', timeout: 0.05 }));
		expect(result.durationMs).toBeLessThan(3000 + SLACK_MS);
		expect(message(result.error)).toContain(taskId);
	});
});

describe('7. the key never leaks', () => {
	const ctx = useSimulator();
	const forms = (key: string) => [
		key,
		key.replace(/^sk-/, ''),
		encodeURIComponent(key),
		Buffer.from(key).toString('base64'),
	];

	it.each([false, true])(
		'a failed task echoing "Bearer <key>" in every encoding (Continue On Fail: %s)',
		async (continueOnFail) => {
			const { sim } = ctx;
			engineLogs.length = 0;
			const result = await run(sim, createParams({ prompt: 'x [sim:echokey]' }), { continueOnFail });
			const text = visibleText(result) + JSON.stringify(engineLogs);
			expect(text).toMatch(/failed: upstream refused Bearer \*\*\*/);
			for (const form of forms(sim.apiKey)) expect(text).not.toContain(form);
		},
	);

	it('an error answer echoing the key, and the stack of the thrown error', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'create', type: 'echokey' });
		const result = await run(sim, createParams());
		const text = visibleText(result) + String(result.error?.stack ?? '');
		expect(text).toMatch(/rejected the API key/);
		for (const form of forms(sim.apiKey)) expect(text).not.toContain(form);
	});

	it('a key without the sk- prefix is masked too', async () => {
		const { sim } = ctx;
		const key = 'plainkey-7f3a9c2e4b1d6f80a';
		const result = await runKlingNode({ parameters: createParams(), credentials: { apiKey: key, baseUrl: sim.url } });
		// The simulator echoes the wrong key it got.
		expect(visibleText(result)).toMatch(/rejected the API key/);
		expect(visibleText(result)).not.toContain(key);
	});
});

describe('8. a Base URL with user:pass@ is refused', () => {
	const ctx = useSimulator();

	it('before any request, without echoing the password', async () => {
		const { sim } = ctx;
		const baseUrl = sim.url.replace('http://', 'http://admin:hunter2secret@');
		const result = await runKlingNode({ parameters: createParams(), credentials: { apiKey: sim.apiKey, baseUrl } });
		expect(message(result.error)).toMatch(/must not contain a user name or password/);
		expect(sim.requests).toHaveLength(0);
		const text = visibleText(result);
		for (const secret of ['hunter2secret', Buffer.from('admin:hunter2secret').toString('base64')])
			expect(text).not.toContain(secret);
	});
});

describe('9. only a real video is stored', () => {
	const ctx = useSimulator();

	it.each([
		['an empty body', { on: 'download', type: 'empty' }, /empty file/],
		['a text/html page', { on: 'download', type: 'wrongtype' }, /returned text\/html.*not a video/],
	] as const)('%s is an error naming the task', async (_name, fault, expected) => {
		const { sim } = ctx;
		sim.fault({ ...fault, times: 5 });
		const result = await run(sim, createParams());
		const taskId = [...sim.tasks.keys()][0];
		expect(message(result.error)).toMatch(expected);
		expect(message(result.error)).toContain(taskId);
		expect(sim.requestsOf('download')).toHaveLength(1);
	});

	it('a data: URL from the API is not fetched', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: 'x [sim:dataurl]' }));
		expect(message(result.error)).toMatch(/cannot be downloaded: it is a data: link/);
		expect(sim.requestsOf('download')).toHaveLength(0);
	});

	it('a Content-Length mismatch is a broken transfer, tried again', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'download', type: 'short' });
		const result = await run(sim, createParams());
		expect(result.status).toBe('success');
		expect(sim.requestsOf('download')).toHaveLength(2);
	});
});

describe('10. task ids', () => {
	const ctx = useSimulator();

	it.each([
		['"."', '.'],
		['".."', '..'],
		['a 20 000-character id', 'a'.repeat(20_000)],
		['a number beyond 2^53', '={{ 860733404216143937 }}'],
		['a path', '../../etc/passwd'],
	])('%s is refused before any request', async (_name, taskId) => {
		const { sim } = ctx;
		const result = await run(sim, getParams(taskId));
		expect(result.status).toBe('error');
		expect(result.error!.name).toBe('NodeOperationError');
		expect(sim.requests).toHaveLength(0);
	});

	it('a number beyond 2^53 says to pass the id as text', async () => {
		const result = await run(ctx.sim, getParams('={{ 860733404216143937 }}'));
		expect(message(result.error)).toMatch(/too large to be exact.*Pass the id as text/);
	});

	it('a server task id like ../../tmp/evil is reported, never used as a path or file name', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: 'x [sim:badid]' }));
		expect(message(result.error)).toContain(
			'created a task but answered with an id that is not a valid task id: "../../tmp/evil"',
		);
		expect(sim.requestsOf('read')).toHaveLength(0);
	});
});

describe('11. refused creates: one budget per item, and backing off frees the slot', () => {
	const ctx = useSimulator();

	it('an item backing off lets the next item send its create', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'create', type: 'concurrency1303', times: 1, retryAfter: 1 });
		const result = await run(
			sim,
			createParams({ prompt: '={{ $json.p }}', waitMode: 'none', options: { createConcurrency: 1 } }),
			{
				items: [{ p: 'first' }, { p: 'second' }],
			},
		);
		expect(result.status).toBe('success');
		expect(sim.requestsOf('create').map((r) => r.body!.prompt)).toEqual(['first', 'second', 'first']);
	});

	it('refused until the Timeout: ends on time and says how long it tried and that nothing was created', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'create', type: 'concurrency1303', times: 100, retryAfter: 0 });
		const result = await run(sim, createParams({ prompt: '={{ $json.p }}', timeout: 0.1 }), {
			items: [{ p: 'a' }, { p: 'b' }],
			continueOnFail: true,
		});
		expect(result.durationMs).toBeLessThan(9000);
		for (const item of result.items) {
			expect(item.json.task_id).toBeNull();
			expect(item.json.description).toMatch(
				/No task was created, nothing was billed\. CometAPI kept refusing the create until the Timeout ran out/,
			);
		}
		expect(sim.tasks.size).toBe(0);
	});
});

describe('12. messages say what happened', () => {
	const ctx = useSimulator();

	it('a read of an unknown task says there is no such task', async () => {
		const result = await run(ctx.sim, getParams('no-such-task'));
		expect(message(result.error)).toMatch(/^CometAPI has no task with this id/);
		expect(message(result.error)).toContain('no-such-task');
	});

	it('an object in task_status_msg is shown as JSON, not [object Object]', async () => {
		const result = await run(ctx.sim, createParams({ prompt: 'x [sim:msgobject]' }));
		expect(message(result.error)).toMatch(/failed: \{"reason":"risk control","detail":\{"score":0\.97\}\}$/);
	});

	it('a prompt expression that resolves to nothing says the prompt is empty', async () => {
		const result = await run(ctx.sim, createParams({ prompt: '={{ $json.missing }}' }));
		expect(message(result.error)).toMatch(/^Prompt is empty/);
	});

	it('a tiny Timeout is printed as it is, not as "0 min"', async () => {
		const result = await run(ctx.sim, createParams({ timeout: 0.0001 }));
		expect(message(result.error)).toMatch(/(6 ms Timeout|until the Timeout ran out|no usable answer)/);
		expect(message(result.error)).not.toMatch(/\b0 min\b/);
	});
});
