import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { router } from '../../../nodes/KlingCometApi/actions/router';
import type { Operation } from '../../../nodes/KlingCometApi/actions/types';
import { operations as videoOperations } from '../../../nodes/KlingCometApi/actions/video';
import { PENDING_TASK_FIELD } from '../../../nodes/KlingCometApi/actions/video/callback';
import type { KlingTask } from '../../../nodes/KlingCometApi/transport';
import type { Scripted } from '../../helpers/fake-context';
import {
	createParameters,
	fakeContext,
	klingError,
	ok,
	task,
	UNIT_KEY,
	video,
	withQuota,
} from '../../helpers/fake-context';

beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

/** Runs the router on fake time (polls and backoffs pass at once); resolves with its output or rejects. */
async function runRouter(fake: ReturnType<typeof fakeContext>, advanceMs = 10 * 60_000) {
	const pending = router.call(fake.ctx).then(
		(output) => ({ ok: true as const, output }),
		(error) => ({ ok: false as const, error }),
	);
	await jest.advanceTimersByTimeAsync(advanceMs);
	const outcome = await pending;
	if (!outcome.ok) throw outcome.error;
	return outcome.output;
}

/** One item per prompt. */
const perItem = (prompts: string[], extra: Record<string, unknown> = {}) => ({
	parameters: createParameters(extra),
	itemParameters: { prompt: prompts },
});

describe('router: validation before any request', () => {
	it('one invalid item stops the run before any task is created, naming the item', async () => {
		const fake = fakeContext({ ...perItem(['good', '   ', 'good too']), api: [] });
		await expect(runRouter(fake)).rejects.toMatchObject({
			name: 'NodeOperationError',
			message: expect.stringMatching(/^Prompt is empty/),
			context: expect.objectContaining({ itemIndex: 1 }),
		});
		expect(fake.requests).toHaveLength(0);
	});

	it('with Continue On Fail the invalid item becomes an error item and the others run', async () => {
		const fake = fakeContext({
			...perItem(['good', '   ']),
			continueOnFail: true,
			api: [ok(task('submitted'))],
		});
		const [out] = await runRouter(fake);
		expect(out[0]).toMatchObject({ json: { task_id: 't1' }, pairedItem: { item: 0 } });
		expect(out[1]).toEqual({
			json: {
				error: expect.stringMatching(/^Prompt is empty/),
				description: expect.stringMatching(/Nothing was sent/),
				task_id: null,
				task_status: null,
			},
			pairedItem: { item: 1 },
		});
		expect(fake.apiRequests()).toHaveLength(1);
	});

	it('a bad credential is refused before any request, without the key', async () => {
		const fake = fakeContext({
			parameters: createParameters(),
			credentials: { apiKey: `${UNIT_KEY}\n`, baseUrl: '' },
			api: [],
		});
		const error = await runRouter(fake).catch((e) => e);
		expect(error.message).toMatch(/API key in the credential contains/);
		expect(error.description).toBe(
			'Open the CometAPI (Kling) credential and correct it. Nothing was sent to CometAPI, so nothing was billed.',
		);
		expect(error.context.itemIndex).toBe(0);
		expect(JSON.stringify(error) + error.stack).not.toContain(UNIT_KEY);
		expect(fake.requests).toHaveLength(0);
	});

	it('an unknown operation is refused before any request, naming the operation and the resource', async () => {
		const fake = fakeContext({ parameters: createParameters({ operation: 'delete' }), api: [] });
		await expect(runRouter(fake)).rejects.toMatchObject({
			name: 'NodeOperationError',
			message: 'The operation "delete" is not supported on resource "video"',
			context: expect.objectContaining({ itemIndex: 0 }),
		});
		expect(fake.requests).toHaveLength(0);
	});

	it('an unknown resource is refused the same way', async () => {
		const fake = fakeContext({ parameters: createParameters({ resource: 'image' }), api: [] });
		await expect(runRouter(fake)).rejects.toMatchObject({
			name: 'NodeOperationError',
			message: 'The operation "create" is not supported on resource "image"',
			context: expect.objectContaining({ itemIndex: 0 }),
		});
		expect(fake.requests).toHaveLength(0);
	});

	it('a workflow saved without a resource runs on Video', async () => {
		const withoutResource = createParameters();
		delete withoutResource.resource;
		const fake = fakeContext({ parameters: withoutResource, api: [ok(task('submitted', { task_id: 'v1' }))] });
		const [out] = await runRouter(fake);
		expect(out).toEqual([{ json: expect.objectContaining({ task_id: 'v1' }), pairedItem: { item: 0 } }]);
		expect(fake.apiRequests().map((r) => `${r.method} ${r.url}`)).toEqual([
			'POST https://api.example.test/kling/v1/videos/text2video',
		]);
	});
});

