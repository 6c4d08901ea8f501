import { ReadThrottle } from '../../../nodes/KlingCometApi/helpers/read-throttle';

type Answer = { final: boolean };
const FRESH = 5000;

describe('ReadThrottle', () => {
	let now = 1_000_000;
	let clock: jest.SpyInstance;
	beforeEach(() => {
		now = 1_000_000;
		clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
	});
	afterEach(() => clock.mockRestore());

	const throttle = (kept?: number) => new ReadThrottle<Answer>(FRESH, (answer) => answer.final, kept);
	const running = async () => ({ final: false });
	const refuted = () => false;

	it('a refuted claim is not read again for freshMs, and is read at freshMs exactly', async () => {
		const reads = throttle();
		expect(await reads.checkClaim('t1', running, refuted)).toEqual({ final: false });
		now += FRESH - 1;
		expect(await reads.checkClaim('t1', running, refuted)).toBeUndefined();
		now += 1;
		expect(await reads.checkClaim('t1', running, refuted)).toEqual({ final: false });
		expect(reads.sent).toBe(2);
	});

	it('a confirmed claim does not hold the next one back', async () => {
		const reads = throttle();
		await reads.checkClaim('t1', running, () => true);
		expect(await reads.checkClaim('t1', running, refuted)).toEqual({ final: false });
		expect(reads.sent).toBe(2);
	});

	it('simultaneous reads of one key share one request', async () => {
		const reads = throttle();
		let release!: (answer: Answer) => void;
		const slow = () => new Promise<Answer>((resolve) => (release = resolve));
		const both = Promise.all([reads.read('t1', slow), reads.read('t1', slow)]);
		release({ final: true });
		expect(await both).toEqual([{ final: true }, { final: true }]);
		expect(reads.sent).toBe(1);
	});

	it('recentlyUnfinished: only for a key read as unfinished less than freshMs ago', async () => {
		const reads = throttle();
		expect(reads.recentlyUnfinished('never-read')).toBe(false);
		await reads.read('t1', running);
		await reads.read('t2', async () => ({ final: true }));
		expect([reads.recentlyUnfinished('t1'), reads.recentlyUnfinished('t2')]).toEqual([true, false]);
		now += FRESH - 1;
		expect(reads.recentlyUnfinished('t1')).toBe(true);
		now += 1;
		expect(reads.recentlyUnfinished('t1')).toBe(false);
	});

	it('remembers refutations of several keys side by side', async () => {
		const reads = throttle();
		await reads.checkClaim('a', running, refuted);
		now += 10;
		await reads.checkClaim('b', running, refuted);
		expect(await reads.checkClaim('a', running, refuted)).toBeUndefined();
		expect(await reads.checkClaim('b', running, refuted)).toBeUndefined();
		expect(reads.sent).toBe(2);
	});

	it('keeps at most `kept` keys: the oldest refutation is dropped, and that key is read again', async () => {
		const reads = throttle(2);
		for (const key of ['a', 'b', 'c']) {
			await reads.checkClaim(key, running, refuted);
			now += 1;
		}
		expect(await reads.checkClaim('b', running, refuted)).toBeUndefined();
		expect(await reads.checkClaim('c', running, refuted)).toBeUndefined();
		expect(await reads.checkClaim('a', running, refuted)).toEqual({ final: false });
		expect(reads.sent).toBe(4);
	});

	it('drops stale refutations first: a fresh one survives when the memory is full', async () => {
		const reads = throttle(2);
		await reads.checkClaim('old', running, refuted);
		now += FRESH;
		await reads.checkClaim('b', running, refuted);
		now += 1;
		await reads.checkClaim('c', running, refuted);
		// 'old' was stale and went first; 'b' is still remembered beside 'c'.
		expect(await reads.checkClaim('b', running, refuted)).toBeUndefined();
		expect(await reads.checkClaim('c', running, refuted)).toBeUndefined();
	});
});
