import { MAX_NOT_SENT_TRIES } from '../../../nodes/KlingCometApi/transport/network';
import type { ReadOptions, WaitOptions } from '../../../nodes/KlingCometApi/helpers/polling';
import { readTask, waitForTask } from '../../../nodes/KlingCometApi/helpers/polling';
import { fakeContext, networkError, ok, task, klingError } from '../../helpers/fake-context';
import { ManualExecutionCancelledError } from 'n8n-workflow';
import type { Scripted } from '../../helpers/fake-context';

/** The edges of answer parsing, error classification and credential checks, one behaviour per line. */
describe('edges', () => {
	describe('a refused connection: Get Task gives up as a create does (review finding 10)', () => {
		beforeEach(() => jest.useFakeTimers({ now: 0 }));
		afterEach(() => jest.useRealTimers());

		const BASE = 'https://api.example.test';
		const readOptions = (extra: Partial<ReadOptions> = {}): ReadOptions => ({
			itemIndex: 0,
			path: '/kling/v1/videos/text2video',
			baseUrl: BASE,
			signal: new AbortController().signal,
			deadline: 60_000,
			random: () => 1,
			onDeadline: () => new Error('deadline'),
			...extra,
		});
		const refused = () => networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9');

		it(`before anything got through: ${MAX_NOT_SENT_TRIES} tries within seconds, then "check the Base URL"`, async () => {
			const fake = fakeContext({ api: () => refused() });
			const promise = readTask(fake.ctx, 't1', readOptions({ firstContact: true }));
			const assertion = expect(promise).rejects.toMatchObject({
				message: `CometAPI could not be reached at ${BASE}: nothing was sent (task t1)`,
				description: expect.stringContaining(
					`Nothing reached CometAPI (3 tries over 3 s). Check the credential's Base URL (${BASE}) and that n8n can reach it`,
				),
			});
			await jest.advanceTimersByTimeAsync(60_000);
			await assertion;
			expect(fake.requests.map((r) => r.at)).toEqual([0, 1000, 3000]);
		});

		it('a read after others got through rides out a longer outage, and still names the Base URL', async () => {
			const fake = fakeContext({ api: () => refused() });
			const promise = readTask(fake.ctx, 't1', readOptions({ deadline: 10 * 60_000 }));
			const assertion = expect(promise).rejects.toMatchObject({
				description: expect.stringContaining(`Check the credential's Base URL (${BASE})`),
			});
			await jest.advanceTimersByTimeAsync(10 * 60_000);
			await assertion;
			expect(fake.requests).toHaveLength(8);
		});

		it('waiting: only the reads before the first answer give up early', async () => {
			let n = 0;
			const fake = fakeContext({
				api: () => (++n === 1 ? ok(task('processing')) : n <= 6 ? refused() : ok(task('succeed'))),
			});
			const { onDeadline: _drop, ...read } = readOptions({ firstContact: true, deadline: 10 * 60_000 });
			const promise = waitForTask(fake.ctx, 't1', {
				...read,
				pollIntervalMs: 1000,
				timeoutMs: 10 * 60_000,
				readFirst: true,
			});
			await jest.advanceTimersByTimeAsync(5 * 60_000);
			await expect(promise).resolves.toMatchObject({ task_status: 'succeed' });
			expect(fake.requests).toHaveLength(7);
		});
	});
});

