import type { IDataObject } from 'n8n-workflow';
import { callbackSignature, signCallbackUrl } from '../../nodes/KlingCometApi/helpers/signing';
import type { TaskKind } from '../../nodes/KlingCometApi/transport';
import { KlingCometApiTrigger } from '../../nodes/KlingCometApiTrigger/KlingCometApiTrigger.node';
import type { Scripted } from '../helpers/fake-context';
import { klingError, ok, task, UNIT_BASE_URL, UNIT_KEY } from '../helpers/fake-context';
import { fakeWebhook } from '../helpers/fake-webhook';

const trigger = new KlingCometApiTrigger();
let workflowCounter = 0;

const TRIGGER_PATH = '/webhook/hook-1/kling';

/** The query Create Video's signed URL carries, for the Trigger's path and a task kind. */
function signedQuery(kind: TaskKind = 'text2video', key = UNIT_KEY, path = TRIGGER_PATH): IDataObject {
	const url = new URL(signCallbackUrl(`https://n8n.example.test${path}`, key, kind));
	return Object.fromEntries(url.searchParams);
}

type Call = { query?: IDataObject; path?: string; parameters?: IDataObject };

/** One Trigger node in its own workflow (duplicates are remembered per workflow and node); signed by default. */
function triggerNode(events = 'finished', staticData: IDataObject = {}) {
	const workflowId = `wf-${++workflowCounter}`;
	return (body: unknown, api: Scripted[], call: Call = {}) => {
		const hook = fakeWebhook({
			body,
			api,
			parameters: { events, ...call.parameters },
			staticData,
			workflowId,
			query: call.query ?? signedQuery(),
			path: call.path ?? TRIGGER_PATH,
		});
		return { hook, answer: trigger.webhook.call(hook.ctx) };
	};
}
const UNSIGNED: Call = { query: {}, parameters: { 'options.acceptUnsigned': true } };

