import { checkMinimumBalance } from '../../../nodes/KlingCometApi/helpers/balance';
import { BALANCE_READ_MS } from '../../../nodes/KlingCometApi/transport/balance';
import type { Scripted } from '../../helpers/fake-context';
import { networkError, UNIT_QUOTA_URL, withQuota } from '../../helpers/fake-context';

const NOTHING_SENT = 'nothing was sent, no task was created';

/** Minimum Balance per item, and the balance query's answers. */
function check(minima: unknown[], quota: Scripted[]) {
	const fake = withQuota(quota, { itemParameters: { 'options.minimumBalance': minima } });
	const logged: string[] = [];
	const indices = minima.map((_, i) => i);
	const result = checkMinimumBalance.call(fake.ctx, indices, { log: (line) => logged.push(line) });
	return { fake, logged, result };
}

const balanceOf = (total: unknown): Scripted => ({ statusCode: 200, body: { total_quota: total } });

describe('checkMinimumBalance: Options → Minimum Balance before the first create', () => {
	it.each([[0], [''], [null], [undefined]])('a minimum of %j means no check: no read, no refusal', async (minimum) => {
		const { fake, result, logged } = check([minimum], []);
		expect((await result).size).toBe(0);
		expect(fake.quotaRequests).toHaveLength(0);
		expect(logged).toEqual([]);
	});

	it('a minimum that an expression resolved to undefined means no check', async () => {
		const fake = withQuota([]);
		fake.ctx.getNodeParameter = (() => undefined) as never;
		expect((await checkMinimumBalance.call(fake.ctx, [0])).size).toBe(0);
		expect(fake.quotaRequests).toHaveLength(0);
	});

	it.each([[-1], ['abc'], [Infinity], [NaN], ['-0.5']])(
		'a minimum of %j is refused for its item, naming the value, and nothing is read',
		async (minimum) => {
			const { fake, result } = check([0, minimum], []);
			const refused = await result;
			expect([...refused.keys()]).toEqual([1]);
			expect(refused.get(1)).toMatchObject({
				message: `Options → Minimum Balance must be a number of USD, 0 or more (0 = no check), not "${String(minimum)}": ${NOTHING_SENT}`,
				context: expect.objectContaining({ itemIndex: 1 }),
			});
			expect(fake.quotaRequests).toHaveLength(0);
		},
	);

	it('reads the balance once for every item that sets a minimum, within 30 s, and logs it', async () => {
		const before = Date.now();
		const { fake, result, logged } = check([5, 0, '7', 2], [balanceOf(10.25)]);
		expect((await result).size).toBe(0);
		expect(fake.quotaRequests).toHaveLength(1);
		const timeout = fake.quotaRequests[0].timeout!;
		expect(timeout).toBeGreaterThan(BALANCE_READ_MS - (Date.now() - before) - 1000);
		expect(timeout).toBeLessThanOrEqual(BALANCE_READ_MS);
		expect(logged).toEqual(['CometAPI balance 10.25 USD read for Minimum Balance']);
	});

	it('a balance equal to the minimum is enough; a cent below it is not', async () => {
		const { result } = check([5, 5.01, '5'], [balanceOf(5)]);
		const refused = await result;
		expect([...refused.keys()]).toEqual([1]);
		expect(refused.get(1)).toMatchObject({
			message: `The CometAPI balance is 5 USD, below the Minimum Balance of 5.01 USD: ${NOTHING_SENT}`,
			description:
				"The balance is the account's total_quota from CometAPI's balance query, read once before this run's first create. Top up your CometAPI account, or lower Options → Minimum Balance.",
			context: expect.objectContaining({ itemIndex: 1 }),
		});
	});

	it('a balance that cannot be read refuses every item with a minimum, saying why and what to change', async () => {
		const { result, logged } = check(
			[3, 0, 4],
			[Object.assign(networkError('ECONNREFUSED'), { config: { url: `${UNIT_QUOTA_URL}/user/quota?key=sk-x` } })],
		);
		const refused = await result;
		expect([...refused.keys()]).toEqual([0, 2]);
		expect(refused.get(2)).toMatchObject({
			message: `Could not read the CometAPI balance, which Options → Minimum Balance (4 USD) requires: ${NOTHING_SENT}`,
			description: `CometAPI's balance query could not be reached at ${UNIT_QUOTA_URL} (ECONNREFUSED): check the credential's Balance Query URL and that n8n can reach it. Without a balance the node creates no task, as Minimum Balance asks. Check the credential's Balance Query URL (default https://query.cometapi.com), or set Minimum Balance to 0 to create without the check.`,
			context: expect.objectContaining({ itemIndex: 2 }),
		});
		expect(refused.get(0)).toMatchObject({ context: expect.objectContaining({ itemIndex: 0 }) });
		expect(logged).toEqual([]);
	});

	it('an answer without a balance counts as unreadable, not as 0', async () => {
		const { result } = check([1], [{ statusCode: 200, body: { username: 'x' } }]);
		expect((await result).get(0)?.message).toMatch(/^Could not read the CometAPI balance/);
	});

	it('refusals come out in item order, whatever refused them', async () => {
		const { result } = check([9, 0, -2, 1], [balanceOf(2)]);
		expect([...(await result).keys()]).toEqual([0, 2]);
	});

	it('only the items it is given are checked', async () => {
		const fake = withQuota([balanceOf(1)], { itemParameters: { 'options.minimumBalance': [5, -1, 0.5] } });
		const refused = await checkMinimumBalance.call(fake.ctx, [2]);
		expect(refused.size).toBe(0);
		expect(fake.quotaRequests).toHaveLength(1);
	});

	it('Stop while the balance is read ends the check with n8n’s cancellation', async () => {
		const stop = new AbortController();
		const fake = withQuota([], { itemParameters: { 'options.minimumBalance': [5] } });
		fake.ctx.helpers.httpRequest = async () => await new Promise(() => {});
		const checking = checkMinimumBalance.call(fake.ctx, [0], { signal: stop.signal });
		stop.abort();
		await expect(checking).rejects.toThrow(/cancel|abort/i);
	});
});
