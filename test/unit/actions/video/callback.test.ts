import type { IDataObject, INodeExecutionData, IWebhookResponseData } from 'n8n-workflow';
import { router } from '../../../../nodes/KlingCometApi/actions/router';
import type { ItemContext } from '../../../../nodes/KlingCometApi/actions/types';
import {
	PENDING_TASK_FIELD,
	callbackUrlForPause,
	pauseUntilCallback,
	readOnceBeforePause,
	resumedTasks,
	resumeOnCallback,
} from '../../../../nodes/KlingCometApi/actions/video/callback';
import { Redactor } from '../../../../nodes/KlingCometApi/helpers/redaction';
import { callbackSignature, signCallbackUrl } from '../../../../nodes/KlingCometApi/helpers/signing';
import type { KlingTask, TaskKind } from '../../../../nodes/KlingCometApi/transport';
import type { RecordedRequest, Scripted } from '../../../helpers/fake-context';
import {
	createParameters,
	fakeContext,
	klingError,
	ok,
	task,
	UNIT_BASE_URL,
	UNIT_KEY,
	video,
} from '../../../helpers/fake-context';
import type { PendingTask } from '../../../../nodes/KlingCometApi/actions/video/callback';
import { isPrivateHost } from '../../../../nodes/KlingCometApi/helpers/hosts';
import { fakeWebhook } from '../../../helpers/fake-webhook';

