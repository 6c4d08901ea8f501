/**
 * Account → Get Balance and Options → Minimum Balance in n8n's engine, against the simulator's
 * balance query (tools/simulator/quota.js, its own host as query.cometapi.com is).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import type { RunOptions } from '../../tools/engine';
import type { QuotaFaultType } from '../../tools/simulator/quota';
import { engineLogs, runKlingNode } from '../../tools/engine';
import { createParams, useSimulator, visibleText } from '../helpers/setup';

// A key with characters that URL-encoding changes: the balance query carries it in the URL.
const KEY = 'sk-acct+test/0123456789abcdef';
const KEY_FORMS = [KEY, encodeURIComponent(KEY), KEY.slice(3), encodeURIComponent(KEY.slice(3))];

describe('Account → Get Balance and Minimum Balance in the n8n engine', () => {
	const ctx = useSimulator({ apiKey: KEY });

	/** Runs the node with a credential whose Balance Query URL is the simulator's (or as `credentials` says). */
	function run(
		parameters: IDataObject,
		options: Partial<Omit<RunOptions, 'credentials'>> & { credentials?: IDataObject } = {},
	) {
		const credentials = {
			apiKey: ctx.sim.apiKey,
			baseUrl: ctx.sim.url,
			balanceUrl: ctx.sim.quotaUrl,
			...options.credentials,
		} as RunOptions['credentials'];
		return runKlingNode({ ...options, parameters, credentials });
	}
	const balanceParams = (extra: IDataObject = {}): IDataObject => ({
		resource: 'account',
		operation: 'getBalance',
		...extra,
	});
	const creates = () => ctx.sim.requestsOf('create');
	/** The key in none of its forms: outputs, errors, run data and every log line of the run. */
	function expectNoKey(result: Awaited<ReturnType<typeof run>>, logsFrom: number) {
		const seen = visibleText(result) + JSON.stringify(engineLogs.slice(logsFrom));
		for (const form of KEY_FORMS) expect(seen).not.toContain(form);
	}

	describe('Get Balance', () => {
		it('outputs balance_usd (total_quota) and the answer as given, from the balance host only', async () => {
			ctx.sim.quota.setBalance(42.123456);
			const result = await run(balanceParams());
			expect(result.status).toBe('success');
			expect(result.items).toHaveLength(1);
			const json = result.items[0].json;
			expect(json).toEqual({
				balance_usd: 42.123456,
				username: 'sim_user',
				total_quota: 42.123456,
				total_used_quota: 21.065912,
				request_count: 1221,
				keys: [
					{ name: 'sim_key', remain_quota: 42.123456, used_quota: 21.065912 },
					{ name: 'unlimited_key', remain_quota: -1, used_quota: 0 },
					{ name: 'test_key', remain_quota: 999999999, used_quota: -1 },
				],
			});
			expect(result.items[0].pairedItem).toEqual({ item: 0 });
			// One GET with the key in the query, no Authorization header; nothing went to the Base URL.
			expect(ctx.sim.quota.requests).toEqual([
				expect.objectContaining({
					method: 'GET',
					path: '/user/quota',
					keyGiven: true,
					authorized: true,
					authHeader: false,
				}),
			]);
			expect(ctx.sim.requests).toHaveLength(0);
		});

		it('with both dates the answer adds daily_quota', async () => {
			const result = await run(balanceParams({ options: { startDate: '2026-03-01T00:00:00', endDate: '2026-03-03' } }));
			expect(result.status).toBe('success');
			expect(Object.keys(result.items[0].json.daily_quota as IDataObject)).toEqual([
				'2026-03-01',
				'2026-03-02',
				'2026-03-03',
			]);
			expect(ctx.sim.quota.requests[0]).toMatchObject({ startDate: '2026-03-01', endDate: '2026-03-03' });
		});

		it('a wrong key: the answer (which echoes the key) becomes "refused the API key", without the key', async () => {
			const logsFrom = engineLogs.length;
			const wrong = 'sk-wrong+key/9876543210fedcba';
			const result = await run(balanceParams(), { credentials: { apiKey: wrong } });
			expect(result.status).toBe('error');
			expect(String(result.error!.message)).toMatch(/balance query refused the API key \(HTTP 401\)/);
			expect(result.error).toMatchObject({ httpCode: '401' });
			const seen = visibleText(result) + JSON.stringify(engineLogs.slice(logsFrom));
			for (const form of [wrong, encodeURIComponent(wrong), wrong.slice(3)]) expect(seen).not.toContain(form);
			expect(ctx.sim.quota.requests[0]).toMatchObject({ keyGiven: true, authorized: false, status: 401 });
		});

		it.each([
			['html', /answered HTTP 502 with a web page instead of JSON/],
			['status500', /answered with an error \(HTTP 500, code 500\): "internal error, please try again later"/],
			['error200', /answered with an error \(HTTP 200\): "quota service is busy"/],
			['nototal', /answered HTTP 200 without a balance \(no total_quota\)/],
			['notjson', /sent an answer that is not JSON \(HTTP 200\)/],
			['reset', /connection to CometAPI's balance query .* broke before an answer arrived/],
		] as const)('a %s answer is a clear error', async (type, message) => {
			ctx.sim.quota.fault({ type });
			const result = await run(balanceParams());
			expect(result.status).toBe('error');
			expect(String(result.error!.message)).toMatch(message);
			expect(String(result.error!.description)).toMatch(/free; nothing was created or billed/);
		});

		it('an answer echoing the request URL: the key is in no output, error, run data or log line', async () => {
			const logsFrom = engineLogs.length;
			ctx.sim.quota.fault({ type: 'echourl', times: 2 });
			const result = await run(balanceParams());
			expect(result.status).toBe('error');
			expect(String(result.error!.message)).toMatch(/HTTP 400/);
			expect(String(result.error!.message)).toContain('/user/quota?key=***');
			expectNoKey(result, logsFrom);
			// Continue On Fail: the error becomes the item, still without the key.
			const kept = await run(balanceParams(), { continueOnFail: true });
			expect(kept.status).toBe('success');
			expect(kept.items[0].json).toMatchObject({ error: expect.stringMatching(/HTTP 400/), task_id: null });
			expectNoKey(kept, logsFrom);
		});

		it('a connection failure names the Balance Query URL, not the key', async () => {
			const logsFrom = engineLogs.length;
			const result = await run(balanceParams(), { credentials: { balanceUrl: 'http://127.0.0.1:1' } });
			expect(result.status).toBe('error');
			expect(String(result.error!.message)).toMatch(
				/balance query could not be reached at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/,
			);
			expectNoKey(result, logsFrom);
		});

		it('a Balance Query URL with a query is refused before anything is sent', async () => {
			const result = await run(balanceParams(), { credentials: { balanceUrl: `${ctx.sim.quotaUrl}/?x=1` } });
			expect(result.status).toBe('error');
			expect(String(result.error!.message)).toMatch(/Balance Query URL must not contain a query/);
			expect(ctx.sim.quota.requests).toHaveLength(0);
		});
	});

	describe('Options → Minimum Balance', () => {
		const items = [{ n: 1 }, { n: 2 }, { n: 3 }];
		const guarded = (minimumBalance: number) => createParams({ waitMode: 'none', options: { minimumBalance } });

		it('below the minimum: an error naming both figures, one balance read, no create request', async () => {
			ctx.sim.quota.setBalance(3.5);
			const result = await run(guarded(5), { items });
			expect(result.status).toBe('error');
			expect(result.error!.message).toBe(
				'The CometAPI balance is 3.5 USD, below the Minimum Balance of 5 USD: nothing was sent, no task was created',
			);
			expect(ctx.sim.quota.requests).toHaveLength(1);
			expect(creates()).toHaveLength(0);
			expect(ctx.sim.tasks.size).toBe(0);
		});

		it('at or above the minimum the creates go ahead, after one balance read', async () => {
			ctx.sim.quota.setBalance(5);
			const result = await run(guarded(5), { items });
			expect(result.status).toBe('success');
			expect(result.items.map((item) => item.json.task_status)).toEqual(['submitted', 'submitted', 'submitted']);
			expect(ctx.sim.quota.requests).toHaveLength(1);
			expect(creates()).toHaveLength(3);
			expect(ctx.sim.quota.requests[0].t).toBeLessThanOrEqual(creates()[0].t);
		});

		it.each([
			['an HTML page', 'html', {}, /web page/],
			['a 500', 'status500', {}, /HTTP 500/],
			['no connection', undefined, { balanceUrl: 'http://127.0.0.1:1' }, /ECONNREFUSED/],
		] as Array<[string, QuotaFaultType | undefined, IDataObject, RegExp]>)(
			'an unreadable balance (%s) fails too, and nothing is created',
			async (_name, fault, credentials, why) => {
				const logsFrom = engineLogs.length;
				if (fault) ctx.sim.quota.fault({ type: fault });
				const result = await run(guarded(5), { items, credentials });
				expect(result.status).toBe('error');
				expect(result.error!.message).toBe(
					'Could not read the CometAPI balance, which Options → Minimum Balance (5 USD) requires: nothing was sent, no task was created',
				);
				expect(String(result.error!.description)).toMatch(why);
				expect(creates()).toHaveLength(0);
				expectNoKey(result, logsFrom);
			},
		);

		it('with Continue On Fail every item gets the error and no task is created', async () => {
			ctx.sim.quota.setBalance(1);
			const result = await run(guarded(2.5), { items, continueOnFail: true });
			expect(result.status).toBe('success');
			expect(result.items).toHaveLength(3);
			result.items.forEach((item, i) => {
				expect(item.json).toEqual({
					error:
						'The CometAPI balance is 1 USD, below the Minimum Balance of 2.5 USD: nothing was sent, no task was created',
					description: expect.stringMatching(/Top up your CometAPI account/),
					task_id: null,
					task_status: null,
				});
				expect(item.pairedItem).toEqual({ item: i });
			});
			expect(ctx.sim.quota.requests).toHaveLength(1);
			expect(creates()).toHaveLength(0);
		});

		it('also guards Create Video From Image (URL source): nothing created below the minimum', async () => {
			ctx.sim.quota.setBalance(0);
			const result = await run({
				resource: 'video',
				operation: 'imageToVideo',
				model: 'kling-v1',
				imageSource: 'url',
				imageUrl: `${ctx.sim.cdnUrl}/never-fetched.jpg`,
				waitMode: 'none',
				options: { minimumBalance: 0.01 },
			});
			expect(result.status).toBe('error');
			expect(result.error!.message).toMatch(/balance is 0 USD, below the Minimum Balance of 0\.01 USD/);
			expect(creates()).toHaveLength(0);
		});

		it('off (the default): no balance read at all', async () => {
			const result = await run(createParams({ waitMode: 'none' }), { items });
			expect(result.status).toBe('success');
			expect(ctx.sim.quota.requests).toHaveLength(0);
			expect(creates()).toHaveLength(3);
		});
	});

	describe('workflows saved before the Account resource', () => {
		const example = JSON.parse(readFileSync(path.resolve(__dirname, '../../examples/create-then-get.json'), 'utf8'));
		const startVideo = example.nodes.find((node: { name: string }) => node.name === 'Start video')
			.parameters as IDataObject;

		it.each([
			['as saved', startVideo],
			[
				'with no resource value at all',
				Object.fromEntries(Object.entries(startVideo).filter(([name]) => name !== 'resource')),
			],
		])('an example workflow node runs unchanged (%s)', async (_how, parameters) => {
			expect(parameters.operation).toBe('create');
			const result = await run(parameters as IDataObject, { items: [{ prompt: 'A paper boat on a rainy street' }] });
			expect(result.status).toBe('success');
			expect(result.items[0].json).toMatchObject({ task_id: expect.any(String), task_kind: 'text2video' });
			expect(creates()).toHaveLength(1);
			expect(ctx.sim.quota.requests).toHaveLength(0);
		});
	});
});