describe('router: output and redaction', () => {
	it('pairs every output item with its input and masks the key anywhere in the output', async () => {
		const fake = fakeContext({
			...perItem(['a', 'b']),
			api: [
				ok(task('submitted', { task_id: 'ta', task_info: { note: `Bearer ${UNIT_KEY}` } })),
				ok(task('submitted', { task_id: 'tb' })),
			],
		});
		const [out] = await runRouter(fake);
		expect(out.map((item) => [item.json.task_id, item.pairedItem])).toEqual([
			['ta', { item: 0 }],
			['tb', { item: 1 }],
		]);
		expect(JSON.stringify(out)).not.toContain(UNIT_KEY);
		expect(out[0].json.task_info).toEqual({ note: 'Bearer ***' });
	});

	it('masks the key in the thrown error: message, description and stack', async () => {
		const fake = fakeContext({
			parameters: createParameters(),
			api: [klingError(400, 1201, `bad field; token ${UNIT_KEY}`)],
		});
		const error = await runRouter(fake).catch((e) => e);
		expect(error.description).toContain('API message: bad field; token ***');
		expect(`${error.message} ${error.description} ${error.stack} ${JSON.stringify(error)}`).not.toContain(UNIT_KEY);
	});

	it("limits create requests in flight to the operation's own setting", async () => {
		let active = 0;
		let peak = 0;
		const fake = fakeContext({
			...perItem(['a', 'b', 'c', 'd'], { options: { createConcurrency: 2 } }),
			api: async () => {
				peak = Math.max(peak, ++active);
				await new Promise((r) => setTimeout(r, 20));
				active--;
				return ok(task('submitted'));
			},
		});
		await runRouter(fake);
		expect(peak).toBe(2);
	});
});

describe('router: the ledger names every task of the run', () => {
	it('a failing item names its siblings: finished ones with their video, running ones to collect', async () => {
		// Item 0 succeeds at once, item 1's task fails, item 2 is still processing.
		const fake = fakeContext({
			...perItem(['a', 'b', 'c'], { waitMode: 'poll', pollInterval: 0.5, download: false }),
			api: (request) => {
				const body = request.body as { prompt?: string } | undefined;
				if (request.method === 'POST') return ok(task('submitted', { task_id: `t-${body!.prompt}` }));
				const id = request.url.split('/').pop()!;
				if (id === 't-a') return ok(task('succeed', { task_id: id }));
				if (id === 't-b') return ok(task('failed', { task_id: id, task_status_msg: 'risk' }));
				return ok(task('processing', { task_id: id }));
			},
		});
		const error = await runRouter(fake).catch((e) => e);
		expect(error.message).toBe('Kling task t-b failed: risk');
		expect(error.description).toContain('item 0: task t-a succeed, video https://cdn.example.test/t1.mp4');
		expect(error.description).toMatch(
			/item 2: task t-c (submitted|processing), still running on CometAPI: collect it with Get Task/,
		);
		expect(error.description).not.toContain('item 1:');
	});

	it('two items failing in the same moment: the second is listed as failed, not as running', async () => {
		// Both status reads are answered together, as when two tasks fail in the same poll.
		let release: () => void = () => {};
		const barrier = new Promise<void>((resolve) => (release = resolve));
		let reads = 0;
		const fake = fakeContext({
			...perItem(['a', 'b'], { waitMode: 'poll', pollInterval: 0.5, download: false }),
			api: (request) => {
				const body = request.body as { prompt?: string } | undefined;
				if (request.method === 'POST') return ok(task('submitted', { task_id: `t-${body!.prompt}` }));
				if (++reads === 2) release();
				return barrier.then(() => ok(task('failed', { task_id: 'x', task_status_msg: 'risk' })));
			},
		});
		const error = await runRouter(fake).catch((e) => e);
		expect(error.message).toBe('Kling task t-a failed: risk');
		expect(error.description).toContain('item 1: task t-b failed (Kling task t-b failed: risk)');
		expect(error.description).not.toMatch(/still running/);
	});

	it('Stop: the run ends as cancelled and every task id is kept in custom data and an info line', async () => {
		const controller = new AbortController();
		const prompts = Array.from({ length: 30 }, (_, i) => `clip ${i}`);
		const fake = fakeContext({
			...perItem(prompts, { waitMode: 'poll', pollInterval: 60 }),
			cancelSignal: controller.signal,
			api: (request) =>
				ok(
					task('submitted', {
						task_id: `task-${(request.body as { prompt: string }).prompt.replace(' ', '-')}-0123456789abcdef`,
					}),
				),
		});
		const running = runRouter(fake, 50);
		const stopped = expect(running).rejects.toMatchObject({ name: 'ManualExecutionCancelledError' });
		await jest.advanceTimersByTimeAsync(0);
		controller.abort();
		await stopped;
		const kept = Object.entries(fake.customData);
		expect(kept.map(([key]) => key)).toEqual(['kling_Kling', 'kling_Kling_2', 'kling_Kling_3']);
		expect(kept.every(([, value]) => value.length <= 255)).toBe(true);
		const all = kept.map(([, value]) => value).join(' ');
		expect(all).toContain('0:task-clip-0-0123456789abcdef');
		expect(all).toMatch(/more groups: see the n8n log/);
		const stop = fake.logs.find((l) => l.level === 'info' && /was stopped/.test(l.message))!;
		for (let i = 0; i < 30; i++) expect(stop.message).toContain(`item ${i}: task task-clip-${i}-0123456789abcdef`);
		const recorded = fake.logs.filter((l) => l.level === 'info' && /has task/.test(l.message));
		expect(recorded).toHaveLength(30);
		expect(recorded[0].message).toBe(
			'Kling (CometAPI) node "Kling": item 0 has task task-clip-0-0123456789abcdef (submitted)',
		);
		expect(stop.message).toMatch(
			/^Kling \(CometAPI\) node "Kling" was stopped\. Tasks keep running on CometAPI: item 0: task task-clip-0-0123456789abcdef submitted, still running on CometAPI: collect it with Get Task; item 1:/,
		);
		expect(all).toContain('…and 3 more groups: see the n8n log (info level) for every task id');
	});
});