/** The router's side of Pause Until Callback: pause or finish at once, and the resumed run. */
describe('the router pausing and resuming', () => {
	const pauseParameters = (extra: Record<string, unknown> = {}) =>
		createParameters({ waitMode: 'callback', timeout: 30, download: true, binaryPropertyName: 'data', ...extra });

	/** Creates answer t0, t1, ...; reads answer the status given per task id. */
	function cometapi(statuses: Record<string, string>, createAnswers: Scripted[] = []) {
		let created = 0;
		return (request: RecordedRequest): Scripted => {
			if (request.method === 'POST') {
				const scripted = createAnswers[created];
				const id = `t${created++}`;
				return scripted ?? ok(task('submitted', { task_id: id }));
			}
			const id = request.url.split('/').pop()!;
			return ok(task(statuses[id] ?? 'processing', { task_id: id }));
		};
	}

	const pendingOf = (item: INodeExecutionData) => item.json[PENDING_TASK_FIELD] as IDataObject;

	function resumedItems(tasks: IDataObject[], extra: IDataObject = {}): IDataObject[] {
		return tasks.map((finished, item) => ({
			prompt: `prompt ${item}`,
			[PENDING_TASK_FIELD]: {
				state: 'finished',
				node: 'Kling',
				node_id: 'node-1',
				execution_id: 'exec-1',
				item,
				task_id: finished.task_id,
				task_status: 'submitted',
				timeout_at: '',
				note: '',
				task: finished,
				...extra,
			},
		}));
	}

	describe('Pause Until Callback: before pausing', () => {
		it('creates with the resume URL as callback_url, reads each task once, and pauses until the Timeout', async () => {
			const fake = fakeContext({
				parameters: pauseParameters(),
				items: [{ prompt: 'a' }, { prompt: 'b' }],
				api: cometapi({ t0: 'succeed', t1: 'processing' }),
			});
			const started = Date.now();
			const [output] = await router.call(fake.ctx);
			expect(fake.paused).toHaveLength(1);
			const until = fake.paused[0].getTime() - started;
			expect(until).toBeGreaterThanOrEqual(30 * 60_000 - 1000);
			expect(until).toBeLessThanOrEqual(30 * 60_000 + 1000);
			const creates = fake.apiRequests().filter((r) => r.method === 'POST');
			// The resume URL with n8n's own token kept, signed for this execution and node under the key.
			const signed = `https://n8n.example.test/webhook-waiting/exec-1/node-1?signature=abc&kling_kind=text2video&kling_sig=${callbackSignature(UNIT_KEY, 'exec-1/node-1', 'text2video')}`;
			expect(creates.map((r) => (r.body as IDataObject).callback_url)).toEqual([signed, signed]);
			expect(fake.apiRequests().filter((r) => r.method === 'GET')).toHaveLength(2);
			expect(fake.downloads()).toHaveLength(0);
			// The input items themselves carry the tasks: that is what n8n stores with the waiting execution.
			expect(fake.items.map(pendingOf)).toEqual([
				expect.objectContaining({
					state: 'waiting',
					item: 0,
					task_id: 't0',
					task: expect.objectContaining({ task_status: 'succeed' }),
				}),
				expect.objectContaining({
					state: 'waiting',
					item: 1,
					task_id: 't1',
					node_id: 'node-1',
					execution_id: 'exec-1',
				}),
			]);
			expect(pendingOf(fake.items[1]).task).toBeUndefined();
			// What an item handed on at the Timeout says (n8n passes it through unchanged): facts from before the pause.
			const waiting = pendingOf(fake.items[1]);
			expect(waiting).not.toHaveProperty('task_status');
			expect(waiting).toMatchObject({ status_before_pause: 'processing', signed_callback: true });
			expect(Math.abs(Date.parse(String(waiting.status_read_at)) - Date.now())).toBeLessThan(60_000);
			expect(waiting.note).toMatch(
				/^NOT DELIVERED: .*before the Timeout \(\d{4}-.*\)\. .*may have finished since.*Get Task/,
			);
			expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(fake.customData.kling_Kling).toBe('0:t0 1:t1');
		});

		it('does not pause when every task finished before the pause: downloads at once', async () => {
			const fake = fakeContext({
				parameters: pauseParameters(),
				items: [{}, {}],
				api: cometapi({ t0: 'succeed', t1: 'succeed' }),
				cdn: [video()],
			});
			const [output] = await router.call(fake.ctx);
			expect(fake.paused).toHaveLength(0);
			expect(output.map((item) => item.json.task_id)).toEqual(['t0', 't1']);
			expect(output.every((item) => item.binary?.data)).toBe(true);
			expect(fake.items.every((item) => item.json[PENDING_TASK_FIELD] === undefined)).toBe(true);
		});

		it('keeps a create that failed under Continue On Fail as an error in its item, and pauses for the rest', async () => {
			const fake = fakeContext({
				parameters: pauseParameters(),
				items: [{}, {}],
				continueOnFail: true,
				api: cometapi({}, [ok(task('submitted', { task_id: 't0' })), klingError(400, 1201, 'prompt is not allowed')]),
			});
			await router.call(fake.ctx);
			expect(fake.paused).toHaveLength(1);
			expect(pendingOf(fake.items[1])).toMatchObject({
				task_id: null,
				error: {
					message: 'CometAPI refused the parameters of this request',
					description: expect.stringContaining('prompt is not allowed'),
				},
			});
		});

		it("refuses the user's Callback URL before any request", async () => {
			const fake = fakeContext({
				parameters: pauseParameters({ additionalFields: { callbackUrl: 'https://example.test/hook' } }),
				api: [],
			});
			await expect(router.call(fake.ctx)).rejects.toMatchObject({
				message: expect.stringMatching(/Callback URL cannot be used/),
			});
			expect(fake.requests).toHaveLength(0);
		});

		it('refuses to pause when CometAPI could never reach n8n, before any request', async () => {
			const fake = fakeContext({
				parameters: pauseParameters(),
				resumeUrl: 'http://localhost:5678/webhook-waiting/7',
				api: [],
			});
			await expect(router.call(fake.ctx)).rejects.toMatchObject({
				message: expect.stringMatching(/set n8n's WEBHOOK_URL/),
			});
			expect(fake.requests).toHaveLength(0);
		});
	});

	describe('Pause Until Callback: the resumed run', () => {
		const finished = (id: string, status = 'succeed') => ({ ...task(status, { task_id: id }) });

		it('finishes every item from the tasks the callbacks confirmed: no create, no read, videos downloaded', async () => {
			const fake = fakeContext({
				parameters: pauseParameters(),
				items: resumedItems([finished('t0'), finished('t1')]),
				api: [],
				cdn: [video()],
			});
			const [output] = await router.call(fake.ctx);
			expect(fake.apiRequests()).toHaveLength(0);
			expect(fake.downloads()).toHaveLength(2);
			expect(output.map((item) => item.json.task_id)).toEqual(['t0', 't1']);
			expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(output.every((item) => item.binary?.data && item.json[PENDING_TASK_FIELD] === undefined)).toBe(true);
			expect(fake.paused).toHaveLength(0);
		});

		it('a failed task fails the node naming it, and names the finished sibling with its video', async () => {
			const fake = fakeContext({
				parameters: pauseParameters(),
				items: resumedItems([finished('t0'), finished('t1', 'failed')]),
				api: [],
				cdn: [video()],
			});
			await expect(router.call(fake.ctx)).rejects.toMatchObject({
				message: expect.stringContaining('Kling task t1 failed'),
				description: expect.stringContaining('item 0: task t0 succeed, video https://cdn.example.test/t1.mp4'),
			});
		});

		it('with Continue On Fail: the failed task and the earlier create error become error items', async () => {
			const items = resumedItems([finished('t0'), finished('t1', 'failed')]);
			(items[1][PENDING_TASK_FIELD] as IDataObject).task = undefined;
			(items[1][PENDING_TASK_FIELD] as IDataObject).error = { message: 'CometAPI refused the create' };
			const fake = fakeContext({ parameters: pauseParameters(), items, api: [], cdn: [video()], continueOnFail: true });
			const [output] = await router.call(fake.ctx);
			expect(output[0].binary?.data).toBeDefined();
			expect(output[1].json).toMatchObject({ error: 'CometAPI refused the create' });
		});

		it('items finished by another node or another execution are input, not a resume', async () => {
			const fake = fakeContext({
				parameters: pauseParameters(),
				items: resumedItems([finished('t0')], { execution_id: 'some-other-execution' }),
				api: cometapi({ t0: 'succeed' }),
				cdn: [video()],
			});
			await router.call(fake.ctx);
			expect(fake.apiRequests().filter((r) => r.method === 'POST')).toHaveLength(1);
		});
	});
});

/** The parts of a pause the router calls: the read before it, the marked items, and recognizing the resume. */
describe('the pause itself', () => {
	afterEach(() => jest.useRealTimers());

	describe('Pause Until Callback: the read before pausing', () => {
		const created = task('submitted', { task_id: 't1' }) as KlingTask;
		const itemContext = (log: string[] = []) =>
			({
				itemIndex: 0,
				baseUrl: UNIT_BASE_URL,
				signal: new AbortController().signal,
				log: (message: string) => log.push(message),
			}) as unknown as ItemContext;

		it('does not read a task that had already finished when it was created', async () => {
			const fake = fakeContext({ api: [ok(task('processing', { task_id: 't1' }))] });
			const done = task('succeed', { task_id: 't1' }) as KlingTask;
			expect(await readOnceBeforePause(fake.ctx, done, 'text2video', itemContext(), Date.now() + 60_000)).toBe(done);
			expect(fake.requests).toHaveLength(0);
		});

		it("reads an unfinished task once, under its own kind's path, and returns what CometAPI said", async () => {
			const fake = fakeContext({ api: [ok(task('processing', { task_id: 't1' }))] });
			const read = await readOnceBeforePause(fake.ctx, created, 'image2video', itemContext(), Date.now() + 60_000);
			expect(read).toEqual(task('processing', { task_id: 't1' }));
			expect(fake.requests.map((request) => `${request.method} ${request.url}`)).toEqual([
				`GET ${UNIT_BASE_URL}/kling/v1/videos/image2video/t1`,
			]);
		});

		it('keeps the created task when the read fails (the callbacks will tell), and logs why', async () => {
			const log: string[] = [];
			const fake = fakeContext({ api: [klingError(400, 1201, 'bad request')] });
			expect(await readOnceBeforePause(fake.ctx, created, 'text2video', itemContext(log), Date.now() + 60_000)).toBe(
				created,
			);
			expect(fake.requests).toHaveLength(1);
			expect(log).toEqual([
				'Kling task t1: read before pausing failed (CometAPI refused the parameters of this request (task t1))',
			]);
		});

		it.each([
			['at the Timeout when it comes first', 1000, 1000],
			['after 20 s when the Timeout is later', 30 * 60_000, 20_000],
		])('gives up a read that gets no answer %s', async (_name, timeoutMs, givesUpAfter) => {
			jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
			const log: string[] = [];
			const fake = fakeContext({ api: ['hang'] });
			let read: KlingTask | undefined;
			void readOnceBeforePause(fake.ctx, created, 'text2video', itemContext(log), timeoutMs).then(
				(task) => (read = task),
			);
			await jest.advanceTimersByTimeAsync(givesUpAfter - 1);
			expect(read).toBeUndefined();
			await jest.advanceTimersByTimeAsync(1);
			expect(read).toBe(created);
			expect(log).toEqual(['Kling task t1: read before pausing failed (no answer in time)']);
		});
	});

	describe('Pause Until Callback: what the paused items carry', () => {
		it('marks each input item in place with its task, and saves the execution as waiting until the Timeout', async () => {
			jest.useFakeTimers({ now: Date.parse('2026-11-30T23:00:00.000Z') });
			const fake = fakeContext({
				items: [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }, { prompt: 'd' }],
				executionId: 'exec-9',
			});
			const waitUntil = Date.parse('2026-12-01T00:30:00.000Z');
			const done = task('succeed', { task_id: 't0', task_status_msg: `echo ${UNIT_KEY}` }) as KlingTask;
			const [output] = await pauseUntilCallback(
				fake.ctx,
				[
					{ task: done, taskKind: 'text2video' },
					{ task: task('processing', { task_id: 't1' }) as KlingTask, taskKind: 'image2video' },
					{
						taskKind: 'multi-image2video',
						error: { error: 'CometAPI refused the create', task_id: null, task_status: null },
					},
					{
						taskKind: 'text2video',
						error: { error: 'reading failed', description: 'run Get Task', task_id: 't3', task_status: 'submitted' },
					},
				],
				waitUntil,
				new Redactor([UNIT_KEY]),
			);
			expect(fake.paused).toEqual([new Date(waitUntil)]);
			const common = {
				state: 'waiting',
				node: 'Kling',
				node_id: 'node-1',
				execution_id: 'exec-9',
				status_read_at: '2026-11-30T23:00:00.000Z',
				timeout_at: '2026-12-01T00:30:00.000Z',
				signed_callback: true,
				note: 'NOT DELIVERED: if this item left the "Kling" node like this, no callback confirmed its task before the Timeout (2026-12-01T00:30:00.000Z). The task may have finished since or may still be running on CometAPI; nothing was lost. Collect it with Kling (CometAPI) → Get Task, Task ID {{ $json.kling_pending_task.task_id }}, Wait Mode "Wait Until Done" (route such items there with an IF on {{ $json.kling_pending_task !== undefined }}).',
			};
			expect(fake.items.map((item) => item.json)).toStrictEqual([
				{
					prompt: 'a',
					[PENDING_TASK_FIELD]: {
						...common,
						item: 0,
						task_id: 't0',
						status_before_pause: 'succeed',
						task_kind: 'text2video',
						// A task finished before the pause travels with it, the key masked.
						task: { ...done, task_status_msg: 'echo ***' },
					},
				},
				{
					prompt: 'b',
					[PENDING_TASK_FIELD]: {
						...common,
						item: 1,
						task_id: 't1',
						status_before_pause: 'processing',
						task_kind: 'image2video',
					},
				},
				{
					prompt: 'c',
					[PENDING_TASK_FIELD]: {
						...common,
						item: 2,
						task_id: null,
						status_before_pause: null,
						task_kind: 'multi-image2video',
						error: { message: 'CometAPI refused the create' },
					},
				},
				{
					prompt: 'd',
					[PENDING_TASK_FIELD]: {
						...common,
						item: 3,
						task_id: 't3',
						status_before_pause: 'submitted',
						task_kind: 'text2video',
						error: { message: 'reading failed', description: 'run Get Task' },
					},
				},
			]);
			expect(output).toEqual(fake.items.map((item, i) => ({ json: item.json, pairedItem: { item: i } })));
			expect(output[0].json).toBe(fake.items[0].json);
		});
	});

	describe('Pause Until Callback: which run is the resume', () => {
		const finished = (extra: IDataObject = {}): INodeExecutionData => ({
			json: {
				[PENDING_TASK_FIELD]: { state: 'finished', node_id: 'node-1', execution_id: 'exec-1', task_id: 't0', ...extra },
			},
		});

		it('is the resume when every item carries a finished task of this node and this execution', () => {
			const items = [finished(), finished({ task_id: 't1' })];
			expect(resumedTasks(fakeContext().ctx, items)).toEqual(items.map((item) => item.json[PENDING_TASK_FIELD]));
		});

		it.each<[string, INodeExecutionData[]]>([
			['no items', []],
			['an item without a pending task', [finished(), { json: { prompt: 'a' } }]],
			['an item still waiting', [finished(), finished({ state: 'waiting' })]],
			['items finished by another node', [finished({ node_id: 'node-2' })]],
			['an item of another execution', [finished(), finished({ execution_id: 'exec-2' })]],
		])('is not the resume with %s', (_name, items) => {
			expect(resumedTasks(fakeContext().ctx, items)).toBeUndefined();
		});
	});
});

