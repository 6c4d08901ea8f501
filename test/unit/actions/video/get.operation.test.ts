/** Get Task through the router, on the fake context: the exact reads sent and errors raised. */
import type { IDataObject } from 'n8n-workflow';
import { router } from '../../../../nodes/KlingCometApi/actions/router';
import type { Scripted } from '../../../helpers/fake-context';
import { fakeContext, klingError, ok, task, video } from '../../../helpers/fake-context';

const get = (taskId: unknown, extra: Record<string, unknown> = {}) => ({
	resource: 'video',
	operation: 'get',
	taskId,
	...extra,
});
const PATH = 'https://api.example.test/kling/v1/videos/text2video';

async function runNode(
	parameters: Record<string, unknown>,
	api: Scripted[] | ((r: { method: string; url: string }) => Scripted),
	more: object = {},
) {
	const fake = fakeContext({ parameters: parameters as IDataObject, api, ...more });
	const pending = router.call(fake.ctx).then(
		(output) => ({ output: output[0], error: undefined }),
		(error) => ({ output: undefined, error }),
	);
	await jest.advanceTimersByTimeAsync(30 * 60_000);
	return { ...fake, ...(await pending) };
}

beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

describe('Get Task: which path reads the task', () => {
	it("Auto takes the input item's task_kind (every Create output has it): one read, under that kind", async () => {
		const run = await runNode(get('t1'), [ok(task('processing'))], {
			items: [{ task_id: 't1', task_kind: 'image2video' }],
		});
		expect(run.error).toBeUndefined();
		expect(run.requests.map((r) => r.url)).toEqual(['https://api.example.test/kling/v1/videos/image2video/t1']);
		expect(run.output![0].json.task_kind).toBe('image2video');
	});

	it('Auto without a task_kind tries each kind until one knows the task; a chosen kind reads only there', async () => {
		const auto = await runNode(get('t1'), [klingError(404, 1203, 'task not found'), ok(task('processing'))]);
		expect(auto.requests.map((r) => r.url.replace(/^.*\/videos\//, ''))).toEqual(['text2video/t1', 'image2video/t1']);
		expect(auto.output![0].json.task_kind).toBe('image2video');
		const chosen = await runNode(get('t1', { taskKind: 'multi-image2video' }), [ok(task('processing'))], {
			items: [{ task_kind: 'image2video' }],
		});
		expect(chosen.requests.map((r) => r.url.replace(/^.*\/videos\//, ''))).toEqual(['multi-image2video/t1']);
	});
});

describe('Get Task', () => {
	it('reads once, at the task path, and returns a pending task as a normal answer', async () => {
		const run = await runNode(get('860733404216143937'), [ok(task('processing', { task_id: '860733404216143937' }))]);
		expect(run.apiRequests().map((r) => r.url)).toEqual([`${PATH}/860733404216143937`]);
		expect(run.output![0].json).toMatchObject({ task_status: 'processing' });
		expect(run.output![0].binary).toBeUndefined();
	});

	it('a finished task is downloaded without waiting; a failed one is returned as it is', async () => {
		const done = await runNode(get('t1'), [ok(task('succeed'))], { cdn: [video()] });
		expect(done.output![0].binary!.data).toMatchObject({ fileName: 't1.mp4' });
		const failed = await runNode(get('t1'), [ok(task('failed', { task_status_msg: 'risk' }))]);
		expect(failed.output![0].json).toMatchObject({ task_status: 'failed', task_status_msg: 'risk' });
	});

	it('a read answer naming another task id does not change ours', async () => {
		const run = await runNode(get('t1'), [ok(task('processing', { task_id: '../evil' }))]);
		expect(run.output![0].json.task_id).toBe('t1');
	});

	it('an id given as a safe number is read as text', async () => {
		const run = await runNode(get(12345), [ok(task('processing', { task_id: '12345' }))]);
		expect(run.apiRequests()[0].url).toBe(`${PATH}/12345`);
	});

	it.each(['.', '..', '', 'a/b', 'x'.repeat(129), 2 ** 60])('refuses %p before any request', async (taskId) => {
		const run = await runNode(get(taskId), []);
		expect(run.error.name).toBe('NodeOperationError');
		expect(run.requests).toHaveLength(0);
	});
});
