import { describeEntry, TaskLedger } from '../../../nodes/KlingCometApi/helpers/ledger';

describe('TaskLedger', () => {
	it('tells its listener about each new task id once, with the ledger so far', () => {
		const seen: string[] = [];
		const ledger = new TaskLedger({
			taskRecorded: (entry, all) => seen.push(`${entry.itemIndex}:${entry.taskId}:${all.withTasks().length}`),
		});
		ledger.task(1, 'b');
		ledger.task(0, 'a', 'submitted');
		ledger.task(0, 'a', 'processing');
		ledger.status(0, 'succeed', 'https://v');
		expect(seen).toEqual(['1:b:1', '0:a:2']);
		expect(ledger.withTasks().map((e) => e.itemIndex)).toEqual([0, 1]);
		expect(ledger.get(0)).toMatchObject({ taskStatus: 'succeed', videoUrl: 'https://v', state: 'running' });
	});

	it('tells its listener about each status change of a known task, once per change', () => {
		const changes: string[] = [];
		const ledger = new TaskLedger({
			taskRecorded: () => {},
			statusChanged: (entry) => changes.push(`${entry.itemIndex}:${entry.taskId}:${entry.taskStatus}`),
		});
		ledger.task(0, 'a', 'submitted');
		ledger.status(0, 'submitted');
		ledger.status(0, 'processing');
		ledger.status(0, 'processing');
		ledger.task(0, 'a', 'succeed');
		ledger.status(1, 'processing');
		expect(changes).toEqual(['0:a:processing', '0:a:succeed']);
	});

	it('a failure before any task leaves nothing; an unknown create stays unknown', () => {
		const ledger = new TaskLedger();
		ledger.failed(0, 'refused');
		expect(ledger.all()).toEqual([]);
		ledger.unknownCreate(1, 'reset');
		ledger.failed(1, 'outcome unknown');
		expect(ledger.get(1)).toMatchObject({ state: 'unknown', reason: 'reset' });
		ledger.failed(2, 'timed out', { taskId: 'c', taskStatus: 'processing' });
		expect(ledger.get(2)).toMatchObject({
			state: 'failed',
			taskId: 'c',
			taskStatus: 'processing',
			reason: 'timed out',
		});
	});

	it('finished() only marks items it knows', () => {
		const ledger = new TaskLedger();
		ledger.finished(3);
		expect(ledger.get(3)).toBeUndefined();
	});

	it('summarises each state in words, skipping the item that raised the error', () => {
		const ledger = new TaskLedger();
		ledger.task(0, 'a', 'succeed');
		ledger.status(0, 'succeed', 'https://cdn/a.mp4');
		ledger.finished(0);
		ledger.task(1, 'b', 'processing');
		ledger.task(2, 'c', 'submitted');
		ledger.finished(2);
		ledger.task(3, 'd');
		ledger.failed(3, 'Kling task d failed: risk');
		ledger.unknownCreate(4, 'network ECONNRESET');
		ledger.task(5, 'f', 'succeed');
		ledger.status(5, 'succeed', 'https://cdn/f.mp4');
		expect(ledger.summary(3)).toBe(
			[
				'item 0: task a succeed, video https://cdn/a.mp4',
				'item 1: task b processing, still running on CometAPI: collect it with Get Task',
				'item 2: task c submitted, handed on without waiting',
				'item 4: the create request was sent but no answer came back, a task may exist (network ECONNRESET)',
				'item 5: task f succeed, video https://cdn/f.mp4 (not downloaded)',
			].join('; '),
		);
		expect(describeEntry({ itemIndex: 3, taskId: 'd', state: 'failed', reason: 'x' })).toBe(
			'item 3: task d failed (x)',
		);
		expect(describeEntry({ itemIndex: 6, state: 'running' })).toBe(
			'item 6: task (id unknown) submitted, still running on CometAPI: collect it with Get Task',
		);
	});
});
