/**
 * Runs at most `limit` jobs at once, in arrival order. It bounds request bursts (create requests,
 * downloads); it does not bound how many tasks run on the server.
 */
export interface Limiter {
	run<T>(job: () => Promise<T>): Promise<T>;
}

export function createLimiter(limit: number): Limiter {
	const max = Math.max(1, Math.floor(limit) || 1);
	let active = 0;
	const waiting: Array<() => void> = [];

	const release = () => {
		active--;
		waiting.shift()?.();
	};

	return {
		async run<T>(job: () => Promise<T>): Promise<T> {
			if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
			active++;
			try {
				return await job();
			} finally {
				release();
			}
		},
	};
}
