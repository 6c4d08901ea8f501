/**
 * Bounds the task reads that callbacks can cause. Simultaneous reads of one task share one
 * request. A callback's claim ("this task finished") is checked by a read; once a read has
 * refuted a claim, further claims for that task within `freshMs` are not read at all (the caller
 * asks the sender to call again later). N false claims for a running task therefore cost about
 * one read per `freshMs`, however they arrive, while the first claim after any other read (a
 * genuine final callback) is checked at once.
 */
export class ReadThrottle<T> {
	private readonly inFlight = new Map<string, Promise<T>>();
	/** When each key was last read as unfinished, oldest first. */
	private readonly unfinishedAt = new Map<string, number>();
	/** When a claim for each key was last refuted by a read, oldest first. */
	private readonly refutedAt = new Map<string, number>();

	/** The reads this throttle has sent. */
	sent = 0;

	constructor(
		private readonly freshMs: number,
		private readonly isFinal: (value: T) => boolean,
		private readonly kept = 50_000,
	) {}

	/**
	 * Reads `key` to check a callback's claim (`confirms` says whether the answer bears it out), or
	 * answers undefined without reading while an earlier refutation is fresh.
	 */
	async checkClaim(key: string, fn: () => Promise<T>, confirms: (value: T) => boolean): Promise<T | undefined> {
		if (!this.inFlight.has(key) && (this.refutedAt.get(key) ?? -Infinity) > Date.now() - this.freshMs) return undefined;
		const value = await this.shared(key, fn);
		this.mark(this.refutedAt, key, !confirms(value));
		return value;
	}

	/** Reads `key` now (sharing a read in flight). */
	read(key: string, fn: () => Promise<T>): Promise<T> {
		return this.shared(key, fn);
	}

	/** True when the key was read as unfinished less than `freshMs` ago. */
	recentlyUnfinished(key: string): boolean {
		const at = this.unfinishedAt.get(key);
		return at !== undefined && at > Date.now() - this.freshMs;
	}

	private shared(key: string, fn: () => Promise<T>): Promise<T> {
		const pending = this.inFlight.get(key);
		if (pending) return pending;
		this.sent++;
		const run = fn()
			.then((value) => {
				this.mark(this.unfinishedAt, key, !this.isFinal(value));
				return value;
			})
			.finally(() => this.inFlight.delete(key));
		this.inFlight.set(key, run);
		return run;
	}

	/** Sets (or clears) the key's time, dropping stale and surplus entries first. */
	private mark(times: Map<string, number>, key: string, set: boolean): void {
		times.delete(key);
		if (!set) return;
		const now = Date.now();
		for (const [old, at] of times) {
			if (at > now - this.freshMs && times.size < this.kept) break;
			times.delete(old);
		}
		times.set(key, now);
	}
}