describe('Kling (CometAPI) Trigger', () => {
	it('emits a finished task as CometAPI reports it, not as the callback claims', async () => {
		const call = triggerNode();
		const { hook, answer } = call(
			{ task_id: 't1', task_status: 'succeed', task_result: { videos: [{ url: 'https://evil.test' }] } },
			[ok(task('succeed'))],
		);
		const result = await answer;
		expect(result.workflowData![0][0].json).toMatchObject({
			task_id: 't1',
			task_status: 'succeed',
			video_url: 'https://cdn.example.test/t1.mp4',
		});
		expect(hook.apiRequests()).toHaveLength(1);
		expect(hook.apiRequests()[0].url).toMatch(/\/kling\/v1\/videos\/text2video\/t1$/);
	});

	it('a signed callback of an image-to-video task is read under its own path only', async () => {
		const { hook, answer } = triggerNode()({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))], {
			query: signedQuery('image2video'),
		});
		expect((await answer).workflowData![0][0].json).toMatchObject({ task_id: 't1', task_kind: 'image2video' });
		expect(hook.apiRequests().map((r) => r.url.replace(/^.*\/videos\//, ''))).toEqual(['image2video/t1']);
	});

	it('unsigned, when accepted: an image-to-video task (the callback does not say its kind) is found under its own path', async () => {
		const call = triggerNode();
		const { hook, answer } = call(
			{ task_id: 't1', task_status: 'succeed' },
			[klingError(404, 1203, 'task not found'), ok(task('succeed'))],
			UNSIGNED,
		);
		const result = await answer;
		expect(result.workflowData![0][0].json).toMatchObject({ task_id: 't1', task_kind: 'image2video' });
		expect(hook.apiRequests().map((r) => r.url.replace(/^.*\/videos\//, ''))).toEqual([
			'text2video/t1',
			'image2video/t1',
		]);
	});

	it('unsigned, when accepted: a task unknown under every kind starts nothing; a failed read of one kind is not taken for "unknown"', async () => {
		const unknown = triggerNode()(
			{ task_id: 'forged', task_status: 'succeed' },
			[klingError(404, 1203, 'task not found')],
			UNSIGNED,
		);
		expect((await unknown.answer).webhookResponse).toMatchObject({ started: false, reason: 'unknown task' });
		expect(unknown.hook.apiRequests()).toHaveLength(3);
		const down = triggerNode()(
			{ task_id: 't2', task_status: 'succeed' },
			[klingError(404, 1203, 'task not found'), klingError(503, 5001, 'maintenance')],
			UNSIGNED,
		);
		expect(await down.answer).toEqual({ noWebhookResponse: true });
		expect(down.hook.answered.status).toBe(503);
		expect(down.hook.apiRequests()).toHaveLength(2);
	});

	it('starts nothing for a non-final callback and does not even read it', async () => {
		const { hook, answer } = triggerNode()({ task_id: 't1', task_status: 'processing' }, []);
		expect((await answer).workflowData).toBeUndefined();
		expect(hook.requests).toHaveLength(0);
	});

	it('starts nothing for a task CometAPI does not know with this credential (a spoof)', async () => {
		const { answer } = triggerNode()({ task_id: 'forged', task_status: 'succeed' }, [
			klingError(404, 1203, 'task not found'),
		]);
		const result = await answer;
		expect(result.workflowData).toBeUndefined();
		expect(result.webhookResponse).toMatchObject({ started: false, reason: 'unknown task' });
	});

	it('starts nothing when the callback says finished but the task still runs', async () => {
		const { answer } = triggerNode()({ task_id: 't1', task_status: 'succeed' }, [ok(task('processing'))]);
		expect((await answer).workflowData).toBeUndefined();
	});

	it('a repeated final callback starts no second execution, also after a restart (static data)', async () => {
		const staticData: IDataObject = {};
		const call = triggerNode('finished', staticData);
		expect(
			(await call({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))]).answer).workflowData,
		).toHaveLength(1);
		expect(
			(await call({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))]).answer).workflowData,
		).toBeUndefined();
		expect(Object.keys(staticData.emitted as IDataObject)).toEqual(['t1:succeed']);
		// Another process (after a restart) that loads this static data also refuses it.
		const restarted = triggerNode('finished', structuredClone(staticData));
		expect(
			(await restarted({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))]).answer).workflowData,
		).toBeUndefined();
	});

	it('duplicates arriving together start one execution (each n8n call loads its own copy of static data)', async () => {
		workflowCounter++;
		const workflowId = `wf-${workflowCounter}`;
		const call = () => {
			const hook = fakeWebhook({
				body: { task_id: 't1', task_status: 'succeed' },
				api: [ok(task('succeed'))],
				parameters: { events: 'finished' },
				staticData: {},
				workflowId,
				query: signedQuery(),
				path: TRIGGER_PATH,
			});
			return trigger.webhook.call(hook.ctx);
		};
		const answers = await Promise.all([call(), call(), call()]);
		expect(answers.filter((answer) => answer.workflowData)).toHaveLength(1);
	});

	it('filters by what the API says: "succeed only" ignores a failed task; "any" emits each status once', async () => {
		const succeedOnly = triggerNode('succeed');
		expect(
			(await succeedOnly({ task_id: 't1', task_status: 'succeed' }, [ok(task('failed'))]).answer).workflowData,
		).toBeUndefined();
		const any = triggerNode('any');
		expect(
			(await any({ task_id: 't1', task_status: 'processing' }, [ok(task('processing'))]).answer).workflowData,
		).toHaveLength(1);
		expect(
			(await any({ task_id: 't1', task_status: 'processing' }, [ok(task('processing'))]).answer).workflowData,
		).toBeUndefined();
		expect(
			(await any({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))]).answer).workflowData,
		).toHaveLength(1);
	});

	it('asks the sender to call again (503) when CometAPI cannot be read now, without remembering the task', async () => {
		const call = triggerNode();
		const first = call({ task_id: 't1', task_status: 'succeed' }, [klingError(503, 5001, 'maintenance')]);
		expect(await first.answer).toEqual({ noWebhookResponse: true });
		expect(first.hook.answered.status).toBe(503);
		expect(
			(await call({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))]).answer).workflowData,
		).toHaveLength(1);
	});

	it('accepts the {code, message, data} wrapper and never emits the key', async () => {
		const { answer } = triggerNode()({ code: 0, message: 'SUCCEED', data: { task_id: 't1', task_status: 'failed' } }, [
			ok(task('failed', { task_status_msg: `refused for ${UNIT_KEY}` })),
		]);
		const result = await answer;
		expect(result.workflowData![0][0].json.task_status).toBe('failed');
		expect(JSON.stringify(result)).not.toContain(UNIT_KEY);
	});

	it('answers anything that is not a task with 200 and starts nothing', async () => {
		for (const body of [undefined, 'hello', { hello: 'world' }, { task_id: '../../etc' }]) {
			const { hook, answer } = triggerNode()(body, []);
			expect((await answer).workflowData).toBeUndefined();
			expect(hook.requests).toHaveLength(0);
		}
	});
	it('answers a callback without the signature 403 at once: no read, no run', async () => {
		for (const query of [{}, { kling_kind: 'text2video' }, { kling_sig: '' }]) {
			const { hook, answer } = triggerNode()({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))], {
				query,
			});
			const result = await answer;
			expect(result.workflowData).toBeUndefined();
			expect(hook.answered.status).toBe(403);
			expect(hook.requests).toHaveLength(0);
		}
	});

	it('refuses a forged or borrowed signature unread: wrong key, another Trigger URL, another kind, tampered', async () => {
		const forged: IDataObject[] = [
			signedQuery('text2video', 'sk-someone-else'),
			signedQuery('text2video', UNIT_KEY, '/webhook/other-trigger/kling'),
			{ ...signedQuery('text2video'), kling_kind: 'image2video' },
			{
				kling_kind: 'text2video',
				kling_sig: callbackSignature(UNIT_KEY, 'hook-1/kling', 'text2video').replace(/.$/, '0'),
			},
			{ kling_kind: '../x', kling_sig: 'a'.repeat(32) },
		];
		for (const query of forged) {
			const { hook, answer } = triggerNode()({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))], {
				query,
			});
			expect((await answer).workflowData).toBeUndefined();
			expect(hook.answered.status).toBe(403);
			expect(hook.requests).toHaveLength(0);
		}
	});

	it('the signature covers the last two path segments: a reverse proxy prefix or the test URL still match', async () => {
		for (const path of ['/n8n/webhook/hook-1/kling', '/webhook-test/hook-1/kling', '/webhook/hook-1/kling/']) {
			const { answer } = triggerNode()({ task_id: 't1', task_status: 'succeed' }, [ok(task('succeed'))], { path });
			expect((await answer).workflowData).toHaveLength(1);
		}
	});

	it('unsigned, when accepted: 30 callbacks naming one unknown task cost one read per kind, not 90', async () => {
		const call = triggerNode();
		let requests = 0;
		for (let i = 0; i < 30; i++) {
			const { hook, answer } = call(
				{ task_id: 'forged-1', task_status: 'succeed' },
				[klingError(404, 1203, 'task not found')],
				UNSIGNED,
			);
			expect((await answer).webhookResponse).toMatchObject({ started: false, reason: 'unknown task' });
			requests += hook.apiRequests().length;
		}
		expect(requests).toBe(3);
	});

	it('30 false "succeed" claims in a row for a running task cost one read: the rest are asked to call again, unread', async () => {
		const call = triggerNode();
		let requests = 0;
		for (let i = 0; i < 30; i++) {
			const { hook, answer } = call({ task_id: 'running-1', task_status: 'succeed' }, [ok(task('processing'))]);
			const result = await answer;
			expect(result.workflowData).toBeUndefined();
			if (i > 0) expect(hook.answered.status).toBe(503);
			requests += hook.apiRequests().length;
		}
		expect(requests).toBe(1);
	});

	it('a claim refuted more than 5 s ago is read again, and a genuine final status then starts the run', async () => {
		const call = triggerNode();
		await call({ task_id: 'late-1', task_status: 'succeed' }, [ok(task('processing'))]).answer;
		// 5.1 s later, on the clock the throttle reads (a real wait would make every mutant run slow).
		const later = Date.now() + 5_100;
		const clock = jest.spyOn(Date, 'now').mockImplementation(() => later);
		try {
			const { hook, answer } = call({ task_id: 'late-1', task_status: 'succeed' }, [ok(task('succeed'))]);
			expect((await answer).workflowData).toHaveLength(1);
			expect(hook.apiRequests()).toHaveLength(1);
		} finally {
			clock.mockRestore();
		}
	});

	it('answers its own JSON when it starts a run, not n8n\'s "firstEntryJson" default', () => {
		const webhook = trigger.description.webhooks![0];
		expect(webhook.responseMode).toBe('onReceived');
		// n8n sends a truthy responseData as the literal answer in "onReceived" mode, and an absent
		// one defaults to 'firstEntryJson': only '' makes it send our webhookResponse.
		expect(webhook.responseData).toBe('');
	});
});

