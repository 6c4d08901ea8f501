import { ExpiringKeys } from '../../../nodes/KlingCometApi/helpers/expiring-keys';

describe('ExpiringKeys', () => {
	it('remembers a key until its time is up, not a millisecond longer', () => {
		const keys = new ExpiringKeys(1000, 10);
		keys.add('a', 5000);
		expect(keys.has('a', 5000)).toBe(true);
		expect(keys.has('a', 5999)).toBe(true);
		expect(keys.has('a', 6000)).toBe(false);
		expect(keys.has('b', 5000)).toBe(false);
	});

	it('claim() is true once per key while it is remembered, and again after it expired', () => {
		const keys = new ExpiringKeys(1000, 10);
		expect(keys.claim('a', 0)).toBe(true);
		expect(keys.claim('a', 999)).toBe(false);
		expect(keys.claim('a', 1000)).toBe(true);
		expect(keys.claim('a', 1500)).toBe(false);
	});

	it('drops expired keys when a key is added', () => {
		const keys = new ExpiringKeys(1000, 10);
		keys.add('a', 0);
		keys.add('b', 500);
		keys.add('c', 1200);
		expect(keys.size).toBe(2);
		keys.add('d', 1600);
		expect(keys.size).toBe(2);
		// 'c' expires at 2200 exactly: dropped by an add at 2200.
		keys.add('e', 2200);
		expect(keys.size).toBe(2);
		expect([keys.has('d', 2200), keys.has('e', 2200)]).toEqual([true, true]);
	});

	it('keeps at most `kept` keys, dropping the oldest', () => {
		const keys = new ExpiringKeys(60_000, 3);
		for (const [index, key] of ['a', 'b', 'c', 'd'].entries()) keys.add(key, index);
		expect(keys.size).toBe(3);
		expect(['a', 'b', 'c', 'd'].map((key) => keys.has(key, 10))).toEqual([false, true, true, true]);
	});

	it('a key added again counts from then and becomes the newest', () => {
		const keys = new ExpiringKeys(1000, 2);
		keys.add('a', 0);
		keys.add('b', 100);
		keys.add('a', 900);
		expect(keys.has('a', 1800)).toBe(true);
		keys.add('c', 1000);
		expect([keys.has('a', 1000), keys.has('b', 1000), keys.has('c', 1000)]).toEqual([true, false, true]);
	});
});
