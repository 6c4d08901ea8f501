import { ManualExecutionCancelledError } from 'n8n-workflow';
import type { RetryPolicy } from '../../../nodes/KlingCometApi/helpers/retry';
import { backoffDelay, withRetries } from '../../../nodes/KlingCometApi/helpers/retry';

const policy: RetryPolicy = {
	maxAttempts: 5,
	baseDelayMs: 1000,
	maxDelayMs: 8000,
	maxRetryAfterMs: 120_000,
	budgetMs: 60_000,
};

describe('backoffDelay', () => {
	it('doubles per retry with jitter between 50 % and 100 %, up to the cap', () => {
		expect(backoffDelay(0, policy, undefined, () => 0)).toBe(500);
		expect(backoffDelay(0, policy, undefined, () => 1)).toBe(1000);
		expect(backoffDelay(2, policy, undefined, () => 1)).toBe(4000);
		expect(backoffDelay(10, policy, undefined, () => 1)).toBe(8000);
	});
	it("honours the server's Retry-After when it asks for longer, within the policy's cap", () => {
		expect(backoffDelay(0, policy, 5000, () => 1)).toBe(5000);
		expect(backoffDelay(3, policy, 100, () => 1)).toBe(8000);
		expect(backoffDelay(0, policy, 3_600_000, () => 1)).toBe(120_000);
		expect(backoffDelay(0, policy, Number.NaN, () => 1)).toBe(1000);
		expect(backoffDelay(0, policy, -5, () => 1)).toBe(1000);
	});
});

describe('withRetries', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0 }));
	afterEach(() => jest.useRealTimers());
	const signal = () => new AbortController().signal;

	it('returns the first success and counts attempts', async () => {
		const attempt = jest
			.fn()
			.mockResolvedValueOnce({ ok: false, failure: 'x', retry: true })
			.mockResolvedValueOnce({ ok: true, value: 7 });
		const promise = withRetries(policy, { signal: signal(), random: () => 1 }, attempt);
		await jest.advanceTimersByTimeAsync(5000);
		await expect(promise).resolves.toEqual({ ok: true, value: 7, attempts: 2 });
		expect(attempt.mock.calls.map((c) => c[0])).toEqual([1, 2]);
	});

	it('stops at once on a final failure', async () => {
		const attempt = jest.fn().mockResolvedValue({ ok: false, failure: 'no', retry: false });
		await expect(withRetries(policy, { signal: signal() }, attempt)).resolves.toMatchObject({
			ok: false,
			failure: 'no',
			attempts: 1,
			gaveUp: 'final',
		});
	});

	it.each<[string, Partial<RetryPolicy>, number | undefined, string, number]>([
		['the attempt limit', {}, undefined, 'attempts', 5],
		['the budget', { budgetMs: 2500 }, undefined, 'budget', 2],
		['the deadline', {}, 3500, 'deadline', 3],
	])('gives up at %s', async (_name, change, deadline, gaveUp, attempts) => {
		const onRetry = jest.fn();
		const attempt = jest.fn().mockResolvedValue({ ok: false, failure: 'busy', retry: true });
		const promise = withRetries(
			{ ...policy, ...change },
			{ signal: signal(), deadline, random: () => 1, onRetry },
			attempt,
		);
		await jest.advanceTimersByTimeAsync(120_000);
		await expect(promise).resolves.toMatchObject({ ok: false, gaveUp, attempts });
		expect(onRetry).toHaveBeenCalledTimes(attempts - 1);
	});

	it('waits what Retry-After asks', async () => {
		const times: number[] = [];
		const attempt = jest.fn(async () => {
			times.push(Date.now());
			return times.length < 2
				? { ok: false as const, failure: 'x', retry: true, retryAfterMs: 7000 }
				: { ok: true as const, value: 1 };
		});
		const promise = withRetries(policy, { signal: signal(), random: () => 1 }, attempt);
		await jest.advanceTimersByTimeAsync(10_000);
		await promise;
		expect(times).toEqual([0, 7000]);
	});

	it('Stop ends a backoff at once with n8n’s cancellation error', async () => {
		const controller = new AbortController();
		const attempt = jest.fn().mockResolvedValue({ ok: false, failure: 'x', retry: true });
		const promise = withRetries(policy, { signal: controller.signal }, attempt);
		const assertion = expect(promise).rejects.toBeInstanceOf(ManualExecutionCancelledError);
		await jest.advanceTimersByTimeAsync(10);
		controller.abort();
		await assertion;
		expect(attempt).toHaveBeenCalledTimes(1);
	});
});
