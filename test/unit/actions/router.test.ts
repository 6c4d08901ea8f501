import { router } from '../../../nodes/KlingCometApi/actions/router';
import type { Scripted } from '../../helpers/fake-context';
import { createParameters, fakeContext, klingError, ok, task, UNIT_KEY, video } from '../../helpers/fake-context';

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
		expect(error.description).toMatch(/Nothing was sent/);
		expect(JSON.stringify(error) + error.stack).not.toContain(UNIT_KEY);
		expect(fake.requests).toHaveLength(0);
	});

	it('an unknown operation is refused', async () => {
		const fake = fakeContext({ parameters: createParameters({ operation: 'delete' }) });
		await expect(runRouter(fake)).rejects.toThrow('The operation "delete" is not supported');
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
		expect(video).toBeDefined();
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

	it('an error message that lacks its task id gets a "Task ID" note; one that has it does not', async () => {
		const withoutId = fakeContext({
			parameters: createParameters({ waitMode: 'poll', pollInterval: 0.5, download: true }),
			api: [ok(task('submitted', { task_id: 'tx' })), ok(task('succeed', { task_id: 'tx' }))],
			cdn: [{ statusCode: 200, body: '<html>', headers: { 'content-type': 'text/html' } }],
		});
		const first = await runRouter(withoutId).catch((e) => e);
		expect(first.message).toContain('tx');
		expect(first.description).not.toContain('Task ID: tx.');
		const timeout = fakeContext({
			parameters: createParameters({ waitMode: 'poll', pollInterval: 0.5, timeout: 0.01 }),
			api: [ok(task('submitted', { task_id: 'ty' })), { statusCode: 400, body: { code: 1201, message: 'bad' } }],
		});
		const second = await runRouter(timeout).catch((e) => e);
		expect(second.message).toContain('ty');
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
