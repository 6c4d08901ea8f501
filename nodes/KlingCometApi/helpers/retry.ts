/**
 * The one retry policy for creates, reads and downloads: attempts, exponential backoff with
 * jitter, Retry-After, an overall budget, a deadline and the stop signal. What may be retried
 * is the caller's decision (a read almost always, a create only when nothing was created).
 */
import { pause, throwIfAborted } from './cancellation';

export interface RetryPolicy {
	/** Tries in all, the first included. */
	maxAttempts: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** A server's Retry-After is honoured up to this long. */
	maxRetryAfterMs: number;
	/** No retry starts later than this long after the first try. */
	budgetMs: number;
}

export type AttemptResult<T, F> =
	{ ok: true; value: T } | { ok: false; failure: F; retry: boolean; retryAfterMs?: number };

export interface RetryOptions {
	/** ms epoch: no retry starts if its delay would pass this. */
	deadline?: number;
	signal: AbortSignal;
	random?: () => number;
	/** Told before each retry, for a debug log line. */
	onRetry?: (delayMs: number, attempt: number) => void;
}

export type RetryOutcome<T, F> =
	| { ok: true; value: T; attempts: number }
	| {
			ok: false;
			failure: F;
			attempts: number;
			elapsedMs: number;
			gaveUp: 'final' | 'attempts' | 'budget' | 'deadline';
	  };

/**
 * Delay before retry number `retry` (0-based): exponential with jitter in [50 %, 100 %] so many
 * items do not retry in lockstep; a server's Retry-After wins when it asks for longer.
 */
export function backoffDelay(
	retry: number,
	policy: RetryPolicy,
	retryAfterMs?: number,
	random: () => number = Math.random,
): number {
	const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
	const jittered = Math.round(exponential * (0.5 + random() / 2));
	if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return jittered;
	return Math.max(jittered, Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs));
}

export async function withRetries<T, F>(
	policy: RetryPolicy,
	options: RetryOptions,
	attempt: (attemptNumber: number) => Promise<AttemptResult<T, F>>,
): Promise<RetryOutcome<T, F>> {
	const started = Date.now();
	for (let n = 1; ; n++) {
		throwIfAborted(options.signal);
		const result = await attempt(n);
		if (result.ok) return { ok: true, value: result.value, attempts: n };
		const gaveUp = (reason: 'final' | 'attempts' | 'budget' | 'deadline') => ({
			ok: false as const,
			failure: result.failure,
			attempts: n,
			elapsedMs: Date.now() - started,
			gaveUp: reason,
		});
		if (!result.retry) return gaveUp('final');
		if (n >= policy.maxAttempts) return gaveUp('attempts');
		const delay = backoffDelay(n - 1, policy, result.retryAfterMs, options.random);
		const next = Date.now() + delay;
		if (next > started + policy.budgetMs) return gaveUp('budget');
		if (options.deadline !== undefined && next >= options.deadline) return gaveUp('deadline');
		options.onRetry?.(delay, n);
		await pause(delay, options.signal);
	}
}
