/** The router's side of Pause Until Callback: pause or finish at once, and the resumed run. */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { router } from '../../nodes/KlingCometApi/actions/router';
import { PENDING_TASK_FIELD } from '../../nodes/KlingCometApi/actions/video/callback';
import { callbackSignature } from '../../nodes/KlingCometApi/helpers/signing';
import type { RecordedRequest, Scripted } from '../helpers/fake-context';
import { createParameters, fakeContext, klingError, ok, task, UNIT_KEY, video } from '../helpers/fake-context';

const pauseParameters = (extra: Record<string, unknown> = {}) =>
	createParameters({ waitMode: 'callback', timeout: 30, download: true, binaryPropertyName: 'data', ...extra });

/** Creates answer t0, t1, ...; reads answer the status given per task id. */
function cometapi(statuses: Record<string, string>, createAnswers: Scripted[] = []) {
	let created = 0;
	return (request: RecordedRequest): Scripted => {
		if (request.method === 'POST') {
			const scripted = createAnswers[created];
			const id = `t${created++}`;
			return scripted ?? ok(task('submitted', { task_id: id }));
		}
		const id = request.url.split('/').pop()!;
		return ok(task(statuses[id] ?? 'processing', { task_id: id }));
	};
}

const pendingOf = (item: INodeExecutionData) => item.json[PENDING_TASK_FIELD] as IDataObject;

function resumedItems(tasks: IDataObject[], extra: IDataObject = {}): IDataObject[] {
	return tasks.map((finished, item) => ({
		prompt: `prompt ${item}`,
		[PENDING_TASK_FIELD]: {
			state: 'finished',
			node: 'Kling',
			node_id: 'node-1',
			execution_id: 'exec-1',
			item,
			task_id: finished.task_id,
			task_status: 'submitted',
			timeout_at: '',
			note: '',
			task: finished,
			...extra,
		},
	}));
}

describe('Pause Until Callback: before pausing', () => {
	it('creates with the resume URL as callback_url, reads each task once, and pauses until the Timeout', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: [{ prompt: 'a' }, { prompt: 'b' }],
			api: cometapi({ t0: 'succeed', t1: 'processing' }),
		});
		const started = Date.now();
		const [output] = await router.call(fake.ctx);
		expect(fake.paused).toHaveLength(1);
		const until = fake.paused[0].getTime() - started;
		expect(until).toBeGreaterThanOrEqual(30 * 60_000 - 1000);
		expect(until).toBeLessThanOrEqual(30 * 60_000 + 1000);
		const creates = fake.apiRequests().filter((r) => r.method === 'POST');
		// The resume URL with n8n's own token kept, signed for this execution and node under the key.
		const signed = `https://n8n.example.test/webhook-waiting/exec-1/node-1?signature=abc&kling_kind=text2video&kling_sig=${callbackSignature(UNIT_KEY, 'exec-1/node-1', 'text2video')}`;
		expect(creates.map((r) => (r.body as IDataObject).callback_url)).toEqual([signed, signed]);
		expect(fake.apiRequests().filter((r) => r.method === 'GET')).toHaveLength(2);
		expect(fake.downloads()).toHaveLength(0);
		// The input items themselves carry the tasks: that is what n8n stores with the waiting execution.
		expect(fake.items.map(pendingOf)).toEqual([
			expect.objectContaining({
				state: 'waiting',
				item: 0,
				task_id: 't0',
				task: expect.objectContaining({ task_status: 'succeed' }),
			}),
			expect.objectContaining({ state: 'waiting', item: 1, task_id: 't1', node_id: 'node-1', execution_id: 'exec-1' }),
		]);
		expect(pendingOf(fake.items[1]).task).toBeUndefined();
		// What an item handed on at the Timeout says (n8n passes it through unchanged): facts from before the pause.
		const waiting = pendingOf(fake.items[1]);
		expect(waiting).not.toHaveProperty('task_status');
		expect(waiting).toMatchObject({ status_before_pause: 'processing', signed_callback: true });
		expect(Math.abs(Date.parse(String(waiting.status_read_at)) - Date.now())).toBeLessThan(60_000);
		expect(waiting.note).toMatch(
			/^NOT DELIVERED: .*before the Timeout \(\d{4}-.*\)\. .*may have finished since.*Get Task/,
		);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(fake.customData.kling_Kling).toBe('0:t0 1:t1');
	});

	it('does not pause when every task finished before the pause: downloads at once', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: [{}, {}],
			api: cometapi({ t0: 'succeed', t1: 'succeed' }),
			cdn: [video()],
		});
		const [output] = await router.call(fake.ctx);
		expect(fake.paused).toHaveLength(0);
		expect(output.map((item) => item.json.task_id)).toEqual(['t0', 't1']);
		expect(output.every((item) => item.binary?.data)).toBe(true);
		expect(fake.items.every((item) => item.json[PENDING_TASK_FIELD] === undefined)).toBe(true);
	});

	it('keeps a create that failed under Continue On Fail as an error in its item, and pauses for the rest', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: [{}, {}],
			continueOnFail: true,
			api: cometapi({}, [ok(task('submitted', { task_id: 't0' })), klingError(400, 1201, 'prompt is not allowed')]),
		});
		await router.call(fake.ctx);
		expect(fake.paused).toHaveLength(1);
		expect(pendingOf(fake.items[1])).toMatchObject({
			task_id: null,
			error: {
				message: 'CometAPI refused the parameters of this request',
				description: expect.stringContaining('prompt is not allowed'),
			},
		});
	});

	it("refuses the user's Callback URL before any request", async () => {
		const fake = fakeContext({
			parameters: pauseParameters({ additionalFields: { callbackUrl: 'https://example.test/hook' } }),
			api: [],
		});
		await expect(router.call(fake.ctx)).rejects.toMatchObject({
			message: expect.stringMatching(/Callback URL cannot be used/),
		});
		expect(fake.requests).toHaveLength(0);
	});

	it('refuses to pause when CometAPI could never reach n8n, before any request', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			resumeUrl: 'http://localhost:5678/webhook-waiting/7',
			api: [],
		});
		await expect(router.call(fake.ctx)).rejects.toMatchObject({
			message: expect.stringMatching(/set n8n's WEBHOOK_URL/),
		});
		expect(fake.requests).toHaveLength(0);
	});
});

