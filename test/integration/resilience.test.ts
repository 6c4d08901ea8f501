import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { IDataObject } from 'n8n-workflow';

import type { FaultSpec } from '../../tools/simulator/server';
import { createParams, getParams, run, until, useSimulator } from '../helpers/setup';

describe('temporary trouble does not cost a paid task', () => {
	const ctx = useSimulator();

	it.each<[string, FaultSpec]>([
		['429 with Retry-After', { on: 'read', type: 'rate429', retryAfter: 1 }],
		['Kling 1303 on a read', { on: 'read', type: 'concurrency1303' }],
		['500 (code 5000)', { on: 'read', type: 'status500' }],
		['503 (code 5001)', { on: 'read', type: 'status503' }],
		['504 HTML from the gateway', { on: 'read', type: 'status504' }],
		['an HTML page', { on: 'read', type: 'html' }],
		['truncated JSON', { on: 'read', type: 'truncated' }],
		['an empty body', { on: 'read', type: 'nobody' }],
		['a reset connection', { on: 'read', type: 'reset' }],
		['the gateway {error:{...}} shape with a 502', { on: 'read', type: 'gateway', status: 502 }],
		['a slow answer', { on: 'read', type: 'slow', delayMs: 1500 }],
	])('status reads survive %s', async (_name, fault) => {
		const { sim } = ctx;
		// Long enough that both faulty reads happen before the task is done.
		sim.config.taskMs = 2500;
		sim.fault({ ...fault, times: 2 });
		const result = await run(sim, createParams({ download: false }));
		expect(result.status).toBe('success');
		expect(result.items[0].json.task_status).toBe('succeed');
		expect(sim.tasks.size).toBe(1);
		expect(sim.requestsOf('read').filter((r) => r.fault).length).toBe(2);
	});

	it.each<[string, FaultSpec]>([
		['429 (1302) with Retry-After', { on: 'create', type: 'rate429', retryAfter: 1, times: 2 }],
		['429 (1303) too many tasks', { on: 'create', type: 'concurrency1303', retryAfter: 0, times: 1 }],
	])('a create refused with %s was not created: it is sent again and exactly one task exists', async (_name, fault) => {
		const { sim } = ctx;
		sim.fault(fault);
		const result = await run(sim, createParams({ waitMode: 'none' }));
		expect(result.status).toBe('success');
		expect(sim.requestsOf('create')).toHaveLength((fault.times ?? 1) + 1);
		expect(sim.tasks.size).toBe(1);
	});

	it('a video download that breaks off is tried again', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'download', type: 'status503' }).fault({ on: 'download', type: 'reset' });
		const result = await run(sim, createParams());
		expect(result.status).toBe('success');
		expect(result.items[0].binary!.data.bytes).toBeGreaterThan(1000);
		expect(sim.requestsOf('download')).toHaveLength(3);
	});

	it('an expired link is fixed by running Get Task again, which brings a fresh link', async () => {
		const { sim } = ctx;
		const created = await run(sim, createParams({ download: false }));
		const taskId = created.items[0].json.task_id as string;
		sim.expireLinks(taskId);
		const expired = await run(sim, getParams(taskId), { continueOnFail: true });
		expect(expired.items[0].json.error).toMatch(/expired.*run Get Task again/);
		sim.tasks.get(taskId)!.expiresAt = Date.now() + 60_000;
		const fresh = await run(sim, getParams(taskId));
		expect(fresh.items[0].binary!.data.fileName).toBe(`${taskId}.mp4`);
	});
});

describe('cancelling the workflow', () => {
	const ctx = useSimulator();

	it('stops polling at once and ends the run as canceled', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: 'long [sim:ms=30000]', pollInterval: 1 }), {
			cancelAfterMs: 1500,
		});
		expect(result.status).toBe('canceled');
		expect(result.durationMs).toBeLessThan(5000);
		const readsAtCancel = sim.requestsOf('read').length;
		expect(readsAtCancel).toBeGreaterThanOrEqual(1);
		const later = Date.now() + 1500;
		await until(() => Date.now() > later);
		expect(sim.requestsOf('read').length).toBe(readsAtCancel);
	});

	it("cancels every item of a batch: every task's reads stop at once", async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: '={{ $json.p }}', pollInterval: 0.5 }), {
			items: [{ p: 'a [sim:ms=30000]' }, { p: 'b [sim:ms=30000]' }, { p: 'c [sim:ms=30000]' }],
			cancelAfterMs: 1300,
		});
		expect(result.status).toBe('canceled');
		expect(result.durationMs).toBeLessThan(3000);
		const readsOf = (taskId: string) => sim.requestsOf('read').filter((r) => r.taskId === taskId).length;
		const ids = [...sim.tasks.keys()];
		expect(ids).toHaveLength(3);
		const atCancel = ids.map(readsOf);
		// Each item was being followed (read at least once) before the Stop ...
		expect(atCancel.every((n) => n >= 1)).toBe(true);
		// ... and none of them is read again afterwards (three poll intervals later).
		const deadline = Date.now() + 1500;
		await until(() => Date.now() > deadline);
		expect(ids.map(readsOf)).toEqual(atCancel);
	});
});