describe('reads', () => {
	const PATH = '/kling/v1/videos/text2video';

	function readOptions(extra: Partial<ReadOptions> = {}): ReadOptions {
		return {
			itemIndex: 0,
			path: PATH,
			baseUrl: 'https://api.example.test',
			signal: new AbortController().signal,
			deadline: Date.now() + 10 * 60_000,
			random: () => 1,
			onDeadline: () => new Error('deadline'),
			...extra,
		};
	}
	function waitOptions(extra: Partial<WaitOptions> = {}): WaitOptions {
		const { onDeadline: _drop, ...base } = readOptions();
		return { ...base, pollIntervalMs: 10_000, timeoutMs: 20 * 60_000, readFirst: false, ...extra };
	}

	describe('waitForTask: the poll schedule', () => {
		beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
		afterEach(() => jest.useRealTimers());

		it('after a create, reads every interval and stops at the first final status: exactly ceil(T / interval) reads', async () => {
			const start = Date.now();
			const T = 95_000;
			const fake = fakeContext({ api: () => ok(task(Date.now() - start >= T ? 'succeed' : 'processing')) });
			const logged: string[] = [];
			const promise = waitForTask(
				fake.ctx,
				't1',
				waitOptions({ deadline: start + 20 * 60_000, log: (line) => logged.push(line) }),
			);
			await jest.advanceTimersByTimeAsync(200_000);
			await expect(promise).resolves.toMatchObject({ task_status: 'succeed' });
			// One line per status change, as the demo shows them.
			expect(logged).toEqual(['Kling task t1: processing', 'Kling task t1: succeed']);
			expect(fake.requests.map((r) => r.at - start)).toEqual(
				[10, 20, 30, 40, 50, 60, 70, 80, 90, 100].map((s) => s * 1000),
			);
			expect(fake.requests.every((r) => r.method === 'GET' && r.url === `https://api.example.test${PATH}/t1`)).toBe(
				true,
			);
		});

		it('Get Task reads at once', async () => {
			const fake = fakeContext({ api: [ok(task('failed', { task_status_msg: 'risk control' }))] });
			const start = Date.now();
			const promise = waitForTask(fake.ctx, 't1', waitOptions({ readFirst: true }));
			await jest.advanceTimersByTimeAsync(0);
			await expect(promise).resolves.toMatchObject({ task_status: 'failed' });
			expect(fake.requests.map((r) => r.at)).toEqual([start]);
		});

		it('tells every read, and keeps our task id even if the server answers another', async () => {
			const seen: string[] = [];
			const fake = fakeContext({
				api: [ok(task('processing', { task_id: 'other' })), ok(task('succeed', { task_id: 'other' }))],
			});
			const promise = waitForTask(
				fake.ctx,
				't1',
				waitOptions({ onRead: (t) => seen.push(`${t.task_id}:${t.task_status}`) }),
			);
			await jest.advanceTimersByTimeAsync(30_000);
			await expect(promise).resolves.toMatchObject({ task_id: 't1' });
			expect(seen).toEqual(['t1:processing', 't1:succeed']);
		});

		it('times out at the deadline, naming the task, its status and how to collect it', async () => {
			const fake = fakeContext({ api: () => ok(task('processing')) });
			const start = Date.now();
			const promise = waitForTask(
				fake.ctx,
				't1',
				waitOptions({ itemIndex: 3, pollIntervalMs: 20_000, timeoutMs: 50_000, deadline: start + 50_000 }),
			);
			const assertion = expect(promise).rejects.toMatchObject({
				message: 'Kling task t1 was still "processing" when the 50 s Timeout ran out',
				description: expect.stringContaining('Get Task with task id t1'),
				context: expect.objectContaining({ itemIndex: 3, taskId: 't1', taskStatus: 'processing' }),
			});
			await jest.advanceTimersByTimeAsync(60_000);
			await assertion;
			expect(fake.requests.map((r) => r.at - start)).toEqual([20_000, 40_000]);
		});

		it('a read that never answers ends at the deadline, not later', async () => {
			const fake = fakeContext({ api: ['hang'] });
			const start = Date.now();
			let endedAt = 0;
			const promise = waitForTask(
				fake.ctx,
				't1',
				waitOptions({ readFirst: true, timeoutMs: 6000, deadline: start + 6000 }),
			).finally(() => (endedAt = Date.now()));
			const assertion = expect(promise).rejects.toMatchObject({
				message: expect.stringMatching(
					/could not be read before the 6 s Timeout ran out \(last status read: CometAPI did not answer in time\)/,
				),
			});
			await jest.advanceTimersByTimeAsync(10_000);
			await assertion;
			expect(endedAt - start).toBe(6000);
		});

		it('stops at once when the execution is cancelled, with n8n’s cancellation error', async () => {
			const fake = fakeContext({ api: () => ok(task('processing')) });
			const controller = new AbortController();
			const promise = waitForTask(
				fake.ctx,
				't1',
				waitOptions({ signal: controller.signal, deadline: Date.now() + 600_000 }),
			);
			const assertion = expect(promise).rejects.toBeInstanceOf(ManualExecutionCancelledError);
			await jest.advanceTimersByTimeAsync(25_000);
			controller.abort();
			await jest.advanceTimersByTimeAsync(0);
			await assertion;
			expect(fake.requests).toHaveLength(2);
		});
	});

	describe('readTask: retries', () => {
		beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
		afterEach(() => jest.useRealTimers());

		it('rides out temporary read failures with backoff, honouring Retry-After', async () => {
			const answers: Scripted[] = [
				{ statusCode: 503, body: '{"code":5001,"message":"maintenance"}', headers: { 'retry-after': '7' } },
				{ statusCode: 502, body: '<html>Bad gateway</html>' },
				networkError('ECONNRESET', 'socket hang up'),
				ok(task('succeed')),
			];
			const fake = fakeContext({ api: answers });
			const start = Date.now();
			const logged: string[] = [];
			const promise = readTask(fake.ctx, 't1', readOptions({ log: (line) => logged.push(line) }));
			await jest.advanceTimersByTimeAsync(60_000);
			await expect(promise).resolves.toMatchObject({ task_status: 'succeed' });
			// 7 s from Retry-After, then 2 s and 4 s of exponential backoff.
			expect(fake.requests.map((r) => r.at - start)).toEqual([0, 7000, 9000, 13_000]);
			expect(logged).toEqual([
				'Kling task t1: status read failed, retrying in 7000 ms',
				'Kling task t1: status read failed, retrying in 2000 ms',
				'Kling task t1: status read failed, retrying in 4000 ms',
			]);
		});

		it('does not retry a read the server refused for good', async () => {
			const fake = fakeContext({ api: [klingError(401, 1002, 'bad key')] });
			await expect(readTask(fake.ctx, 't1', readOptions({ itemIndex: 1 }))).rejects.toMatchObject({
				httpCode: '401',
				description: expect.stringContaining('after 1 try'),
				context: expect.objectContaining({ taskId: 't1', itemIndex: 1 }),
			});
			expect(fake.requests).toHaveLength(1);
		});

		it('a 4xx web page means a wrong Base URL: reported at once, not retried', async () => {
			const fake = fakeContext({ api: [{ statusCode: 404, body: '<html>Not Found</html>' }] });
			await expect(readTask(fake.ctx, 't1', readOptions())).rejects.toMatchObject({
				message: expect.stringMatching(/Base URL is wrong/),
			});
			expect(fake.requests).toHaveLength(1);
		});

		it('1203 on a read means no such task', async () => {
			const fake = fakeContext({ api: [klingError(404, 1203, 'task not found')] });
			await expect(readTask(fake.ctx, 't1', readOptions())).rejects.toMatchObject({
				message: expect.stringMatching(/^CometAPI has no task with this id/),
			});
		});

		it('gives up at the attempt limit, saying how long it tried', async () => {
			const fake = fakeContext({ api: () => klingError(503, 5001, 'maintenance') });
			const promise = readTask(fake.ctx, 't1', readOptions());
			const assertion = expect(promise).rejects.toMatchObject({
				description: expect.stringMatching(/after 8 tries over \d+ (s|min)/),
			});
			await jest.advanceTimersByTimeAsync(10 * 60_000);
			await assertion;
			expect(fake.requests).toHaveLength(8);
		});

		it('stops retrying at the deadline and raises the deadline error', async () => {
			const fake = fakeContext({ api: () => klingError(503, 5001, 'maintenance') });
			const start = Date.now();
			const promise = readTask(
				fake.ctx,
				't1',
				readOptions({ deadline: start + 5000, onDeadline: (f) => new Error(`deadline after ${f.code}`) }),
			);
			const assertion = expect(promise).rejects.toThrow('deadline after 5001');
			await jest.advanceTimersByTimeAsync(10_000);
			await assertion;
			expect(fake.requests.every((r) => r.at - start < 5000)).toBe(true);
		});
	});

	describe('readTask and waitForTask edges', () => {
		beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
		afterEach(() => jest.useRealTimers());

		it('an answer without a status is not a task: it is read again', async () => {
			const fake = fakeContext({
				api: [ok({ task_id: 't1', task_status: '' }), ok({ task_id: 't1' }), ok(task('processing'))],
			});
			const promise = readTask(fake.ctx, 't1', readOptions());
			await jest.advanceTimersByTimeAsync(60_000);
			await expect(promise).resolves.toMatchObject({ task_status: 'processing' });
			expect(fake.requests).toHaveLength(3);
		});

		it('one read is bounded by 30 s even when the wait has longer', async () => {
			const fake = fakeContext({ api: ['hang', ok(task('processing'))] });
			const start = Date.now();
			const promise = readTask(fake.ctx, 't1', readOptions({ deadline: start + 10 * 60_000 }));
			await jest.advanceTimersByTimeAsync(40_000);
			await expect(promise).resolves.toMatchObject({ task_status: 'processing' });
			expect(fake.requests.map((r) => r.at - start)).toEqual([0, 30_000 + 1000]);
		});

		it('a read that times out at the deadline raises the deadline error, not an API error', async () => {
			const fake = fakeContext({ api: ['hang'] });
			const start = Date.now();
			const promise = readTask(
				fake.ctx,
				't1',
				readOptions({ deadline: start + 5000, onDeadline: () => new Error('past the deadline') }),
			);
			const assertion = expect(promise).rejects.toThrow('past the deadline');
			await jest.advanceTimersByTimeAsync(10_000);
			await assertion;
		});

		it('an unknown status keeps the wait going; a time-out without any read names no status', async () => {
			const fake = fakeContext({ api: () => ok(task('queued')) });
			const start = Date.now();
			const promise = waitForTask(
				fake.ctx,
				't1',
				waitOptions({ pollIntervalMs: 1000, timeoutMs: 3000, deadline: start + 3000 }),
			);
			const assertion = expect(promise).rejects.toMatchObject({
				message: 'Kling task t1 was still "queued" when the 3 s Timeout ran out',
				context: expect.objectContaining({ taskStatus: 'queued' }),
			});
			await jest.advanceTimersByTimeAsync(5000);
			await assertion;
			const none = fakeContext({ api: () => klingError(503, 5001, 'maintenance') });
			const noRead = waitForTask(
				none.ctx,
				't1',
				waitOptions({ readFirst: true, timeoutMs: 2000, deadline: Date.now() + 2000 }),
			);
			const second = expect(noRead).rejects.toMatchObject({
				message:
					'The status of Kling task t1 could not be read before the 2 s Timeout ran out (last status read: Kling is under maintenance or unavailable: try again later)',
				context: expect.objectContaining({ taskStatus: 'unknown' }),
			});
			await jest.advanceTimersByTimeAsync(5000);
			await second;
		});

		it('the first wait after a create is one interval, cut short by the deadline', async () => {
			const fake = fakeContext({ api: () => ok(task('processing')) });
			const start = Date.now();
			const promise = waitForTask(
				fake.ctx,
				't1',
				waitOptions({
					pollIntervalMs: 10_000,
					timeoutMs: 4000,
					deadline: start + 4000,
					lastKnown: task('submitted') as never,
				}),
			);
			const assertion = expect(promise).rejects.toMatchObject({
				message: 'Kling task t1 was still "submitted" when the 4 s Timeout ran out',
			});
			await jest.advanceTimersByTimeAsync(5000);
			await assertion;
			expect(fake.requests).toHaveLength(0);
		});
	});
});
