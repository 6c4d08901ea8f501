import { router } from '../../../../nodes/KlingCometApi/actions/router';
import { createParameters, DOCUMENTED_QUOTA, fakeContext, ok, task, withQuota } from '../../../helpers/fake-context';

const DOCUMENTED = DOCUMENTED_QUOTA;

describe('router: Account → Get Balance and Minimum Balance', () => {
	it('Get Balance outputs balance_usd and the answer as given, keys untouched', async () => {
		const fake = withQuota([{ statusCode: 200, body: DOCUMENTED }], {
			parameters: { resource: 'account', operation: 'getBalance' },
		});
		const [out] = await router.call(fake.ctx);
		expect(out).toEqual([{ json: { balance_usd: 2105.234088, ...DOCUMENTED }, pairedItem: { item: 0 } }]);
		expect(Object.keys(out[0].json)[0]).toBe('balance_usd');
	});

	it('Get Balance needs both dates or neither, before anything is sent', async () => {
		const fake = withQuota([], {
			parameters: { resource: 'account', operation: 'getBalance', options: { startDate: '2026-01-01' } },
		});
		await expect(router.call(fake.ctx)).rejects.toThrow(/both Daily Usage From and Daily Usage To/);
		expect(fake.quotaRequests).toHaveLength(0);
	});

	it('Minimum Balance reads the balance once for all items, before the first create', async () => {
		const fake = withQuota([{ statusCode: 200, body: { total_quota: 10 } }], {
			parameters: createParameters({ options: { minimumBalance: 5 } }),
			itemParameters: { prompt: ['one', 'two', 'three'] },
			api: [ok(task('submitted'))],
		});
		const [out] = await router.call(fake.ctx);
		expect(out).toHaveLength(3);
		expect(fake.quotaRequests).toHaveLength(1);
		expect(fake.apiRequests()).toHaveLength(3);
	});

	it('below the minimum: an error naming both figures, and no create', async () => {
		const fake = withQuota([{ statusCode: 200, body: { total_quota: 3.5 } }], {
			parameters: createParameters({ options: { minimumBalance: 5 } }),
			itemParameters: { prompt: ['one', 'two'] },
			api: [ok(task('submitted'))],
		});
		await expect(router.call(fake.ctx)).rejects.toMatchObject({
			message:
				'The CometAPI balance is 3.5 USD, below the Minimum Balance of 5 USD: nothing was sent, no task was created',
			context: expect.objectContaining({ itemIndex: 0 }),
		});
		expect(fake.apiRequests()).toHaveLength(0);
	});

	it('a minimum of 0 (the default) reads no balance', async () => {
		const fake = withQuota([], { parameters: createParameters(), api: [ok(task('submitted'))] });
		await router.call(fake.ctx);
		expect(fake.quotaRequests).toHaveLength(0);
	});

	it('a negative minimum is refused without any request', async () => {
		const fake = withQuota([], { parameters: createParameters({ options: { minimumBalance: -1 } }), api: [] });
		await expect(router.call(fake.ctx)).rejects.toThrow(/Minimum Balance must be a number of USD, 0 or more/);
		expect(fake.requests).toHaveLength(0);
		expect(fake.quotaRequests).toHaveLength(0);
	});
});

describe("Kling's cost: final_unit_deduction", () => {
	it('is passed through in the output when a task read carries it (CometAPI does not document it)', async () => {
		const fake = fakeContext({
			parameters: { resource: 'video', operation: 'get', taskId: 't1', taskKind: 'text2video', download: false },
			api: [ok(task('succeed', { final_unit_deduction: '1.5' }))],
		});
		const [out] = await router.call(fake.ctx);
		expect(out[0].json).toMatchObject({ task_id: 't1', task_status: 'succeed', final_unit_deduction: '1.5' });
	});

	it('is not needed: a task without it reads the same', async () => {
		const fake = fakeContext({
			parameters: { resource: 'video', operation: 'get', taskId: 't1', taskKind: 'text2video', download: false },
			api: [ok(task('succeed'))],
		});
		const [out] = await router.call(fake.ctx);
		expect(out[0].json).toMatchObject({ task_id: 't1', task_status: 'succeed' });
		expect(out[0].json).not.toHaveProperty('final_unit_deduction');
	});
});
