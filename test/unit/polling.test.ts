import type { IExecuteFunctions, INode } from 'n8n-workflow';
import { ManualExecutionCancelledError } from 'n8n-workflow';

import { createLimiter } from '../../nodes/KlingCometApi/helpers/concurrency';
import { backoffDelay, readTask, waitForTask } from '../../nodes/KlingCometApi/helpers/polling';

const node: INode = { id: '1', name: 'Kling', type: 'klingCometApi', typeVersion: 1, position: [0, 0], parameters: {} };

type Answer = { statusCode: number; body: string; headers?: Record<string, string> } | Error;

/** A context whose only I/O is a scripted CometAPI: enough to unit-test the poll loop. */
function fakeContext(answer: (readNumber: number) => Answer) {
	const readTimes: number[] = [];
	const ctx = {
		getNode: () => node,
		getCredentials: async () => ({ baseUrl: 'https://api.example.test', apiKey: 'sk-unit' }),
		logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
		helpers: {
			httpRequestWithAuthentication: async () => {
				readTimes.push(Date.now());
				const a = answer(readTimes.length);
				if (a instanceof Error) throw a;
				return { headers: {}, ...a };
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, readTimes };
}

const envelope = (status: string, extra: object = {}) => ({
	statusCode: 200,
	body: JSON.stringify({ code: 0, message: 'SUCCEED', data: { task_id: 't1', task_status: status, task_result: null, ...extra } }),
});

describe('backoffDelay', () => {
	const backoff = { baseMs: 1000, maxMs: 8000 };
	it('doubles per attempt with jitter between 50 % and 100 %, up to the cap', () => {
		expect(backoffDelay(0, backoff, undefined, () => 0)).toBe(500);
		expect(backoffDelay(0, backoff, undefined, () => 1)).toBe(1000);
		expect(backoffDelay(2, backoff, undefined, () => 1)).toBe(4000);
		expect(backoffDelay(10, backoff, undefined, () => 1)).toBe(8000);
	});
	it("honours the server's Retry-After when it asks for longer, within two minutes", () => {
		expect(backoffDelay(0, backoff, 5000, () => 1)).toBe(5000);
		expect(backoffDelay(3, backoff, 100, () => 1)).toBe(8000);
		expect(backoffDelay(0, backoff, 3_600_000, () => 1)).toBe(120_000);
	});
});

describe('waitForTask: the poll schedule', () => {
	beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
	afterEach(() => jest.useRealTimers());

	it('after a create, reads every interval and stops at the first final status: ceil(T / interval) reads', async () => {
		const start = Date.now();
		const T = 95_000;
		const { ctx, readTimes } = fakeContext(() => envelope(Date.now() - start >= T ? 'succeed' : 'processing'));
		const promise = waitForTask(ctx, 't1', {
			itemIndex: 0,
			signal: new AbortController().signal,
			pollIntervalMs: 10_000,
			timeoutMs: 20 * 60_000,
			readFirst: false,
		});
		await jest.advanceTimersByTimeAsync(200_000);
		await expect(promise).resolves.toMatchObject({ task_status: 'succeed' });
		expect(readTimes.map((t) => t - start)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((s) => s * 1000));
		expect(readTimes.length).toBeLessThanOrEqual(Math.ceil(T / 10_000) + 1);
	});

	it('Get Task reads at once', async () => {
		const { ctx, readTimes } = fakeContext(() => envelope('failed', { task_status_msg: 'risk control' }));
		const start = Date.now();
		const promise = waitForTask(ctx, 't1', {
			itemIndex: 0,
			signal: new AbortController().signal,
			pollIntervalMs: 10_000,
			timeoutMs: 60_000,
			readFirst: true,
		});
		await jest.advanceTimersByTimeAsync(0);
		await expect(promise).resolves.toMatchObject({ task_status: 'failed' });
		expect(readTimes).toEqual([start]);
	});

	it('times out with a final read at the deadline, naming the task and how to collect it', async () => {
		const { ctx, readTimes } = fakeContext(() => envelope('processing'));
		const start = Date.now();
		const promise = waitForTask(ctx, 't1', {
			itemIndex: 3,
			signal: new AbortController().signal,
			pollIntervalMs: 20_000,
			timeoutMs: 50_000,
			readFirst: false,
		});
		const assertion = expect(promise).rejects.toMatchObject({
			message: 'Kling task t1 was still "processing" when the 0.83 min Timeout ran out',
			description: expect.stringContaining('Get Task with task id t1'),
			context: expect.objectContaining({ itemIndex: 3, taskId: 't1', taskStatus: 'processing' }),
		});
		await jest.advanceTimersByTimeAsync(60_000);
		await assertion;
		expect(readTimes.map((t) => t - start)).toEqual([20_000, 40_000, 50_000]);
	});

	it('rides out temporary read failures with backoff, honouring Retry-After', async () => {
		const answers: Answer[] = [
			{ statusCode: 503, body: '{"code":5001,"message":"maintenance"}', headers: { 'retry-after': '7' } },
			{ statusCode: 502, body: '<html>Bad gateway</html>' },
			Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
			envelope('succeed', { task_result: { videos: [{ url: 'https://cdn/x.mp4' }] } }),
		];
		const { ctx, readTimes } = fakeContext((n) => answers[n - 1]);
		const start = Date.now();
		const promise = readTask(ctx, 't1', { itemIndex: 0, signal: new AbortController().signal, random: () => 1 });
		await jest.advanceTimersByTimeAsync(60_000);
		await expect(promise).resolves.toMatchObject({ task_status: 'succeed' });
		// 7 s from Retry-After, then 2 s and 4 s of exponential backoff.
		expect(readTimes.map((t) => t - start)).toEqual([0, 7000, 9000, 13_000]);
	});

	it('does not retry a read the server refused for good', async () => {
		const { ctx, readTimes } = fakeContext(() => ({ statusCode: 401, body: '{"code":1002,"message":"bad key"}' }));
		const promise = readTask(ctx, 't1', { itemIndex: 1, signal: new AbortController().signal });
		await expect(promise).rejects.toMatchObject({ httpCode: '401', context: expect.objectContaining({ taskId: 't1' }) });
		expect(readTimes).toHaveLength(1);
	});

	it('stops at once when the execution is cancelled, with n8n’s cancellation error', async () => {
		const { ctx, readTimes } = fakeContext(() => envelope('processing'));
		const controller = new AbortController();
		const promise = waitForTask(ctx, 't1', {
			itemIndex: 0,
			signal: controller.signal,
			pollIntervalMs: 10_000,
			timeoutMs: 600_000,
			readFirst: false,
		});
		const assertion = expect(promise).rejects.toBeInstanceOf(ManualExecutionCancelledError);
		await jest.advanceTimersByTimeAsync(25_000);
		controller.abort();
		await jest.advanceTimersByTimeAsync(0);
		await assertion;
		expect(readTimes).toHaveLength(2);
	});
});

describe('createLimiter', () => {
	it('never runs more than its limit at once, and runs everything', async () => {
		const limiter = createLimiter(2);
		let active = 0;
		let peak = 0;
		const job = async (n: number) => {
			active++;
			peak = Math.max(peak, active);
			await new Promise((r) => setImmediate(r));
			active--;
			return n;
		};
		const results = await Promise.all([1, 2, 3, 4, 5].map((n) => limiter.run(() => job(n))));
		expect(results).toEqual([1, 2, 3, 4, 5]);
		expect(peak).toBe(2);
	});

	it('frees the slot when a job fails', async () => {
		const limiter = createLimiter(1);
		await expect(limiter.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
		await expect(limiter.run(async () => 'next')).resolves.toBe('next');
	});
});
