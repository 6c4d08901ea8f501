import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { router } from '../../../../nodes/KlingCometApi/actions/router';
import {
	PENDING_TASK_FIELD,
	callbackUrlForPause,
	resumeOnCallback,
} from '../../../../nodes/KlingCometApi/actions/video/callback';
import { callbackSignature, signCallbackUrl } from '../../../../nodes/KlingCometApi/helpers/signing';
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
		/** The query of the callback URL the node created the task with (resume URL + node id, signed). */
		const signedQuery = (executionId: string, kind = 'text2video' as const, key = UNIT_KEY) =>
			Object.fromEntries(
				new URL(signCallbackUrl(`https://n8n.example.test/webhook-waiting/${executionId}/node-1`, key, kind))
					.searchParams,
			);

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
});
