import { ExecutionCancelledError, ManualExecutionCancelledError, sleep, sleepWithAbort } from 'n8n-workflow';

/**
 * Waiting that a cancelled workflow interrupts at once, on every n8n we support:
 * n8n-workflow 2.8 offers sleepWithAbort(ms, signal); 2.40 removed it and gave sleep a signal.
 * (The package resolves n8n-workflow from the host n8n, so both must work.)
 */
type AbortableSleep = (ms: number, signal: AbortSignal) => Promise<void>;
const abortableSleep: AbortableSleep =
	typeof sleepWithAbort === 'function' ? sleepWithAbort : (sleep as unknown as AbortableSleep);

/** n8n's own cancellation error, so that a stopped run ends as "canceled", not "error". */
export function cancellationError(signal: AbortSignal): Error {
	const reason: unknown = signal.reason;
	if (reason instanceof ExecutionCancelledError || (reason as Error | undefined)?.name?.endsWith('ExecutionCancelledError')) {
		return reason as Error;
	}
	return new ManualExecutionCancelledError('');
}

/** A request that returns after a cancel must stop too. */
export async function throwIfAborted(signal: AbortSignal): Promise<void> {
	if (signal.aborted) throw cancellationError(signal);
}

/**
 * Sleeps `ms` unless `signal` aborts first. A fresh signal per sleep: n8n 2.8's helper leaves its
 * listener behind after a normal wake-up, which would pile up over a 20-minute wait.
 */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
	await throwIfAborted(signal);
	const local = new AbortController();
	const forward = () => local.abort(signal.reason);
	signal.addEventListener('abort', forward, { once: true });
	// On abort this rejects; the router turns whatever it is into n8n's cancellation error.
	try {
		await abortableSleep(ms, local.signal);
	} finally {
		signal.removeEventListener('abort', forward);
	}
}
