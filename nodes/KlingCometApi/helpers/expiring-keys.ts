/** Keys remembered for a while, with a bound on how many: the Trigger's memory of ids and emitted statuses. */
export class ExpiringKeys {
	/** Each key's expiry time, oldest first (a key added again moves to the end). */
	private readonly expiries = new Map<string, number>();

	constructor(
		private readonly ttlMs: number,
		private readonly kept: number,
	) {}

	has(key: string, now = Date.now()): boolean {
		return (this.expiries.get(key) ?? -Infinity) > now;
	}

	/** Remembers `key` for ttlMs from `now`, dropping expired keys and, beyond `kept`, the oldest. */
	add(key: string, now = Date.now()): void {
		this.expiries.delete(key);
		for (const [old, expires] of this.expiries) {
			if (expires > now && this.expiries.size < this.kept) break;
			this.expiries.delete(old);
		}
		this.expiries.set(key, now + this.ttlMs);
	}

	/** True, and remembers the key, unless it is already remembered. */
	claim(key: string, now = Date.now()): boolean {
		if (this.has(key, now)) return false;
		this.add(key, now);
		return true;
	}

	get size(): number {
		return this.expiries.size;
	}
}
