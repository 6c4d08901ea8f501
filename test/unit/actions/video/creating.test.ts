/** Create Video through the router, on the fake context: the exact requests sent and errors raised. */
import type { IDataObject } from 'n8n-workflow';
import { router } from '../../../../nodes/KlingCometApi/actions/router';
import type { Scripted } from '../../../helpers/fake-context';
import {
	createParameters,
	fakeContext,
	klingError,
	networkError,
	ok,
	task,
	video,
} from '../../../helpers/fake-context';

const create = createParameters;
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

describe('Create Video: the request', () => {
	it('sends the validated body once and returns the task without waiting', async () => {
		const run = await runNode(
			create({ additionalFields: { duration: 5, aspectRatio: '9:16', externalTaskId: 'o-1' } }),
			[ok(task('submitted'))],
		);
		expect(run.error).toBeUndefined();
		expect(run.apiRequests()).toEqual([
			expect.objectContaining({
				method: 'POST',
				url: PATH,
				body: { prompt: 'a fox', model_name: 'kling-v1', duration: '5', aspect_ratio: '9:16', external_task_id: 'o-1' },
			}),
		]);
		expect(run.output![0].json).toMatchObject({ task_id: 't1', task_status: 'submitted' });
	});

	it('waits: reads the task until it succeeds, then downloads the video into the named field', async () => {
		const run = await runNode(
			create({ waitMode: 'poll', pollInterval: 0.5, binaryPropertyName: 'clip' }),
			[ok(task('submitted')), ok(task('processing')), ok(task('succeed'))],
			{ cdn: [video(2048)] },
		);
		expect(run.error).toBeUndefined();
		expect(run.apiRequests().map((r) => `${r.method} ${r.url}`)).toEqual([
			`POST ${PATH}`,
			`GET ${PATH}/t1`,
			`GET ${PATH}/t1`,
		]);
		expect(run.downloads()).toEqual([
			expect.objectContaining({ url: 'https://cdn.example.test/t1.mp4', authenticated: false }),
		]);
		expect(run.output![0].json).toMatchObject({ task_status: 'succeed', video_url: 'https://cdn.example.test/t1.mp4' });
		expect(run.output![0].binary!.clip).toMatchObject({ fileName: 't1.mp4', mimeType: 'video/mp4', bytes: 2048 });
	});
});

describe('Create Video: what is resent and what is not', () => {
	const runFaked = (parameters: Record<string, unknown>, api: Scripted[]) => runNode(parameters, api);

	it('a rate-limited create is sent again and exactly one task results', async () => {
		const run = await runFaked(create(), [klingError(429, 1302), klingError(429, 1303), ok(task('submitted'))]);
		expect(run.error).toBeUndefined();
		expect(run.apiRequests()).toHaveLength(3);
	});

	it.each<[string, Scripted]>([
		['a reset connection', networkError('ECONNRESET', 'socket hang up')],
		['a 500', klingError(500, 5000)],
		['a 502 web page', { statusCode: 502, body: '<html>bad gateway</html>' }],
		['a 200 without a task id', { statusCode: 200, body: { code: 0, data: {} } }],
	])('after %s the outcome is unknown: never resent, and the error says a task may exist', async (_name, answer) => {
		const run = await runFaked(create({ additionalFields: { externalTaskId: 'order-9' } }), [
			answer,
			ok(task('submitted')),
		]);
		// Never sent again; the one other request looks the task up by its External Task ID (its answer
		// does not echo that id, so it is not trusted).
		expect(run.apiRequests().map((r) => `${r.method} ${r.url.replace(/^.*\/videos\//, '')}`)).toEqual([
			'POST text2video',
			'GET text2video/order-9',
		]);
		expect(run.error.message).toBe(
			'The create request reached CometAPI but no usable answer came back: a task may have been created and billed',
		);
		expect(run.error.description).toMatch(
			/^Do not simply run again: check the task list in your CometAPI console, External Task ID "order-9"/,
		);
	});

	it('a refused connection is tried 3 times, then reported as "nothing was sent" within seconds', async () => {
		const refused = Object.assign(new Error('The service refused the connection - perhaps it is offline'), {
			httpCode: 'ECONNREFUSED',
		});
		const started = Date.now();
		const run = await runFaked(create(), [refused]);
		expect(run.apiRequests()).toHaveLength(3);
		expect(run.apiRequests()[2].at - started).toBeLessThan(10_000);
		expect(run.error.message).toBe('CometAPI could not be reached at https://api.example.test: nothing was sent');
		expect(run.error.description).toMatch(
			/^No task was created, nothing was billed \(3 tries over \d+(\.\d)? s\)\. Check the credential's Base URL/,
		);
	});

	it('a create refused for good is not resent and says no task was created', async () => {
		const run = await runFaked(create(), [klingError(400, 1301, 'unsafe')]);
		expect(run.apiRequests()).toHaveLength(1);
		expect(run.error.message).toMatch(/content safety/);
		expect(run.error.description).toMatch(/^No task was created, nothing was billed\. API message: unsafe/);
	});

	it('keeps refusing: stops within its budget and says how long it tried', async () => {
		const run = await runFaked(create(), [klingError(429, 1303)]);
		expect(run.error.description).toMatch(/CometAPI kept refusing the create for \d+ min( \d+ s)? \(\d+ tries\)/);
		const last = run.apiRequests().at(-1)!.at;
		expect(last).toBeLessThanOrEqual(3 * 60_000);
	});
});

describe('Create Video: after the task exists', () => {
	it('Stop right after the create still records the task before ending', async () => {
		const controller = new AbortController();
		const fake = fakeContext({
			parameters: create({ waitMode: 'poll', pollInterval: 60 }),
			cancelSignal: controller.signal,
			api: () => {
				controller.abort();
				return ok(task('submitted', { task_id: 'paid-1' }));
			},
		});
		await expect(router.call(fake.ctx)).rejects.toMatchObject({ name: 'ManualExecutionCancelledError' });
		expect(fake.customData.kling_Kling).toBe('0:paid-1');
		expect(fake.apiRequests()).toHaveLength(1);
	});

	it('a task that succeeded without a video is an error naming it', async () => {
		const run = await runNode(create({ waitMode: 'poll', pollInterval: 0.5 }), [
			ok(task('submitted')),
			ok(task('succeed', { task_result: { videos: [] } })),
		]);
		expect(run.error.message).toBe('Kling task t1 finished but returned no video');
		expect(run.error.context).toMatchObject({ taskId: 't1', taskStatus: 'succeed' });
	});
});