describe('router: Continue On Fail items', () => {
	it('a failed item keeps its task id and status; the others keep their videos', async () => {
		const answers: Scripted[] = [ok(task('submitted', { task_id: 'ta' })), ok(task('succeed', { task_id: 'ta' }))];
		const fake = fakeContext({
			parameters: createParameters({ waitMode: 'poll', pollInterval: 0.5 }),
			continueOnFail: true,
			api: answers,
			cdn: [{ statusCode: 410, body: 'gone' }],
		});
		const [out] = await runRouter(fake);
		expect(out[0]).toEqual({
			json: {
				error: expect.stringMatching(/video link of Kling task ta has expired \(HTTP 410\)/),
				description: expect.any(String),
				task_id: 'ta',
				task_status: 'succeed',
			},
			pairedItem: { item: 0 },
		});
	});
});

describe('router: tasks created while the run is being stopped', () => {
	it('a create answered after a sibling failed is kept as running (not handed on), and its id is named', async () => {
		const fake = fakeContext({
			...perItem(['bad', 'slow']),
			api: async (request) => {
				const prompt = (request.body as { prompt: string }).prompt;
				if (prompt === 'bad') return klingError(400, 1301, 'unsafe');
				await new Promise((r) => setTimeout(r, 1000));
				return ok(task('submitted', { task_id: 't-slow' }));
			},
		});
		const error = await runRouter(fake).catch((e) => e);
		expect(error.message).toMatch(/content safety/);
		expect(error.description).toContain(
			'item 1: task t-slow submitted, still running on CometAPI: collect it with Get Task',
		);
		expect(fake.customData.kling_Kling).toBe('1:t-slow');
	});

	it('Get Task records the task it follows, so Stop keeps its id too', async () => {
		const controller = new AbortController();
		const fake = fakeContext({
			parameters: { resource: 'video', operation: 'get', taskId: 'followed-1', waitMode: 'poll', pollInterval: 60 },
			cancelSignal: controller.signal,
			api: () => ok(task('processing', { task_id: 'followed-1' })),
		});
		const running = runRouter(fake, 10);
		const stopped = expect(running).rejects.toMatchObject({ name: 'ManualExecutionCancelledError' });
		await jest.advanceTimersByTimeAsync(0);
		controller.abort();
		await stopped;
		expect(fake.customData.kling_Kling).toBe('0:followed-1');
	});
});