describe('invalid input is refused before anything is billed', () => {
	const ctx = useSimulator();

	it.each<[string, IDataObject, RegExp]>([
		// A literally empty required field is refused by n8n itself; an expression can still yield one.
		['a prompt that is only spaces', { prompt: '={{ "   " }}' }, /Prompt is empty/],
		[
			'a prompt over the limit',
			{ prompt: 'x'.repeat(600), options: { maxPromptLength: 500 } },
			/longer than 500 characters/,
		],
		['an aspect ratio', { additionalFields: { aspectRatio: '5:4' } }, /Aspect Ratio must be one of/],
		['a duration', { additionalFields: { duration: 7 } }, /5 or 10 seconds/],
		['a cfg scale', { additionalFields: { cfgScale: 2 } }, /CFG Scale must be between 0 and 1/],
		[
			'camera axes',
			{ additionalFields: { cameraControl: { camera: { type: 'simple', pan: 3, zoom: 2 } } } },
			/exactly one non-zero axis/,
		],
		['a callback URL', { additionalFields: { callbackUrl: 'example.com/hook' } }, /Callback URL must be a full URL/],
		['a poll interval', { pollInterval: 0 }, /Poll Interval must be at least/],
	])('%s', async (_name, extra, message) => {
		const { sim } = ctx;
		const result = await run(sim, createParams(extra));
		expect(result.status).toBe('error');
		expect(result.error).toMatchObject({ message: expect.stringMatching(message), name: 'NodeOperationError' });
		expect(String(result.error!.description)).toMatch(/Nothing was sent to CometAPI/);
		expect(sim.requestsOf('create')).toHaveLength(0);
	});

	it('one bad item among good ones: no task is created for any of them', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: '={{ $json.p }}' }), {
			items: [{ p: 'good' }, { p: '' }, { p: 'good too' }],
		});
		expect(result.status).toBe('error');
		expect((result.error!.context as IDataObject).itemIndex).toBe(1);
		expect(sim.requestsOf('create')).toHaveLength(0);
	});

	it('with Continue On Fail the bad item becomes an error item and the good ones run', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: '={{ $json.p }}', waitMode: 'none' }), {
			items: [{ p: 'good' }, { p: '' }],
			continueOnFail: true,
		});
		expect(result.items[0].json.task_status).toBe('submitted');
		expect(result.items[1]).toEqual({
			json: {
				error: expect.stringMatching(/Prompt is empty/),
				description: expect.any(String),
				task_id: null,
				task_status: null,
			},
			pairedItem: { item: 1 },
		});
		expect(sim.requestsOf('create')).toHaveLength(1);
	});

	it('Get Task refuses an empty task id without a request', async () => {
		const { sim } = ctx;
		const result = await run(sim, getParams('={{ $json.missing ?? "" }}'));
		expect(result.error!.message).toMatch(/Task ID is empty/);
		expect(sim.requests).toHaveLength(0);
	});
});

describe('push delivery through callback_url', () => {
	const ctx = useSimulator();

	it('CometAPI posts every status change to the callback URL; the node returns at once', async () => {
		const { sim } = ctx;
		const received: IDataObject[] = [];
		const receiver = http.createServer((req, res) => {
			let body = '';
			req.on('data', (c) => (body += c));
			req.on('end', () => {
				received.push(JSON.parse(body));
				res.end('ok');
			});
		});
		await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
		try {
			const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhook/kling`;
			const result = await run(sim, createParams({ waitMode: 'none', additionalFields: { callbackUrl: url } }));
			const taskId = result.items[0].json.task_id;
			// The user's URL, signed with the credential's key (the Trigger checks it; other receivers may ignore it).
			expect(String(sim.requestsOf('create')[0].body!.callback_url)).toMatch(
				new RegExp(`^${url.replace(/[.?]/g, '\\$&')}\\?kling_kind=text2video&kling_sig=[\\w-]{32}$`),
			);
			await until(() => received.length >= 3);
			expect(received.map((b) => b.task_status)).toEqual(['submitted', 'processing', 'succeed']);
			expect(received.every((b) => b.task_id === taskId)).toBe(true);
			expect((received[2].task_result as IDataObject).videos).toHaveLength(1);
		} finally {
			await new Promise((r) => receiver.close(r));
		}
	});
});