describe('the webhook', () => {
	let executionCounter = 0;
	/** Each test gets its own execution id: the handler caches confirmed tasks per execution and node. */
	const nextExecution = () => `exec-${++executionCounter}`;

	/** The paused node's input items, one pending task each. */
	function pausedItems(taskIds: string[], executionId: string, extra: Partial<PendingTask> = {}): INodeExecutionData[] {
		return taskIds.map((taskId, item) => ({
			json: {
				prompt: `prompt ${item}`,
				[PENDING_TASK_FIELD]: {
					state: 'waiting',
					node: 'Kling',
					node_id: 'node-1',
					execution_id: executionId,
					item,
					task_id: taskId,
					task_status: 'submitted',
					timeout_at: '2026-12-01T00:00:00.000Z',
					note: '',
					...extra,
				},
			} as never,
		}));
	}

	/** A CometAPI whose tasks have the given statuses; counts reads per task. */
	function api(statuses: Record<string, string>) {
		const reads: Record<string, number> = {};
		const answer = (request: RecordedRequest) => {
			const id = decodeURIComponent(request.url.split('/').pop()!);
			reads[id] = (reads[id] ?? 0) + 1;
			if (!(id in statuses)) return klingError(404, 1203, 'task not found');
			return ok(task(statuses[id], { task_id: id }));
		};
		return { answer, reads, total: () => Object.values(reads).reduce((a, b) => a + b, 0) };
	}

	/** The query of the callback URL the node created the task with (resume URL + node id, signed). */
	const signedQuery = (executionId: string, kind: TaskKind = 'text2video', key = UNIT_KEY) =>
		Object.fromEntries(
			new URL(signCallbackUrl(`https://n8n.example.test/webhook-waiting/${executionId}/node-1`, key, kind))
				.searchParams,
		);

	describe('Pause Until Callback: where CometAPI calls back', () => {
		const node = { ctx: fakeContext().ctx };
		const url = (resumeUrl: string, baseUrl: string, callbackUrl = '') =>
			callbackUrlForPause(fakeContext({ resumeUrl }).ctx, callbackUrl, baseUrl);

		it("is the execution's resume URL with the node id appended, keeping the resume token", () => {
			expect(url('https://n8n.example.com/webhook-waiting/42?signature=abc', 'https://api.cometapi.com')).toBe(
				'https://n8n.example.com/webhook-waiting/42/node-1?signature=abc',
			);
			expect(node.ctx.getNode().id).toBe('node-1');
		});

		it("refuses the user's own Callback URL in this mode", () => {
			expect(() =>
				url('https://n8n.example.com/webhook-waiting/42', 'https://api.cometapi.com', 'https://x.test/hook'),
			).toThrow(/Callback URL cannot be used with Wait Mode "Pause Until Callback"/);
		});

		it('refuses to pause inside an AI Agent (the tool variant of the node)', () => {
			const fake = fakeContext();
			fake.ctx.getNode().type = 'n8n-nodes-cometapi-kling.klingCometApiTool';
			expect(() => callbackUrlForPause(fake.ctx, '', 'https://api.cometapi.com')).toThrow(/AI Agent tool/);
		});

		it('refuses a local n8n address with a public CometAPI, naming WEBHOOK_URL; allows local with local', () => {
			for (const local of [
				'http://localhost:5678',
				'http://127.0.0.1:5678',
				'http://192.168.1.20:5678',
				'http://n8n:5678',
			]) {
				expect(() => url(`${local}/webhook-waiting/42`, 'https://api.cometapi.com')).toThrow(/WEBHOOK_URL/);
			}
			expect(url('http://127.0.0.1:5678/webhook-waiting/42', 'http://127.0.0.1:4010')).toBe(
				'http://127.0.0.1:5678/webhook-waiting/42/node-1',
			);
		});

		it('ignores a Callback URL that is only spaces: nothing to refuse', () => {
			expect(url('https://n8n.example.com/webhook-waiting/42', 'https://api.cometapi.com', ' \t ')).toBe(
				'https://n8n.example.com/webhook-waiting/42/node-1',
			);
		});

		it('appends the node id once, whatever trailing slashes the resume URL has', () => {
			expect(url('https://n8n.example.com/webhook-waiting/42/?signature=abc', 'https://api.cometapi.com')).toBe(
				'https://n8n.example.com/webhook-waiting/42/node-1?signature=abc',
			);
			expect(url('https://n8n.example.com/webhook-waiting/42///', 'https://api.cometapi.com')).toBe(
				'https://n8n.example.com/webhook-waiting/42/node-1',
			);
		});

		it('refuses only the tool variant (a type ending in "Tool"), not a package whose name contains "Tool"', () => {
			const fake = fakeContext();
			fake.ctx.getNode().type = 'n8n-nodes-Toolbox.klingCometApi';
			expect(callbackUrlForPause(fake.ctx, '', 'https://api.cometapi.com')).toBe(
				'https://n8n.example.test/webhook-waiting/exec-1/node-1?signature=abc',
			);
		});

		/** The error a call throws (fails the test when it throws none). */
		function refusal(run: () => unknown): unknown {
			try {
				run();
			} catch (error) {
				return error;
			}
			throw new Error('not refused');
		}

		it('each refusal names the field to change and says what to do', () => {
			const tool = fakeContext();
			tool.ctx.getNode().type = 'n8n-nodes-cometapi-kling.klingCometApiTool';
			expect([
				refusal(() =>
					url('https://n8n.example.com/webhook-waiting/42', 'https://api.cometapi.com', 'https://x.test/h'),
				),
				refusal(() => callbackUrlForPause(tool.ctx, undefined, 'https://api.cometapi.com')),
				refusal(() => url('http://localhost:5678/webhook-waiting/42', 'https://api.cometapi.com')),
			]).toEqual([
				expect.objectContaining({
					name: 'ParameterError',
					field: 'callbackUrl',
					message:
						'Additional Fields → Callback URL cannot be used with Wait Mode "Pause Until Callback", which sets its own: remove it, or choose "Return Task Immediately"',
				}),
				expect.objectContaining({
					name: 'ParameterError',
					field: 'waitMode',
					message:
						'Wait Mode "Pause Until Callback" cannot be used when the node is an AI Agent tool: choose "Return Task Immediately" or "Wait Until Done"',
				}),
				expect.objectContaining({
					name: 'ParameterError',
					field: 'waitMode',
					message:
						'CometAPI (https://api.cometapi.com) could never reach n8n\'s webhook address http://localhost:5678, a local or private address: set n8n\'s WEBHOOK_URL environment variable to the public https address of this n8n, or use "Wait Until Done"',
				}),
			]);
		});

		it.each([
			['is empty', ''],
			['is not an address', 'not a url'],
		])('refuses to pause when the resume URL %s', (_name, resumeUrl) => {
			expect(refusal(() => url(resumeUrl, 'https://api.cometapi.com'))).toEqual(
				expect.objectContaining({
					name: 'ParameterError',
					field: 'waitMode',
					message: 'This n8n has no resume URL for waiting executions: use "Wait Until Done"',
				}),
			);
		});

		it.each([
			['localhost', true],
			['127.0.0.1', true],
			['10.1.2.3', true],
			['172.16.0.1', true],
			['172.32.0.1', false],
			['192.168.0.10', true],
			['169.254.1.1', true],
			['100.64.0.1', true],
			['[::1]', true],
			['[fd00::1]', true],
			['[2001:db8::1]', false],
			['n8n', true],
			['n8n.local', true],
			['api.cometapi.com', false],
			['8.8.8.8', false],
		])('isPrivateHost(%s) is %s', (host, expected) => {
			expect(isPrivateHost(host)).toBe(expected);
		});
	});

	describe('Pause Until Callback: webhook()', () => {
		it('a non-final callback is answered without reading anything', async () => {
			const cometapi = api({ a: 'processing' });
			const hook = fakeWebhook({
				body: { task_id: 'a', task_status: 'processing' },
				input: pausedItems(['a'], nextExecution()),
				api: cometapi.answer,
			});
			const answer = await resumeOnCallback.call(hook.ctx);
			expect(answer.workflowData).toBeUndefined();
			expect(answer.webhookResponse).toMatchObject({ resumed: false });
			expect(cometapi.total()).toBe(0);
		});

		it("a callback for a task that is not one of this node's changes nothing and reads nothing", async () => {
			const cometapi = api({ a: 'processing', other: 'succeed' });
			const hook = fakeWebhook({
				body: { task_id: 'other', task_status: 'succeed' },
				input: pausedItems(['a'], nextExecution()),
				api: cometapi.answer,
			});
			const answer = await resumeOnCallback.call(hook.ctx);
			expect(answer.workflowData).toBeUndefined();
			// A plain 200: a spoof must not be invited to retry.
			expect(answer.webhookResponse).toEqual({ received: true, resumed: false, reason: 'not a task of this node' });
			expect(cometapi.total()).toBe(0);
		});

		it('a callback claiming "succeed" for a running task is checked, and does not resume', async () => {
			const cometapi = api({ a: 'processing' });
			const hook = fakeWebhook({
				body: { task_id: 'a', task_status: 'succeed', task_result: { videos: [{ url: 'https://evil.test/x.mp4' }] } },
				input: pausedItems(['a'], nextExecution()),
				api: cometapi.answer,
			});
			expect((await resumeOnCallback.call(hook.ctx)).workflowData).toBeUndefined();
			expect(cometapi.reads).toEqual({ a: 1 });
			expect(hook.stackNode.disabled).toBe(true);
		});

		it('resumes when every task has finished, with what CometAPI said, and lets the node run again', async () => {
			const cometapi = api({ a: 'succeed', b: 'failed' });
			const executionId = nextExecution();
			const hook = fakeWebhook({
				body: { code: 0, data: { task_id: 'b', task_status: 'failed' } },
				input: pausedItems(['a', 'b'], executionId),
				api: cometapi.answer,
			});
			const answer = await resumeOnCallback.call(hook.ctx);
			const items = answer.workflowData![0];
			expect(items).toHaveLength(2);
			items.forEach((item, i) => {
				expect(item.pairedItem).toEqual({ item: i });
				expect(item.json.prompt).toBe(`prompt ${i}`);
				expect(item.json[PENDING_TASK_FIELD]).toMatchObject({
					state: 'finished',
					execution_id: executionId,
					task: { task_id: ['a', 'b'][i], task_status: ['succeed', 'failed'][i] },
				});
			});
			expect(hook.stackNode.disabled).toBe(false);
			expect(cometapi.reads).toEqual({ a: 1, b: 1 });
		});

		it('image tasks: each is read under its own kind, and the resume items keep their binary images', async () => {
			const cometapi = api({ a: 'succeed', b: 'succeed' });
			const paths: string[] = [];
			const input = pausedItems(['a', 'b'], nextExecution(), { task_kind: 'image2video' }).map((item) => ({
				...item,
				binary: { data: { data: 'aGVsbG8=', mimeType: 'image/png', fileName: 'p.png' } },
			}));
			const hook = fakeWebhook({
				body: { task_id: 'a', task_status: 'succeed' },
				input,
				api: (request: RecordedRequest) => {
					paths.push(request.url.replace(/^.*\/videos\//, ''));
					return cometapi.answer(request);
				},
			});
			const items = (await resumeOnCallback.call(hook.ctx)).workflowData![0];
			expect(paths.sort()).toEqual(['image2video/a', 'image2video/b']);
			for (const item of items) expect(item.binary).toEqual(input[0].binary);
		});

		it('stays paused while another task runs, and does not read a confirmed task again', async () => {
			const statuses: Record<string, string> = { a: 'succeed', b: 'processing' };
			const cometapi = api(statuses);
			const executionId = nextExecution();
			const call = (taskId: string) =>
				resumeOnCallback.call(
					fakeWebhook({
						body: { task_id: taskId, task_status: 'succeed' },
						input: pausedItems(['a', 'b'], executionId),
						api: cometapi.answer,
					}).ctx,
				);
			expect((await call('a')).workflowData).toBeUndefined();
			expect(cometapi.reads).toEqual({ a: 1, b: 1 });
			// A duplicate of a's callback right away: a is known, b was just seen running: no read at all.
			expect((await call('a')).workflowData).toBeUndefined();
			expect(cometapi.reads).toEqual({ a: 1, b: 1 });
			statuses.b = 'succeed';
			expect((await call('b')).workflowData).toHaveLength(1);
			expect(cometapi.reads).toEqual({ a: 1, b: 2 });
		});

		it("a lost final callback is caught by the next task's first callback, even right after", async () => {
			const statuses: Record<string, string> = { a: 'processing', b: 'succeed', c: 'succeed' };
			const cometapi = api(statuses);
			const input = pausedItems(['a', 'b', 'c'], nextExecution());
			const call = (taskId: string) =>
				resumeOnCallback.call(
					fakeWebhook({ body: { task_id: taskId, task_status: 'succeed' }, input, api: cometapi.answer }).ctx,
				);
			// b's callback reads a (running) and maybe c (finished, so c is known from then on).
			expect((await call('b')).workflowData).toBeUndefined();
			expect(cometapi.reads.a).toBe(1);
			// a finishes, but its callback never arrives; c's own callback comes a moment later.
			statuses.a = 'succeed';
			expect((await call('c')).workflowData).toHaveLength(1);
			expect(cometapi.reads.a).toBe(2);
		});

		it('answers 503 (call again) when the task cannot be read, and never throws', async () => {
			const hook = fakeWebhook({
				body: { task_id: 'a', task_status: 'succeed' },
				input: pausedItems(['a'], nextExecution()),
				api: [klingError(400, 1201, 'bad request')],
			});
			const answer = await resumeOnCallback.call(hook.ctx);
			expect(answer).toEqual({ noWebhookResponse: true });
			expect(hook.answered.status).toBe(503);

			const broken = fakeWebhook({ body: { task_id: 'a', task_status: 'succeed' }, api: [] });
			broken.ctx.evaluateExpression = () => {
				throw new Error('engine changed');
			};
			await expect(resumeOnCallback.call(broken.ctx)).resolves.toEqual({ noWebhookResponse: true });
			expect(broken.answered.status).toBe(503);
		});

		it('an error of its own is logged with the credential masked, even a key that does not look like one', async () => {
			const secret = 'plain-secret-4f9a';
			const hook = fakeWebhook({
				body: { task_id: 'a', task_status: 'succeed' },
				api: [],
				credentials: { apiKey: secret, baseUrl: UNIT_BASE_URL },
			});
			hook.ctx.evaluateExpression = () => {
				throw new Error(`engine changed (key ${secret}, sk-other-0123456789)`);
			};
			await resumeOnCallback.call(hook.ctx);
			expect(hook.answered).toEqual({
				status: 503,
				body: { received: true, resumed: false, reason: 'try again later' },
			});
			expect(hook.logs).toEqual([
				{ level: 'warn', message: 'Kling (CometAPI) callback could not be handled: engine changed (key ***, sk-***)' },
			]);
		});

		it('never puts the key into the items it resumes with', async () => {
			const hook = fakeWebhook({
				body: { task_id: 'a', task_status: 'succeed' },
				input: pausedItems(['a'], nextExecution()),
				api: [ok(task('succeed', { task_id: 'a', task_status_msg: `echo ${UNIT_KEY}` }))],
			});
			const answer = await resumeOnCallback.call(hook.ctx);
			expect(JSON.stringify(answer)).not.toContain(UNIT_KEY);
		});

		it.each([5, 20, 100])(
			'reads stay within 3 + ln N per task for N = %i, callbacks duplicated and in random order',
			async (n) => {
				const ids = Array.from({ length: n }, (_, i) => `t${i}`);
				const statuses: Record<string, string> = Object.fromEntries(ids.map((id) => [id, 'processing']));
				const cometapi = api(statuses);
				const executionId = nextExecution();
				const input = pausedItems(ids, executionId);
				let resumed = 0;
				// Finish in random order; each finish posts submitted/processing late (reordered) and the final twice.
				const order = [...ids].sort(() => Math.random() - 0.5);
				for (const id of order) {
					statuses[id] = 'succeed';
					for (const status of ['succeed', 'processing', 'succeed']) {
						const answer = await resumeOnCallback.call(
							fakeWebhook({ body: { task_id: id, task_status: status }, input, api: cometapi.answer }).ctx,
						);
						if (answer.workflowData) resumed++;
					}
				}
				expect(resumed).toBeGreaterThanOrEqual(1);
				// One more read per task happened before pausing.
				expect((cometapi.total() + n) / n).toBeLessThanOrEqual(3 + Math.log(n));
			},
		);
	});

	describe('Pause Until Callback: signed callbacks, bounded reads, one resume', () => {
		it('refuses an unsigned or forged callback for a task created with a signed URL: 403, no read', async () => {
			const executionId = nextExecution();
			const input = pausedItems(['a'], executionId, { signed_callback: true });
			const cometapi = api({ a: 'succeed' });
			for (const query of [
				{},
				signedQuery(executionId, 'text2video', 'sk-someone-else'),
				signedQuery('exec-other'),
				{ ...signedQuery(executionId), kling_kind: 'image2video' },
			]) {
				const hook = fakeWebhook({
					body: { task_id: 'a', task_status: 'succeed' },
					input,
					api: cometapi.answer,
					query,
				});
				expect(await resumeOnCallback.call(hook.ctx)).toEqual({ noWebhookResponse: true });
				expect(hook.answered.status).toBe(403);
			}
			expect(cometapi.total()).toBe(0);
			const hook = fakeWebhook({
				body: { task_id: 'a', task_status: 'succeed' },
				input,
				api: cometapi.answer,
				query: signedQuery(executionId),
			});
			expect((await resumeOnCallback.call(hook.ctx)).workflowData).toHaveLength(1);
		});

		it('30 false "succeed" claims in a row for a running task cost one read; the rest are asked to call again', async () => {
			const executionId = nextExecution();
			const input = pausedItems(['a', 'b'], executionId, { signed_callback: true });
			const cometapi = api({ a: 'processing', b: 'processing' });
			for (let i = 0; i < 30; i++) {
				const hook = fakeWebhook({
					body: { task_id: 'a', task_status: 'succeed' },
					input,
					api: cometapi.answer,
					query: signedQuery(executionId),
				});
				const answer = await resumeOnCallback.call(hook.ctx);
				expect(answer.workflowData).toBeUndefined();
				if (i > 0) expect(hook.answered.status).toBe(503);
			}
			expect(cometapi.reads).toEqual({ a: 1 });
		});

		it('simultaneous duplicate final callbacks resume once; the others get a plain 200', async () => {
			const executionId = nextExecution();
			const input = pausedItems(['a', 'b'], executionId, { signed_callback: true });
			const cometapi = api({ a: 'succeed', b: 'succeed' });
			const hooks = Array.from({ length: 12 }, (_, i) =>
				fakeWebhook({
					body: { task_id: i % 2 ? 'a' : 'b', task_status: 'succeed' },
					input,
					api: cometapi.answer,
					query: signedQuery(executionId),
				}),
			);
			const answers = await Promise.all(hooks.map((hook) => resumeOnCallback.call(hook.ctx)));
			expect(answers.filter((answer) => answer.workflowData)).toHaveLength(1);
			for (const answer of answers.filter((answer) => !answer.workflowData)) {
				expect(answer.webhookResponse).toMatchObject({ resumed: false });
			}
			expect(hooks.every((hook) => hook.answered.status === undefined)).toBe(true);
			expect(cometapi.reads).toEqual({ a: 1, b: 1 });
		});
	});
	describe('Pause Until Callback: every answer of webhook()', () => {
		const answer200 = (reason: string) => ({ webhookResponse: { received: true, resumed: false, reason } });
		const finalBody = (taskId: string) => ({ task_id: taskId, task_status: 'succeed' });
		const pendingOf = (item: INodeExecutionData) => item.json[PENDING_TASK_FIELD] as IDataObject;
		/** Lets every answer already given reach its callback (no timers involved). */
		const settle = async () => {
			for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
		};

		afterEach(() => jest.useRealTimers());

		it.each([
			['no body', undefined],
			['a body without a task id', { event: 'ping' }],
			['a text body', 'task_id=a&task_status=succeed'],
		])('answers %s with a plain 200 "not a Kling task", reading nothing', async (_name, body) => {
			const cometapi = api({ a: 'succeed' });
			const hook = fakeWebhook({ body, input: pausedItems(['a'], nextExecution()), api: cometapi.answer });
			expect(await resumeOnCallback.call(hook.ctx)).toEqual(answer200('not a Kling task'));
			expect(cometapi.total()).toBe(0);
		});

		it.each([
			['processing', { task_id: 'a', task_status: 'processing' }],
			['submitted', { task_id: 'a', task_status: 'submitted' }],
			['no status at all', { task_id: 'a' }],
		])('answers a callback saying %s with a plain 200 "not finished yet", reading nothing', async (_name, body) => {
			const cometapi = api({ a: 'succeed' });
			const hook = fakeWebhook({ body, input: pausedItems(['a'], nextExecution()), api: cometapi.answer });
			expect(await resumeOnCallback.call(hook.ctx)).toEqual(answer200('not finished yet'));
			expect(cometapi.total()).toBe(0);
		});

		it.each<[string, (executionId: string) => unknown[]]>([
			['no input items', () => []],
			['items paused by another node', (executionId) => pausedItems(['a'], executionId, { node_id: 'node-2' })],
			[
				'an item not paused at all among paused ones',
				(executionId) => [...pausedItems(['a'], executionId), { json: { prompt: 'plain' } }],
			],
			['an item whose pending task is null', () => [{ json: { [PENDING_TASK_FIELD]: null } }]],
			['an item without json', () => [{}]],
			['a missing item', () => [null]],
		])('answers a plain 200 "not waiting here" to a node with %s, reading nothing', async (_name, input) => {
			const cometapi = api({ a: 'succeed' });
			const hook = fakeWebhook({ body: finalBody('a'), input: input(nextExecution()) as never, api: cometapi.answer });
			expect(await resumeOnCallback.call(hook.ctx)).toEqual(answer200('not waiting here'));
			expect(cometapi.total()).toBe(0);
		});

		it('answers a plain 200 "the credential is not usable" when it has no API key, reading nothing', async () => {
			const cometapi = api({ a: 'succeed' });
			const hook = fakeWebhook({
				body: finalBody('a'),
				input: pausedItems(['a'], nextExecution()),
				api: cometapi.answer,
				credentials: { apiKey: ' ', baseUrl: UNIT_BASE_URL },
			});
			expect(await resumeOnCallback.call(hook.ctx)).toEqual(answer200('the credential is not usable'));
			expect(cometapi.total()).toBe(0);
		});

		it('answers a refused signature 403 saying why, before any read: unsigned, forged, or made for another kind', async () => {
			const executionId = nextExecution();
			const input = pausedItems(['a'], executionId, { signed_callback: true, task_kind: 'text2video' });
			const cometapi = api({ a: 'succeed' });
			const refused = async (query: IDataObject) => {
				const hook = fakeWebhook({ body: finalBody('a'), input, api: cometapi.answer, query });
				expect(await resumeOnCallback.call(hook.ctx)).toEqual({ noWebhookResponse: true });
				return hook.answered;
			};
			const forbidden = (reason: unknown) => ({ status: 403, body: { received: true, resumed: false, reason } });
			expect(await refused({})).toEqual(forbidden('unsigned'));
			expect(await refused(signedQuery(executionId, 'text2video', 'sk-someone-else'))).toEqual(
				forbidden('bad signature'),
			);
			// A genuine signature of this URL, but for image-to-video: this task is text-to-video.
			expect(await refused(signedQuery(executionId, 'image2video'))).toEqual(forbidden('bad signature'));
			expect(cometapi.total()).toBe(0);
		});

		it.each<[string, Partial<PendingTask>, TaskKind]>([
			['its own kind', { task_kind: 'image2video' }, 'image2video'],
			['text-to-video for an item paused before task kinds existed', {}, 'text2video'],
		])('accepts a signature for %s, and reads the task there', async (_name, kind, signedFor) => {
			const executionId = nextExecution();
			const cometapi = api({ a: 'succeed' });
			const paths: string[] = [];
			const hook = fakeWebhook({
				body: finalBody('a'),
				input: pausedItems(['a'], executionId, { signed_callback: true, ...kind }),
				api: (request: RecordedRequest) => {
					paths.push(request.url);
					return cometapi.answer(request);
				},
				query: signedQuery(executionId, signedFor),
			});
			expect((await resumeOnCallback.call(hook.ctx)).webhookResponse).toEqual({ received: true, resumed: true });
			expect(paths).toEqual([`${UNIT_BASE_URL}/kling/v1/videos/${signedFor}/a`]);
		});

		it('answers a claim a read refuted "not finished yet", and the same claim moments later 503 "not confirmed yet", unread', async () => {
			const cometapi = api({ a: 'processing' });
			const input = pausedItems(['a'], nextExecution());
			const call = async () => {
				const hook = fakeWebhook({ body: finalBody('a'), input, api: cometapi.answer });
				return { answer: await resumeOnCallback.call(hook.ctx), answered: hook.answered };
			};
			expect(await call()).toEqual({ answer: answer200('not finished yet'), answered: {} });
			expect(await call()).toEqual({
				answer: { noWebhookResponse: true },
				answered: { status: 503, body: { received: true, resumed: false, reason: 'not confirmed yet' } },
			});
			expect(cometapi.reads).toEqual({ a: 1 });
		});

		it('answers 503 "could not confirm the task" when the read fails, and logs why', async () => {
			const hook = fakeWebhook({
				body: finalBody('a'),
				input: pausedItems(['a'], nextExecution()),
				api: [klingError(400, 1201, 'bad request')],
			});
			expect(await resumeOnCallback.call(hook.ctx)).toEqual({ noWebhookResponse: true });
			expect(hook.answered).toEqual({
				status: 503,
				body: { received: true, resumed: false, reason: 'could not confirm the task' },
			});
			expect(hook.logs).toEqual([
				{
					level: 'info',
					message: 'Kling callback for task a: reading it failed (CometAPI refused the parameters of this request)',
				},
			]);
		});

		it('gives up a read that gets no answer after 20 s: 503 "could not confirm the task", logged', async () => {
			jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
			const hook = fakeWebhook({ body: finalBody('a'), input: pausedItems(['a'], nextExecution()), api: ['hang'] });
			let answer: IWebhookResponseData | undefined;
			void resumeOnCallback.call(hook.ctx).then((answered) => (answer = answered));
			await jest.advanceTimersByTimeAsync(19_999);
			expect(answer).toBeUndefined();
			await jest.advanceTimersByTimeAsync(1);
			expect(answer).toEqual({ noWebhookResponse: true });
			expect(hook.answered).toEqual({
				status: 503,
				body: { received: true, resumed: false, reason: 'could not confirm the task' },
			});
			expect(hook.logs).toEqual([
				{ level: 'info', message: 'Kling callback for task a: reading it failed (task a could not be read in time)' },
			]);
		});

		it('hears an answer that takes a moment (the 20 s are ahead, not behind)', async () => {
			const cometapi = api({ a: 'succeed' });
			const hook = fakeWebhook({
				body: finalBody('a'),
				input: pausedItems(['a'], nextExecution()),
				api: async (request: RecordedRequest) => {
					await new Promise((resolve) => setTimeout(resolve, 5));
					return cometapi.answer(request);
				},
			});
			expect((await resumeOnCallback.call(hook.ctx)).webhookResponse).toEqual({ received: true, resumed: true });
		});

		it('resumes with each item as it paused, marked finished with its task; an item whose create failed keeps its error', async () => {
			const executionId = nextExecution();
			const cometapi = api({ a: 'succeed' });
			const [paused] = pausedItems(['a'], executionId);
			const failed = {
				json: {
					prompt: 'prompt 1',
					[PENDING_TASK_FIELD]: {
						...pendingOf(paused),
						item: 1,
						task_id: null,
						error: { message: 'CometAPI refused the create' },
					},
				},
			};
			const hook = fakeWebhook({ body: finalBody('a'), input: [paused, failed], api: cometapi.answer });
			expect(await resumeOnCallback.call(hook.ctx)).toStrictEqual({
				webhookResponse: { received: true, resumed: true },
				workflowData: [
					[
						{
							json: {
								prompt: 'prompt 0',
								[PENDING_TASK_FIELD]: {
									...pendingOf(paused),
									state: 'finished',
									task: task('succeed', { task_id: 'a' }),
								},
							},
							pairedItem: { item: 0 },
						},
						{
							json: { prompt: 'prompt 1', [PENDING_TASK_FIELD]: { ...pendingOf(failed), state: 'finished' } },
							pairedItem: { item: 1 },
						},
					],
				],
			});
			// The item without a task is not read.
			expect(cometapi.reads).toEqual({ a: 1 });
			expect(hook.logs).toEqual([
				{ level: 'info', message: 'Kling (CometAPI) node "Kling": all 2 tasks finished, resuming the execution' },
			]);
		});

		it('resumes with a task confirmed by an earlier callback as CometAPI answered it then, not read again', async () => {
			const statuses: Record<string, string> = { a: 'succeed', b: 'processing' };
			const cometapi = api(statuses);
			const input = pausedItems(['a', 'b'], nextExecution());
			const call = async (taskId: string) =>
				await resumeOnCallback.call(fakeWebhook({ body: finalBody(taskId), input, api: cometapi.answer }).ctx);
			expect(await call('a')).toEqual(answer200('waiting for other tasks'));
			statuses.b = 'succeed';
			const items = (await call('b')).workflowData![0];
			expect(items.map((item) => pendingOf(item).task)).toEqual([
				task('succeed', { task_id: 'a' }),
				task('succeed', { task_id: 'b' }),
			]);
			expect(cometapi.reads).toEqual({ a: 1, b: 2 });
		});

		it('does not read again a task that finished before the pause: it resumes with that task', async () => {
			const cometapi = api({ a: 'succeed', b: 'succeed' });
			const before = task('succeed', { task_id: 'a', task_status_msg: 'read before the pause' });
			const input = pausedItems(['a', 'b'], nextExecution());
			pendingOf(input[0]).task = before;
			const hook = fakeWebhook({ body: finalBody('a'), input, api: cometapi.answer });
			const items = (await resumeOnCallback.call(hook.ctx)).workflowData![0];
			expect(cometapi.reads).toEqual({ b: 1 });
			expect(pendingOf(items[0]).task).toEqual(before);
		});

		it('reads a task whose stored copy had not finished, rather than trusting it', async () => {
			const cometapi = api({ a: 'succeed' });
			const input = pausedItems(['a'], nextExecution());
			pendingOf(input[0]).task = task('processing', { task_id: 'a' });
			const hook = fakeWebhook({ body: finalBody('a'), input, api: cometapi.answer });
			const items = (await resumeOnCallback.call(hook.ctx)).workflowData![0];
			expect(cometapi.reads).toEqual({ a: 1 });
			expect(pendingOf(items[0]).task).toEqual(task('succeed', { task_id: 'a' }));
		});

		it('stays paused, without calling it running, when another task cannot be read', async () => {
			// b is unknown to CometAPI: its read fails (404).
			const cometapi = api({ a: 'succeed' });
			const hook = fakeWebhook({
				body: finalBody('a'),
				input: pausedItems(['a', 'b'], nextExecution()),
				api: cometapi.answer,
			});
			expect(await resumeOnCallback.call(hook.ctx)).toEqual(answer200('waiting for other tasks'));
			expect(cometapi.reads).toEqual({ a: 1, b: 1 });
			expect(hook.logs).toEqual([]);
		});

		it('does not read again a task that a simultaneous callback confirmed meanwhile', async () => {
			const input = pausedItems(['a', 'b'], nextExecution());
			const reads: string[] = [];
			let releaseA!: () => void;
			const aHeld = new Promise<void>((resolve) => (releaseA = resolve));
			const answer = async (request: RecordedRequest) => {
				const id = request.url.split('/').pop()!;
				reads.push(id);
				if (id === 'a') await aHeld;
				return ok(task('succeed', { task_id: id }));
			};
			const call = (taskId: string) =>
				resumeOnCallback.call(fakeWebhook({ body: finalBody(taskId), input, api: answer }).ctx);
			// a's callback reads a, whose answer is held back; b's callback confirms b, then joins that read of a.
			const first = call('a');
			await settle();
			const second = call('b');
			await settle();
			expect(reads).toEqual(['a', 'b']);
			releaseA();
			const answers = await Promise.all([first, second]);
			// a's callback then finds b confirmed: no second read of b.
			expect(reads).toEqual(['a', 'b']);
			expect(answers.map((answered) => answered.webhookResponse)).toEqual(
				expect.arrayContaining([
					{ received: true, resumed: true },
					{ received: true, resumed: false, reason: 'already resumed' },
				]),
			);
		});

		it('answers a callback after the resume with a plain 200 "already resumed", reading nothing', async () => {
			const cometapi = api({ a: 'succeed', b: 'succeed' });
			const input = pausedItems(['a', 'b'], nextExecution());
			const call = async (taskId: string) => {
				const hook = fakeWebhook({ body: finalBody(taskId), input, api: cometapi.answer });
				return { answer: await resumeOnCallback.call(hook.ctx), logs: hook.logs.length };
			};
			expect((await call('a')).answer.webhookResponse).toEqual({ received: true, resumed: true });
			expect(await call('b')).toEqual({ answer: answer200('already resumed'), logs: 0 });
			expect(await call('a')).toEqual({ answer: answer200('already resumed'), logs: 0 });
			expect(cometapi.reads).toEqual({ a: 1, b: 1 });
		});

		it('resumes again a minute after a resume (should the first have failed to start), not before', async () => {
			const start = Date.now();
			const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
			try {
				const cometapi = api({ a: 'succeed' });
				const input = pausedItems(['a'], nextExecution());
				const call = async () =>
					(await resumeOnCallback.call(fakeWebhook({ body: finalBody('a'), input, api: cometapi.answer }).ctx))
						.webhookResponse;
				expect(await call()).toEqual({ received: true, resumed: true });
				clock.mockReturnValue(start + 60_000 - 1);
				expect(await call()).toEqual({ received: true, resumed: false, reason: 'already resumed' });
				clock.mockReturnValue(start + 60_000);
				expect(await call()).toEqual({ received: true, resumed: true });
				expect(cometapi.reads).toEqual({ a: 1 });
			} finally {
				clock.mockRestore();
			}
		});

		it.each<[string, unknown]>([
			['no run data', undefined],
			['no execution data', {}],
			['no execution stack', { executionData: {} }],
			['an empty execution stack', { executionData: { nodeExecutionStack: [] } }],
			['a stack entry without a node', { executionData: { nodeExecutionStack: [{}] } }],
		])("resumes when n8n's internals have %s (the items then pass through)", async (_name, runExecutionData) => {
			const hook = fakeWebhook({
				body: finalBody('a'),
				input: pausedItems(['a'], nextExecution()),
				api: api({ a: 'succeed' }).answer,
			});
			(hook.ctx as unknown as { runExecutionData: unknown }).runExecutionData = runExecutionData;
			const answer = await resumeOnCallback.call(hook.ctx);
			expect(answer.webhookResponse).toEqual({ received: true, resumed: true });
			expect(answer.workflowData![0]).toHaveLength(1);
		});

		it('lets only itself run again: another node first on the execution stack stays disabled', async () => {
			const hook = fakeWebhook({
				body: finalBody('a'),
				input: pausedItems(['a'], nextExecution()),
				api: api({ a: 'succeed' }).answer,
			});
			const other = { name: 'Other', disabled: true };
			(hook.ctx as unknown as { runExecutionData: unknown }).runExecutionData = {
				executionData: { nodeExecutionStack: [{ node: other }] },
			};
			expect((await resumeOnCallback.call(hook.ctx)).webhookResponse).toEqual({ received: true, resumed: true });
			expect(other.disabled).toBe(true);
		});

		describe('the other tasks, in random order', () => {
			let random: jest.SpyInstance;
			beforeEach(() => (random = jest.spyOn(Math, 'random').mockReturnValue(0.5)));
			afterEach(() => random.mockRestore());

			it('reads the task called back first, then the others shuffled by Math.random (not in item order)', async () => {
				const cometapi = api({ h: 'succeed', x: 'succeed', y: 'succeed', z: 'succeed' });
				const order: string[] = [];
				const hook = fakeWebhook({
					body: finalBody('h'),
					input: pausedItems(['h', 'x', 'y', 'z'], nextExecution()),
					api: (request: RecordedRequest) => {
						order.push(request.url.split('/').pop()!);
						return cometapi.answer(request);
					},
				});
				expect((await resumeOnCallback.call(hook.ctx)).webhookResponse).toEqual({ received: true, resumed: true });
				// Fisher-Yates with Math.random() = 0.5 turns [x, y, z] into [x, z, y].
				expect(order).toEqual(['h', 'x', 'z', 'y']);
			});

			it('stops at the first other task still running, logging it; a repeat right after reads nothing', async () => {
				const cometapi = api({ a: 'succeed', b: 'processing', c: 'succeed' });
				const input = pausedItems(['a', 'b', 'c'], nextExecution());
				const call = async () => {
					const hook = fakeWebhook({ body: finalBody('a'), input, api: cometapi.answer });
					return { answer: await resumeOnCallback.call(hook.ctx), logs: hook.logs };
				};
				// With Math.random() = 0.5 the others keep their order: b, then c.
				expect(await call()).toEqual({
					answer: answer200('waiting for other tasks'),
					logs: [{ level: 'debug', message: 'Kling callback: task b is still running, staying paused' }],
				});
				expect(cometapi.reads).toEqual({ a: 1, b: 1 });
				// b was seen running a moment ago: a repeat of a's callback reads neither b nor c.
				expect(await call()).toEqual({ answer: answer200('waiting for other tasks'), logs: [] });
				expect(cometapi.reads).toEqual({ a: 1, b: 1 });
			});
		});
	});

	/** These count entries from empty: each test loads its own copy of the module, with nothing remembered yet. */
	describe('Pause Until Callback: what this n8n instance remembers', () => {
		type CallbackModule = typeof import('../../../../nodes/KlingCometApi/actions/video/callback');
		function freshModule(): CallbackModule {
			let fresh: CallbackModule | undefined;
			// n8n-workflow is shared (reloading it is slow); the callback module and our helpers are loaded afresh.
			const n8nWorkflow: unknown = jest.requireActual('n8n-workflow');
			jest.isolateModules(() => {
				jest.doMock('n8n-workflow', () => n8nWorkflow);
				fresh = require('../../../../nodes/KlingCometApi/actions/video/callback') as CallbackModule;
			});
			jest.dontMock('n8n-workflow');
			return fresh!;
		}
		const finalBody = (taskId: string) => ({ task_id: taskId, task_status: 'succeed' });
		/** A final callback resuming another execution paused at this node, its task finished before the pause (no read). */
		async function otherExecution(fresh: CallbackModule, n: number): Promise<void> {
			const input = pausedItems(['x'], `exec-other-${n}`, { task: task('succeed', { task_id: 'x' }) });
			// A key too short to mask anything keeps these 500 callbacks quick (no redaction patterns to build).
			const credentials = { apiKey: 'k', baseUrl: UNIT_BASE_URL };
			const answer = await fresh.resumeOnCallback.call(
				fakeWebhook({ body: finalBody('x'), input, api: [], credentials }).ctx,
			);
			expect(answer.webhookResponse).toEqual({ received: true, resumed: true });
		}

		it('keeps the confirmed tasks of the last 500 paused nodes; a node beyond that has its tasks read again', async () => {
			const fresh = freshModule();
			const statuses: Record<string, string> = { a: 'succeed', b: 'processing', c: 'processing' };
			const cometapi = api(statuses);
			const input = pausedItems(['a', 'b', 'c'], nextExecution());
			const call = async (taskId: string) =>
				(await fresh.resumeOnCallback.call(fakeWebhook({ body: finalBody(taskId), input, api: cometapi.answer }).ctx))
					.webhookResponse;
			expect(await call('a')).toEqual({ received: true, resumed: false, reason: 'waiting for other tasks' });
			for (let n = 1; n <= 499; n++) await otherExecution(fresh, n);
			// 500 nodes remembered: a is still known.
			statuses.c = 'succeed';
			expect(await call('c')).toEqual({ received: true, resumed: false, reason: 'waiting for other tasks' });
			expect(cometapi.reads.a).toBe(1);
			// The 501st node pushes the oldest out: a is read again.
			await otherExecution(fresh, 500);
			statuses.b = 'succeed';
			expect(await call('b')).toEqual({ received: true, resumed: true });
			expect(cometapi.reads.a).toBe(2);
		});

		it("still knows a repeated final callback after other tasks' final callbacks", async () => {
			const fresh = freshModule();
			const cometapi = api({ a: 'succeed', b: 'processing' });
			const input = pausedItems(['a', 'b'], nextExecution());
			const call = async () =>
				(await fresh.resumeOnCallback.call(fakeWebhook({ body: finalBody('a'), input, api: cometapi.answer }).ctx))
					.webhookResponse;
			expect(await call()).toEqual({ received: true, resumed: false, reason: 'waiting for other tasks' });
			await otherExecution(fresh, 1);
			await otherExecution(fresh, 2);
			// A repeat: b was just seen running, so it is not read again.
			expect(await call()).toEqual({ received: true, resumed: false, reason: 'waiting for other tasks' });
			expect(cometapi.reads).toEqual({ a: 1, b: 1 });
		});
	});
});