describe('router: details', () => {
	it('custom data keys come from the node name, made safe and short', async () => {
		const fake = fakeContext({
			parameters: createParameters(),
			nodeName: 'Make the video: step #1 (really long name here)',
			api: [ok(task('submitted', { task_id: 'k1' }))],
		});
		await runRouter(fake);
		expect(fake.customData).toEqual({ kling_Make_the_video__step__1__really_long_n: '0:k1' });
	});

	it('an error whose message names its task gets no "Task ID" note', async () => {
		const fake = fakeContext({
			parameters: createParameters({ waitMode: 'poll', pollInterval: 0.5, download: true }),
			api: [ok(task('submitted', { task_id: 'tx' })), ok(task('succeed', { task_id: 'tx' }))],
			cdn: [{ statusCode: 200, body: '<html>', headers: { 'content-type': 'text/html' } }],
		});
		const error = await runRouter(fake).catch((e) => e);
		expect(error.message).toContain('Kling task tx');
		expect(error.context).toMatchObject({ itemIndex: 0, taskId: 'tx' });
		expect(error.description).not.toMatch(/Task ID/);
	});

	it('a run stopped before it started sends nothing and ends as cancelled', async () => {
		const controller = new AbortController();
		controller.abort();
		const fake = fakeContext({
			parameters: createParameters(),
			cancelSignal: controller.signal,
			api: [ok(task('submitted'))],
		});
		await expect(runRouter(fake)).rejects.toMatchObject({ name: 'ManualExecutionCancelledError' });
		expect(fake.requests).toHaveLength(0);
		expect(fake.logs.filter((l) => /was stopped/.test(l.message))).toHaveLength(0);
	});

	it('Get Task makes one request at a time when it needs none: no create limit applies', async () => {
		const fake = fakeContext({
			parameters: { resource: 'video', operation: 'get', waitMode: 'none' },
			itemParameters: { taskId: ['a1', 'b2'] },
			api: (r) => ok(task('processing', { task_id: String(r.url.split('/').pop()) })),
		});
		const [out] = await runRouter(fake);
		expect(out.map((i) => i.json.task_id)).toEqual(['a1', 'b2']);
	});

	it("Continue On Fail: a failed task keeps the ledger's status; a refused create has no task", async () => {
		const fake = fakeContext({
			...perItem(['ok', 'refused', 'failing'], { waitMode: 'poll', pollInterval: 0.5, download: false }),
			continueOnFail: true,
			api: (request) => {
				const body = request.body as { prompt?: string } | undefined;
				if (request.method === 'POST') {
					if (body!.prompt === 'refused') return klingError(400, 1301, 'unsafe');
					return ok(task('submitted', { task_id: `t-${body!.prompt}` }));
				}
				const id = request.url.split('/').pop()!;
				return ok(task(id === 't-ok' ? 'succeed' : 'failed', { task_id: id, task_status_msg: 'risk' }));
			},
		});
		const [out] = await runRouter(fake);
		expect(out[0].json).toMatchObject({ task_id: 't-ok', task_status: 'succeed' });
		expect(out[1].json).toEqual({
			error: expect.stringMatching(/content safety/),
			description: expect.stringMatching(/^No task was created/),
			task_id: null,
			task_status: null,
		});
		expect(out[2].json).toEqual({
			error: 'Kling task t-failing failed: risk',
			description: expect.any(String),
			task_id: 't-failing',
			task_status: 'failed',
		});
		expect(out.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});
});

/** Pause Until Callback parameters (no download unless told). */
const pauseParameters = (extra: Record<string, unknown> = {}) =>
	createParameters({ waitMode: 'callback', timeout: 30, download: false, ...extra });

const pendingOf = (item: { json: IDataObject }) => item.json[PENDING_TASK_FIELD] as IDataObject;

/** Input items of a run resumed by CometAPI's callbacks: each carries its finished pending task. */
const resumedItems = (entries: IDataObject[]): IDataObject[] =>
	entries.map((entry, item) => ({
		[PENDING_TASK_FIELD]: {
			state: 'finished',
			node: 'Kling',
			node_id: 'node-1',
			execution_id: 'exec-1',
			item,
			task_id: null,
			timeout_at: '',
			note: '',
			...entry,
		},
	}));
const finishedTask = (id: string, status = 'succeed') => ({ task_id: id, task: task(status, { task_id: id }) });

describe('router: Minimum Balance', () => {
	const BELOW = {
		error: 'The CometAPI balance is 3.5 USD, below the Minimum Balance of 5 USD: nothing was sent, no task was created',
		description:
			"The balance is the account's total_quota from CometAPI's balance query, read once before this run's first create. Top up your CometAPI account, or lower Options → Minimum Balance.",
		task_id: null,
		task_status: null,
	};

	it('with Continue On Fail, refused items become error items, an invalid item keeps its own error, nothing is created', async () => {
		const fake = withQuota([{ statusCode: 200, body: { total_quota: 3.5 } }], {
			...perItem(['one', '   ', 'three'], { options: { minimumBalance: 5 } }),
			continueOnFail: true,
			api: [ok(task('submitted'))],
		});
		const [out] = await runRouter(fake);
		expect(out[0]).toStrictEqual({ json: BELOW, pairedItem: { item: 0 } });
		expect(out[1].json.error).toMatch(/^Prompt is empty/);
		expect(out[2]).toStrictEqual({ json: BELOW, pairedItem: { item: 2 } });
		expect(fake.quotaRequests).toHaveLength(1);
		expect(fake.apiRequests()).toHaveLength(0);
		expect(fake.logs).toContainEqual({ level: 'debug', message: 'CometAPI balance 3.5 USD read for Minimum Balance' });
	});

	it('one item below its minimum stops the run before any create, naming that item', async () => {
		const fake = withQuota([{ statusCode: 200, body: { total_quota: 3.5 } }], {
			parameters: createParameters(),
			itemParameters: { prompt: ['one', 'two'], 'options.minimumBalance': [0, 5] },
			api: [ok(task('submitted'))],
		});
		await expect(runRouter(fake)).rejects.toMatchObject({
			message: BELOW.error,
			description: BELOW.description,
			context: expect.objectContaining({ itemIndex: 1 }),
		});
		expect(fake.apiRequests()).toHaveLength(0);
	});

	it('Stop while the balance is read ends the run as cancelled at once, creating nothing', async () => {
		const controller = new AbortController();
		const fake = withQuota([], {
			parameters: createParameters({ options: { minimumBalance: 5 } }),
			cancelSignal: controller.signal,
			api: [ok(task('submitted'))],
		});
		let asked = 0;
		(fake.ctx.helpers as unknown as IDataObject).httpRequest = () => {
			asked++;
			return new Promise(() => {});
		};
		const running = runRouter(fake, 10);
		const stopped = expect(running).rejects.toMatchObject({ name: 'ManualExecutionCancelledError' });
		await jest.advanceTimersByTimeAsync(0);
		controller.abort();
		await stopped;
		expect(asked).toBe(1);
		expect(fake.apiRequests()).toHaveLength(0);
	});

	it('a run resumed from a pause does not read the balance again', async () => {
		const fake = withQuota([], {
			parameters: pauseParameters({ options: { minimumBalance: 5 } }),
			items: resumedItems([finishedTask('t0')]),
			api: [],
		});
		const [out] = await runRouter(fake);
		expect(out[0].json).toMatchObject({ task_id: 't0', task_status: 'succeed' });
		expect(fake.quotaRequests).toHaveLength(0);
		expect(fake.requests).toHaveLength(0);
	});
});

describe('router: Pause Until Callback', () => {
	/** Creates answer t-<prompt> (or the error given for that prompt); reads answer "processing" unless told. */
	const pausingApi =
		(refused: Record<string, Scripted> = {}, delays: Record<string, number> = {}, read: Record<string, string> = {}) =>
		async (request: { method: string; url: string; body?: unknown }): Promise<Scripted> => {
			const id = request.url.split('/').pop()!;
			if (request.method !== 'POST') return ok(task(read[id] ?? 'processing', { task_id: id }));
			const prompt = (request.body as { prompt?: string }).prompt ?? '';
			if (delays[prompt]) await new Promise((r) => setTimeout(r, delays[prompt]));
			return refused[prompt] ?? ok(task('submitted', { task_id: `t-${prompt}` }));
		};

	it("validation knows the credential's Base URL: a private resume URL is refused naming it", async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			resumeUrl: 'http://localhost:5678/webhook-waiting/exec-1',
			api: [],
		});
		await expect(runRouter(fake)).rejects.toMatchObject({
			message: expect.stringMatching(
				/^CometAPI \(https:\/\/api\.example\.test\) could never reach n8n's webhook address http:\/\/localhost:5678, a local or private address/,
			),
			context: expect.objectContaining({ itemIndex: 0 }),
		});
		expect(fake.requests).toHaveLength(0);
	});

	it('pauses until the start plus the longest Timeout of the items that wait', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			itemParameters: { prompt: ['a', 'b', 'c'], timeout: [10, 30, 60] },
			continueOnFail: true,
			api: pausingApi({ c: klingError(400, 1301, 'unsafe') }, {}, { 't-a': 'succeed' }),
		});
		await runRouter(fake);
		expect(fake.paused).toEqual([new Date(30 * 60_000)]);
		expect(fake.downloads()).toHaveLength(0);
		expect(fake.items.map((item) => pendingOf(item).timeout_at)).toEqual(Array(3).fill('1970-01-01T00:30:00.000Z'));
	});

	it("a paused item that failed keeps its operation's task kind; one that failed validation is text-to-video", async () => {
		const fake = fakeContext({
			parameters: {
				resource: 'video',
				operation: 'imageToVideo',
				imageSource: 'url',
				endFrameSource: 'none',
				model: 'kling-v2-6',
				waitMode: 'callback',
				timeout: 30,
				download: false,
			},
			itemParameters: {
				prompt: ['ok', 'invalid', 'refused'],
				imageUrl: ['https://img.example.test/a.png', '', 'https://img.example.test/c.png'],
			},
			continueOnFail: true,
			api: pausingApi({ refused: klingError(400, 1301, 'unsafe') }),
		});
		await runRouter(fake);
		expect(fake.paused).toHaveLength(1);
		expect(fake.items.map(pendingOf)).toEqual([
			expect.objectContaining({ task_id: 't-ok', task_kind: 'image2video', status_before_pause: 'processing' }),
			expect.objectContaining({
				task_id: null,
				task_kind: 'text2video',
				error: expect.objectContaining({ message: expect.stringMatching(/^Image URL is empty/) }),
			}),
			expect.objectContaining({
				task_id: null,
				task_kind: 'image2video',
				error: expect.objectContaining({ message: expect.stringMatching(/content safety/) }),
			}),
		]);
	});

	it('a failure without Continue On Fail does not pause: the run fails, naming the task that was waiting', async () => {
		const fake = fakeContext({
			...perItem(['fast', 'bad'], { waitMode: 'callback', timeout: 30, download: false }),
			api: pausingApi({ bad: klingError(400, 1301, 'unsafe') }, { bad: 1000 }),
		});
		const error = await runRouter(fake).catch((e) => e);
		expect(error.message).toMatch(/content safety/);
		expect(error.description).toContain(
			'Other tasks of this run (none is lost; collect unfinished ones with Get Task): item 0: task t-fast processing, still running on CometAPI: collect it with Get Task.',
		);
		expect(fake.paused).toHaveLength(0);
		expect(fake.items.map((item) => item.json[PENDING_TASK_FIELD])).toEqual([undefined, undefined]);
	});

	it('Stop while a sibling is still creating: the run ends as cancelled instead of pausing', async () => {
		const controller = new AbortController();
		const fake = fakeContext({
			...perItem(['fast', 'slow'], { waitMode: 'callback', timeout: 30, download: false }),
			cancelSignal: controller.signal,
			api: pausingApi({}, { slow: 1000 }),
		});
		setTimeout(() => controller.abort(), 500);
		await expect(runRouter(fake)).rejects.toMatchObject({ name: 'ManualExecutionCancelledError' });
		expect(fake.paused).toHaveLength(0);
		expect(fake.items.map((item) => item.json[PENDING_TASK_FIELD])).toEqual([undefined, undefined]);
		expect(fake.customData.kling_Kling).toBe('0:t-fast 1:t-slow');
	});
});