describe('Kling (CometAPI) Trigger: what each answer says', () => {
	const finished = { task_id: 't1', task_status: 'succeed' };
	const bodyOf = async (started: {
		hook: ReturnType<typeof fakeWebhook>;
		answer: ReturnType<typeof trigger.webhook>;
	}) => {
		const result = await started.answer;
		return (
			result.webhookResponse ?? { status: started.hook.answered.status, ...(started.hook.answered.body as object) }
		);
	};

	it('the parameters saved workflows depend on: names, values, defaults, the webhook and the credential', () => {
		// A node built here, not at import: Stryker's per-test coverage does not see work done while collecting.
		const node = new KlingCometApiTrigger();
		const { description } = node.description as { description: string } & typeof node.description;
		expect(node.description).toMatchObject({
			displayName: 'Kling (CometAPI) Trigger',
			name: 'klingCometApiTrigger',
			icon: { light: 'file:kling.svg', dark: 'file:kling.dark.svg' },
			group: ['trigger'],
			version: 1,
			defaults: { name: 'Kling (CometAPI) Trigger' },
			inputs: [],
			outputs: ['main'],
			credentials: [{ name: 'cometApiKlingApi', required: true }],
			webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: 'kling' }],
		});
		expect(description).toMatch(/Kling.*CometAPI/);
		const [notice, events, options] = node.description.properties;
		expect(notice).toMatchObject({ name: 'notice', type: 'notice', default: '' });
		expect(notice.displayName).toMatch(/Callback URL.*same credential/s);
		expect(events).toMatchObject({ displayName: 'Trigger On', name: 'events', type: 'options', default: 'finished' });
		expect(events.options).toEqual([
			{ name: 'Task Finished', value: 'finished', description: 'Once per task, when it succeeds or fails' },
			{ name: 'Task Succeeded', value: 'succeed', description: 'Once per task that has a video' },
			{ name: 'Task Failed', value: 'failed', description: 'Once per task that failed' },
			{
				name: 'Any Status Change',
				value: 'any',
				description: 'Once per task and status: submitted, processing, succeed, failed',
			},
		]);
		expect(options).toMatchObject({
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			options: [{ displayName: 'Accept Unsigned Callbacks', name: 'acceptUnsigned', type: 'boolean', default: false }],
		});
		expect((options.options![0] as { description: string }).description).toMatch(/HTTP Request.*your key/s);
		for (const value of ['finished', 'succeed', 'failed', 'any'])
			expect(node.description.subtitle).toContain(`${value}: "`);
	});

	it('starting a run answers {received, started: true} and hands on the task read', async () => {
		const result = await triggerNode()(finished, [ok(task('succeed'))]).answer;
		expect(result.webhookResponse).toEqual({ received: true, started: true });
		expect(result.workflowData).toHaveLength(1);
	});

	it.each([
		['not a Kling task', { hello: 'world' }, []],
		['not finished yet', { task_id: 't1', task_status: 'processing' }, []],
		['status not wanted', finished, [ok(task('succeed', { task_status: 5 }))]],
	])('answers 200 "%s" without starting a run', async (reason, body, api) => {
		const started = triggerNode()(body, api as Scripted[]);
		expect(await bodyOf(started)).toEqual({ received: true, started: false, reason });
	});

	it('"Any Status Change" still wants a status that is text', async () => {
		const started = triggerNode('any')(finished, [ok(task('succeed', { task_status: 5 }))]);
		expect(await bodyOf(started)).toEqual({ received: true, started: false, reason: 'status not wanted' });
	});

	it('checks the signature against the request URL when n8n gives no originalUrl', async () => {
		const hook = fakeWebhook({
			body: finished,
			api: [ok(task('succeed'))],
			parameters: { events: 'finished' },
			query: signedQuery(),
			workflowId: `wf-${++workflowCounter}`,
		});
		(hook.ctx as unknown as { getRequestObject: () => object }).getRequestObject = () => ({ url: TRIGGER_PATH });
		expect((await trigger.webhook.call(hook.ctx)).workflowData).toHaveLength(1);
	});

	it('"Task Succeeded" and "Task Failed" each start a run for their own status', async () => {
		expect((await triggerNode('succeed')(finished, [ok(task('succeed'))]).answer).workflowData).toHaveLength(1);
		const failed = await triggerNode('failed')({ task_id: 't1', task_status: 'failed' }, [ok(task('failed'))]).answer;
		expect(failed.workflowData![0][0].json).toMatchObject({ task_status: 'failed' });
	});

	it('says "already started" for a repeat, and survives static data that is not an object', async () => {
		const staticData: IDataObject = { emitted: 'garbage' };
		const call = triggerNode('finished', staticData);
		expect((await call(finished, [ok(task('succeed'))]).answer).workflowData).toHaveLength(1);
		expect(staticData.emitted).toEqual({ 't1:succeed': expect.any(Number) });
		expect(await bodyOf(call(finished, [ok(task('succeed'))]))).toEqual({
			received: true,
			started: false,
			reason: 'already started a workflow for this',
		});
	});

	it('keeps the newest 2000 emitted statuses in static data', async () => {
		const emitted: Record<string, number> = {};
		for (let i = 0; i < 2000; i++) emitted[`old-${i}:succeed`] = i;
		const staticData: IDataObject = { emitted };
		expect(
			(await triggerNode('finished', staticData)(finished, [ok(task('succeed'))]).answer).workflowData,
		).toHaveLength(1);
		const kept = Object.keys(staticData.emitted as IDataObject);
		expect(kept).toHaveLength(2000);
		expect(kept[0]).toBe('old-1:succeed');
		expect(kept[kept.length - 1]).toBe('t1:succeed');
	});

	it('a credential it cannot use: 200 "the credential is not usable", nothing read', async () => {
		const hook = fakeWebhook({
			body: finished,
			api: [ok(task('succeed'))],
			parameters: { events: 'finished' },
			query: signedQuery(),
			path: TRIGGER_PATH,
			workflowId: `wf-${++workflowCounter}`,
			credentials: { apiKey: '', baseUrl: 'https://api.cometapi.com' },
		});
		expect(await bodyOf({ hook, answer: trigger.webhook.call(hook.ctx) })).toEqual({
			received: true,
			started: false,
			reason: 'the credential is not usable',
		});
		expect(hook.requests).toHaveLength(0);
	});

	it('an error of its own: 503 "try again later", logged without the key', async () => {
		const hook = fakeWebhook({
			body: finished,
			api: [],
			parameters: { events: 'finished' },
			query: signedQuery(),
			path: TRIGGER_PATH,
		});
		(hook.ctx as unknown as { getCredentials: () => Promise<never> }).getCredentials = async () => {
			throw new Error('credentials store unavailable');
		};
		expect(await trigger.webhook.call(hook.ctx)).toEqual({ noWebhookResponse: true });
		expect(hook.answered).toEqual({ status: 503, body: { received: true, started: false, reason: 'try again later' } });
		expect(hook.logs).toEqual([
			{ level: 'warn', message: 'Kling (CometAPI) Trigger: callback not handled: credentials store unavailable' },
		]);
	});

	it('an error of its own after the credential was read is logged with the credential masked', async () => {
		const secret = 'plain-secret-4f9a';
		const hook = fakeWebhook({
			body: finished,
			api: [],
			parameters: { events: 'finished' },
			query: signedQuery(),
			path: TRIGGER_PATH,
			credentials: { apiKey: secret, baseUrl: UNIT_BASE_URL },
		});
		hook.ctx.getRequestObject = () => {
			throw new Error(`socket gone (${secret})`);
		};
		expect(await trigger.webhook.call(hook.ctx)).toEqual({ noWebhookResponse: true });
		expect(hook.answered.status).toBe(503);
		expect(hook.logs).toEqual([
			{ level: 'warn', message: 'Kling (CometAPI) Trigger: callback not handled: socket gone (***)' },
		]);
	});

	it('a bad signature is refused even with Accept Unsigned Callbacks on, and the 403 says why', async () => {
		const started = triggerNode()(finished, [ok(task('succeed'))], {
			query: { kling_kind: 'text2video', kling_sig: 'x'.repeat(32) },
			parameters: { 'options.acceptUnsigned': true },
		});
		expect(await bodyOf(started)).toEqual({
			status: 403,
			received: true,
			started: false,
			reason:
				'bad signature callback: only tasks created by Kling (CometAPI) → Create Video with this URL start this workflow',
		});
		expect(started.hook.requests).toHaveLength(0);
	});

	it('reads the task with GET under the signed kind, and logs an unknown one (without the key)', async () => {
		const started = triggerNode()({ task_id: 'gone', task_status: 'succeed' }, [
			klingError(404, 1203, 'task not found'),
		]);
		await started.answer;
		expect(started.hook.apiRequests().map((r) => r.method)).toEqual(['GET']);
		expect(started.hook.logs).toContainEqual({
			level: 'info',
			message: 'Kling (CometAPI) Trigger: ignored a callback for unknown task gone',
		});
	});

	it('the 503 answers say which: "could not read the task", "not confirmed yet"', async () => {
		const call = triggerNode();
		expect(await bodyOf(call(finished, [klingError(503, 5001, 'maintenance')]))).toEqual({
			status: 503,
			received: true,
			started: false,
			reason: 'could not read the task',
		});
		await call(finished, [ok(task('processing'))]).answer;
		expect(await bodyOf(call(finished, [ok(task('processing'))]))).toEqual({
			status: 503,
			received: true,
			started: false,
			reason: 'not confirmed yet',
		});
	});

	it('an unknown task is read again once 10 minutes have passed', async () => {
		const call = triggerNode();
		const start = Date.now();
		const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
		try {
			await call({ task_id: 'late', task_status: 'succeed' }, [klingError(404, 1203, 'task not found')]).answer;
			clock.mockReturnValue(start + 10 * 60_000 - 1);
			const soon = call({ task_id: 'late', task_status: 'succeed' }, []);
			expect((await soon.answer).webhookResponse).toMatchObject({ reason: 'unknown task' });
			expect(soon.hook.requests).toHaveLength(0);
			clock.mockReturnValue(start + 10 * 60_000);
			const later = call({ task_id: 'late', task_status: 'succeed' }, [ok(task('succeed', { task_id: 'late' }))]);
			expect((await later.answer).workflowData).toHaveLength(1);
		} finally {
			clock.mockRestore();
		}
	});
});
