import { ManualExecutionCancelledError, TimeoutExecutionCancelledError } from 'n8n-workflow';
import { cancellationError, pause, settleBy, throwIfAborted } from '../../../nodes/KlingCometApi/helpers/cancellation';

describe('cancellation', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0 }));
	afterEach(() => jest.useRealTimers());

	it("passes n8n's own cancellation reason through, and makes one otherwise", () => {
		const timeout = new TimeoutExecutionCancelledError('exec-1');
		const byReason = new AbortController();
		byReason.abort(timeout);
		expect(cancellationError(byReason.signal)).toBe(timeout);
		const named = Object.assign(new Error('x'), { name: 'SomeOtherExecutionCancelledError' });
		const byName = new AbortController();
		byName.abort(named);
		expect(cancellationError(byName.signal)).toBe(named);
		const plain = new AbortController();
		plain.abort(new Error('because'));
		expect(cancellationError(plain.signal)).toBeInstanceOf(ManualExecutionCancelledError);
		const none = new AbortController();
		none.abort();
		expect(cancellationError(none.signal)).toBeInstanceOf(ManualExecutionCancelledError);
	});

	it('throwIfAborted throws only after an abort', () => {
		const controller = new AbortController();
		expect(() => throwIfAborted(controller.signal)).not.toThrow();
		controller.abort();
		expect(() => throwIfAborted(controller.signal)).toThrow(ManualExecutionCancelledError);
	});

	it('pause sleeps the given time (never less than 0) and leaves no listener behind', async () => {
		const controller = new AbortController();
		const added = jest.spyOn(controller.signal, 'addEventListener');
		const removed = jest.spyOn(controller.signal, 'removeEventListener');
		let done = false;
		const sleeping = pause(1000, controller.signal).then(() => (done = true));
		await jest.advanceTimersByTimeAsync(999);
		expect(done).toBe(false);
		await jest.advanceTimersByTimeAsync(1);
		await sleeping;
		expect(done).toBe(true);
		expect(removed).toHaveBeenCalledTimes(added.mock.calls.length);
		const negative = pause(-5, controller.signal);
		await jest.advanceTimersByTimeAsync(0);
		await expect(negative).resolves.toBeUndefined();
	});

	it('pause ends at once on abort, and refuses to start after one', async () => {
		const controller = new AbortController();
		const sleeping = pause(60_000, controller.signal);
		const assertion = expect(sleeping).rejects.toBeInstanceOf(ManualExecutionCancelledError);
		controller.abort();
		await assertion;
		await expect(pause(10, controller.signal)).rejects.toBeInstanceOf(ManualExecutionCancelledError);
	});

	it('settleBy: the work, the deadline or the stop, whichever comes first', async () => {
		await expect(settleBy(Promise.resolve(7), Date.now() + 1000)).resolves.toEqual({ done: true, value: 7 });
		const never = new Promise<number>(() => {});
		const late = settleBy(never, Date.now() + 500);
		await jest.advanceTimersByTimeAsync(500);
		await expect(late).resolves.toEqual({ done: false, reason: 'deadline' });
		const past = settleBy(never, Date.now() - 100);
		await jest.advanceTimersByTimeAsync(0);
		await expect(past).resolves.toEqual({ done: false, reason: 'deadline' });
		const controller = new AbortController();
		const stopped = settleBy(never, Date.now() + 60_000, controller.signal);
		controller.abort();
		await expect(stopped).resolves.toEqual({ done: false, reason: 'aborted' });
		await expect(settleBy(never, Date.now() + 60_000, controller.signal)).resolves.toEqual({
			done: false,
			reason: 'aborted',
		});
		await expect(settleBy(Promise.reject(new Error('boom')), Date.now() + 1000)).rejects.toThrow('boom');
	});

	it('settleBy swallows a late rejection of work it gave up on', async () => {
		let reject: (error: Error) => void = () => {};
		const work = new Promise<number>((_, r) => (reject = r));
		const settled = settleBy(work, Date.now() + 10);
		await jest.advanceTimersByTimeAsync(10);
		await settled;
		const unhandled = jest.fn();
		process.on('unhandledRejection', unhandled);
		reject(new Error('late'));
		await jest.advanceTimersByTimeAsync(0);
		await new Promise((r) => jest.requireActual<typeof import('node:timers')>('node:timers').setImmediate(r));
		process.off('unhandledRejection', unhandled);
		expect(unhandled).not.toHaveBeenCalled();
	});
});