describe('router: a run resumed by the callbacks', () => {
	it('an item that failed before the pause fails the run with its message and description, naming the others', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: resumedItems([
				finishedTask('t0'),
				{ error: { message: 'CometAPI refused the create', description: 'No task was created.' } },
			]),
			api: [],
		});
		await expect(runRouter(fake)).rejects.toMatchObject({
			message: 'CometAPI refused the create',
			description:
				'No task was created. Other tasks of this run (none is lost; collect unfinished ones with Get Task): item 0: task t0 succeed, video https://cdn.example.test/t1.mp4.',
			context: expect.objectContaining({ itemIndex: 1 }),
		});
		expect(fake.requests).toHaveLength(0);
	});

	it('with Continue On Fail, earlier errors become error items, with a description only when they had one', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: resumedItems([
				{ error: { message: 'CometAPI refused the create', description: 'No task was created.' } },
				{ error: { message: 'Prompt is empty' } },
				finishedTask('t2'),
			]),
			continueOnFail: true,
			api: [],
		});
		const [out] = await runRouter(fake);
		expect(out[0]).toStrictEqual({
			json: {
				error: 'CometAPI refused the create',
				description: 'No task was created.',
				task_id: null,
				task_status: null,
			},
			pairedItem: { item: 0 },
		});
		expect(out[1]).toStrictEqual({
			json: { error: 'Prompt is empty', task_id: null, task_status: null },
			pairedItem: { item: 1 },
		});
		expect(out[2]).toMatchObject({ json: { task_id: 't2', task_status: 'succeed' }, pairedItem: { item: 2 } });
	});

	it('a resumed task that is not final fails its item; Continue On Fail keeps its task id and status', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: resumedItems([finishedTask('t0', 'processing')]),
			continueOnFail: true,
			api: [],
		});
		const [out] = await runRouter(fake);
		expect(out).toStrictEqual([
			{
				json: { error: 'Kling task t0 has not finished', task_id: 't0', task_status: 'processing' },
				pairedItem: { item: 0 },
			},
		]);
	});

	it('an operation that cannot wait for callbacks refuses a resumed run, naming the item', async () => {
		const fake = fakeContext({
			parameters: { resource: 'video', operation: 'get', taskId: 't0', waitMode: 'none' },
			items: resumedItems([finishedTask('t0')]),
			api: [],
		});
		const error = await runRouter(fake).catch((e) => e);
		expect(error).toMatchObject({
			name: 'NodeOperationError',
			message: 'The operation "get" cannot wait for callbacks',
			context: expect.objectContaining({ itemIndex: 0 }),
		});
		expect(error.description).toBeUndefined();
		expect(fake.requests).toHaveLength(0);
	});
});

