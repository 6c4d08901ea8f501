import { ExecutionCancelledError, ManualExecutionCancelledError, sleep, sleepWithAbort } from 'n8n-workflow';

/**
 * Waiting that ends on time and on Stop, on every n8n we support:
 * n8n-workflow 2.8 offers sleepWithAbort(ms, signal); 2.40 removed it and gave sleep a signal.
 * (The package resolves n8n-workflow from the host n8n, so both must work.)
 * The sleepWithAbort branch can go once n8n 2.8 is no longer supported.
 */
type AbortableSleep = (ms: number, signal: AbortSignal) => Promise<void>;
const abortableSleep: AbortableSleep =
	typeof sleepWithAbort === 'function' ? sleepWithAbort : (sleep as unknown as AbortableSleep);

/** n8n's own cancellation error, so that a stopped run ends as "canceled", not "error". */
export function cancellationError(signal: AbortSignal): Error {
	const reason: unknown = signal.reason;
	if (
		reason instanceof ExecutionCancelledError ||
		(reason as Error | undefined)?.name?.endsWith('ExecutionCancelledError')
	) {
		return reason as Error;
	}
	return new ManualExecutionCancelledError('');
}

export function throwIfAborted(signal: AbortSignal): void {
	if (signal.aborted) throw cancellationError(signal);
}

/**
 * Sleeps `ms` unless `signal` aborts first. A fresh signal per sleep: n8n 2.8's helper leaves its
 * listener behind after a normal wake-up, which would pile up over a 20-minute wait.
 */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
	throwIfAborted(signal);
	const local = new AbortController();
	const forward = () => local.abort(signal.reason);
	signal.addEventListener('abort', forward, { once: true });
	try {
		await abortableSleep(Math.max(0, ms), local.signal);
	} catch {
		throw cancellationError(signal);
	} finally {
		signal.removeEventListener('abort', forward);
	}
}

export type Settled<T> = { done: true; value: T } | { done: false; reason: 'deadline' | 'aborted' };

/**
 * Races work against a deadline (ms epoch) and, when given, a stop signal: a deadline, not an
 * idle timer, so a server that trickles its answer cannot hold the node. The losing work is left
 * to finish on its own; its eventual rejection is swallowed.
 */
export async function settleBy<T>(work: Promise<T>, deadline: number, signal?: AbortSignal): Promise<Settled<T>> {
	work.catch(() => undefined);
	if (signal?.aborted) return { done: false, reason: 'aborted' };
	const timer = new AbortController();
	const onAbort = () => timer.abort();
	signal?.addEventListener('abort', onAbort, { once: true });
	const expired = abortableSleep(Math.max(0, deadline - Date.now()), timer.signal).then(
		() => ({ done: false, reason: 'deadline' }) as const,
		() => ({ done: false, reason: signal?.aborted ? 'aborted' : 'deadline' }) as const,
	);
	try {
		return await Promise.race([work.then((value) => ({ done: true, value }) as const), expired]);
	} finally {
		signal?.removeEventListener('abort', onAbort);
		timer.abort();
	}
}
