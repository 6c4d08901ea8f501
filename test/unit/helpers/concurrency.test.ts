import { createLimiter } from '../../../nodes/KlingCometApi/helpers/concurrency';

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
	it.each([
		[0, 1],
		[-3, 1],
		[Number.NaN, 1],
		[2.7, 2],
		[3, 3],
	])('a limit of %p runs %p at once', async (limit, expected) => {
		const limiter = createLimiter(limit);
		let active = 0;
		let peak = 0;
		await Promise.all(
			Array.from({ length: 6 }, () =>
				limiter.run(async () => {
					peak = Math.max(peak, ++active);
					await Promise.resolve();
					await Promise.resolve();
					active--;
				}),
			),
		);
		expect(peak).toBe(expected);
	});

	it('runs queued jobs in arrival order', async () => {
		const limiter = createLimiter(1);
		const order: number[] = [];
		await Promise.all([1, 2, 3, 4].map((n) => limiter.run(async () => void order.push(n))));
		expect(order).toEqual([1, 2, 3, 4]);
	});
});