describe('router: images read from n8n binary storage', () => {
	const squarePng = readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'images', 'square.png'));
	const imageParameters: IDataObject = {
		resource: 'video',
		operation: 'imageToVideo',
		model: 'kling-v2-6',
		imageSource: 'binary',
		imageBinaryProperty: 'data',
		endFrameSource: 'none',
		waitMode: 'none',
	};

	/** Each item's image is stored on disk (filesystem binary mode); `helpers` replace n8n's readers. */
	function storedImages(fake: ReturnType<typeof fakeContext>, helpers: Record<string, unknown> = {}) {
		fake.items.forEach((item, i) => {
			item.binary = {
				data: { data: 'filesystem-v2', id: `img-${i}`, mimeType: 'image/png', fileName: `frame-${i}.png` },
			};
		});
		Object.assign(fake.ctx.helpers, {
			getBinaryMetadata: async () => ({ fileSize: squarePng.length }),
			getBinaryStream: async () => Readable.from([squarePng]),
			getBinaryDataBuffer: async () => squarePng,
			...helpers,
		});
		return fake;
	}
	const gone = () => Promise.reject(new Error('the stored image is gone'));

	it('an image that cannot be read during validation stops the run before any request, naming its item', async () => {
		const fake = storedImages(
			fakeContext({ parameters: imageParameters, itemParameters: { prompt: ['a', 'b'] }, api: [] }),
			{ getBinaryStream: async (id: string) => (id === 'img-1' ? gone() : Readable.from([squarePng])) },
		);
		await expect(runRouter(fake)).rejects.toMatchObject({
			name: 'NodeOperationError',
			message: 'the stored image is gone',
			context: expect.objectContaining({ itemIndex: 1 }),
		});
		expect(fake.requests).toHaveLength(0);
	});

	it('an image that cannot be read when the create is built: Continue On Fail gives its item no task', async () => {
		const fake = storedImages(
			fakeContext({
				parameters: imageParameters,
				itemParameters: { prompt: ['a', 'b'] },
				continueOnFail: true,
				api: [ok(task('submitted', { task_id: 'i0' }))],
			}),
			{ getBinaryDataBuffer: async (item: number) => (item === 1 ? gone() : squarePng) },
		);
		const [out] = await runRouter(fake);
		expect(out[0]).toMatchObject({ json: { task_id: 'i0', task_kind: 'image2video' }, pairedItem: { item: 0 } });
		expect(out[1]).toStrictEqual({
			json: { error: 'the stored image is gone', task_id: null, task_status: null },
			pairedItem: { item: 1 },
		});
		expect(fake.apiRequests()).toHaveLength(1);
	});

	it('without Continue On Fail that error ends the run as it is, naming every task of the run', async () => {
		const fake = storedImages(
			fakeContext({
				parameters: imageParameters,
				itemParameters: { prompt: ['a', 'b'] },
				api: async () => {
					await new Promise((r) => setTimeout(r, 100));
					return ok(task('submitted', { task_id: 'i0' }));
				},
			}),
			{ getBinaryDataBuffer: async (item: number) => (item === 1 ? gone() : squarePng) },
		);
		const error = await runRouter(fake).catch((e) => e);
		expect(error.message).toBe('the stored image is gone');
		expect(error.description).toBe(
			'Other tasks of this run (none is lost; collect unfinished ones with Get Task): item 0: task i0 submitted, still running on CometAPI: collect it with Get Task.',
		);
	});
});