describe('Pause Until Callback: the resumed run', () => {
	const finished = (id: string, status = 'succeed') => ({ ...task(status, { task_id: id }) });

	it('finishes every item from the tasks the callbacks confirmed: no create, no read, videos downloaded', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: resumedItems([finished('t0'), finished('t1')]),
			api: [],
			cdn: [video()],
		});
		const [output] = await router.call(fake.ctx);
		expect(fake.apiRequests()).toHaveLength(0);
		expect(fake.downloads()).toHaveLength(2);
		expect(output.map((item) => item.json.task_id)).toEqual(['t0', 't1']);
		expect(output.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(output.every((item) => item.binary?.data && item.json[PENDING_TASK_FIELD] === undefined)).toBe(true);
		expect(fake.paused).toHaveLength(0);
	});

	it('a failed task fails the node naming it, and names the finished sibling with its video', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: resumedItems([finished('t0'), finished('t1', 'failed')]),
			api: [],
			cdn: [video()],
		});
		await expect(router.call(fake.ctx)).rejects.toMatchObject({
			message: expect.stringContaining('Kling task t1 failed'),
			description: expect.stringContaining('item 0: task t0 succeed, video https://cdn.example.test/t1.mp4'),
		});
	});

	it('with Continue On Fail: the failed task and the earlier create error become error items', async () => {
		const items = resumedItems([finished('t0'), finished('t1', 'failed')]);
		(items[1][PENDING_TASK_FIELD] as IDataObject).task = undefined;
		(items[1][PENDING_TASK_FIELD] as IDataObject).error = { message: 'CometAPI refused the create' };
		const fake = fakeContext({ parameters: pauseParameters(), items, api: [], cdn: [video()], continueOnFail: true });
		const [output] = await router.call(fake.ctx);
		expect(output[0].binary?.data).toBeDefined();
		expect(output[1].json).toMatchObject({ error: 'CometAPI refused the create' });
	});

	it('items finished by another node or another execution are input, not a resume', async () => {
		const fake = fakeContext({
			parameters: pauseParameters(),
			items: resumedItems([finished('t0')], { execution_id: 'some-other-execution' }),
			api: cometapi({ t0: 'succeed' }),
			cdn: [video()],
		});
		await router.call(fake.ctx);
		expect(fake.apiRequests().filter((r) => r.method === 'POST')).toHaveLength(1);
	});
});