describe("router: the contract with any operation's errors", () => {
	const STUB = 'routerStub';
	/** Registers an operation of this test's own under Video, so its errors can say anything. */
	function stubOperation(execute: Operation<unknown>['execute']) {
		(videoOperations as Record<string, Operation<unknown>>)[STUB] = { description: [], prepare: () => ({}), execute };
		return createParameters({ operation: STUB });
	}
	afterEach(() => delete (videoOperations as Record<string, unknown>)[STUB]);

	/** An error raised after task-42 exists that does not name it in its message. */
	function taskError(ctx: IExecuteFunctions, itemIndex: number, description: string, taskStatus = 'processing') {
		const error = new NodeOperationError(ctx.getNode(), 'The wait ended early', { itemIndex, description });
		Object.assign(error.context, { taskId: 'task-42', taskStatus });
		return error;
	}

	it('a waiting item keeps the task kind its operation reported, not a default', async () => {
		(videoOperations as Record<string, Operation<unknown>>)[STUB] = {
			description: [],
			prepare: () => ({ wait: { timeoutMs: 5 * 60_000 } }),
			execute: async () => ({
				awaitingCallback: task('processing', { task_id: 'task-42' }) as unknown as KlingTask,
				taskKind: 'multi-image2video',
			}),
		};
		const fake = fakeContext({ parameters: createParameters({ operation: STUB }) });
		await runRouter(fake);
		expect(fake.paused).toEqual([new Date(5 * 60_000)]);
		expect(pendingOf(fake.items[0])).toMatchObject({ task_id: 'task-42', task_kind: 'multi-image2video' });
	});

	it('an error that names its task only in its context gets a "Task ID" note after its description', async () => {
		const fake = fakeContext({
			parameters: stubOperation(async function (this: IExecuteFunctions, _prepared, item) {
				item.ledger.task(item.itemIndex, 'task-42', 'processing');
				throw taskError(this, item.itemIndex, 'Try again later.');
			}),
		});
		await expect(runRouter(fake)).rejects.toMatchObject({
			message: 'The wait ended early',
			description: 'Try again later. Task ID: task-42.',
		});
	});

	it('an error whose description names its task gets no "Task ID" note', async () => {
		const fake = fakeContext({
			parameters: stubOperation(async function (this: IExecuteFunctions, _prepared, item) {
				item.ledger.task(item.itemIndex, 'task-42', 'processing');
				throw taskError(this, item.itemIndex, 'Collect task-42 with Get Task.');
			}),
		});
		await expect(runRouter(fake)).rejects.toMatchObject({ description: 'Collect task-42 with Get Task.' });
	});

	it("a task known only from an item's error is kept in custom data and in its Continue On Fail item", async () => {
		const fake = fakeContext({
			parameters: stubOperation(async function (this: IExecuteFunctions, _prepared, item) {
				throw taskError(this, item.itemIndex, 'Try again later.', 'failed');
			}),
			continueOnFail: true,
		});
		const [out] = await runRouter(fake);
		expect(out).toStrictEqual([
			{
				json: {
					error: 'The wait ended early',
					description: 'Try again later.',
					task_id: 'task-42',
					task_status: 'failed',
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(fake.customData).toEqual({ kling_Kling: '0:task-42' });
	});
});

describe('router: what every item shares', () => {
	it('downloads at most 3 videos at once', async () => {
		let active = 0;
		let peak = 0;
		const fake = fakeContext({
			...perItem(['a', 'b', 'c', 'd', 'e'], { waitMode: 'poll', pollInterval: 0.5, download: true }),
			api: (request) => {
				if (request.method === 'POST')
					return ok(task('submitted', { task_id: `t-${(request.body as { prompt: string }).prompt}` }));
				return ok(task('succeed', { task_id: request.url.split('/').pop() }));
			},
			cdn: async () => {
				peak = Math.max(peak, ++active);
				await new Promise((r) => setTimeout(r, 100));
				active--;
				return video();
			},
		});
		const [out] = await runRouter(fake);
		expect(peak).toBe(3);
		expect(fake.downloads()).toHaveLength(5);
		expect(out.every((item) => item.binary?.data)).toBe(true);
	});

	it("an item's own notes go to the debug log", async () => {
		const fake = fakeContext({
			parameters: createParameters(),
			api: [klingError(429, 1302, 'busy'), ok(task('submitted'))],
		});
		await runRouter(fake);
		expect(fake.logs.filter((l) => l.level === 'debug').map((l) => l.message)).toContainEqual(
			expect.stringMatching(/^Kling create for item 0 was not accepted, sending it again in \d+ ms$/),
		);
	});
});
