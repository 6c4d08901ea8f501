import { queryDate } from '../../../nodes/KlingCometApi/actions/account/balance.operation';
import {
	checkBalanceUrl,
	describeBalanceFailure,
	formatUsd,
	maskKeyParameter,
	parseQuotaAnswer,
	readBalance,
} from '../../../nodes/KlingCometApi/transport/balance';
import {
	DOCUMENTED_QUOTA,
	networkError,
	UNIT_BASE_URL,
	UNIT_KEY,
	UNIT_QUOTA_URL,
	withQuota,
} from '../../helpers/fake-context';

const QUOTA_URL = UNIT_QUOTA_URL;
const DOCUMENTED = DOCUMENTED_QUOTA;
const credentials = { apiKey: UNIT_KEY, baseUrl: UNIT_BASE_URL, balanceUrl: QUOTA_URL };

describe('parseQuotaAnswer: the balance query answer', () => {
	it('the documented answer: total_quota is the balance, the rest is kept as given', () => {
		const outcome = parseQuotaAnswer(200, JSON.stringify(DOCUMENTED));
		expect(outcome).toEqual({ ok: true, balance: { balanceUsd: 2105.234088, answer: DOCUMENTED } });
	});

	it('accepts a Buffer body, a numeric string, and the figures wrapped in data', () => {
		expect(parseQuotaAnswer(200, Buffer.from(JSON.stringify({ total_quota: 0 })))).toMatchObject({
			ok: true,
			balance: { balanceUsd: 0 },
		});
		expect(parseQuotaAnswer(200, '{"total_quota":"12.5"}')).toMatchObject({ ok: true, balance: { balanceUsd: 12.5 } });
		expect(parseQuotaAnswer(200, { code: 0, data: { total_quota: 3, keys: [] } })).toMatchObject({
			ok: true,
			balance: { balanceUsd: 3, answer: { total_quota: 3, keys: [] } },
		});
	});

	it.each([
		[401, { error: 'invalid key' }, 'invalid key', undefined],
		[401, { code: 401, message: 'key is required' }, 'key is required', 401],
		[500, { error: { message: 'boom', code: 'upstream' } }, 'boom', 'upstream'],
		[200, { error: 'quota service is busy' }, 'quota service is busy', undefined],
		[200, { success: false, msg: 'no such user' }, 'no such user', undefined],
		[403, { total_quota: 5, message: 'forbidden' }, 'forbidden', undefined],
	])('HTTP %i %j is a failure with what the service said', (status, body, message, code) => {
		const outcome = parseQuotaAnswer(status, JSON.stringify(body));
		expect(outcome).toEqual({
			ok: false,
			failure: expect.objectContaining({ kind: 'http', httpStatus: status, apiMessage: message, reached: true }),
		});
		if (!outcome.ok) expect(outcome.failure.apiCode).toBe(code);
	});

	it('pages, empty and non-JSON bodies, and JSON without total_quota are failures of their own kind', () => {
		expect(parseQuotaAnswer(502, '<html><body>Bad gateway</body></html>')).toMatchObject({
			ok: false,
			failure: { kind: 'http', httpStatus: 502, bodyKind: 'html' },
		});
		expect(parseQuotaAnswer(200, '<!DOCTYPE html><html></html>')).toMatchObject({
			failure: { kind: 'malformed', bodyKind: 'html' },
		});
		expect(parseQuotaAnswer(200, '')).toMatchObject({ failure: { kind: 'malformed', bodyKind: 'empty' } });
		expect(parseQuotaAnswer(200, 'ok')).toMatchObject({ failure: { kind: 'malformed', bodyKind: 'other' } });
		expect(parseQuotaAnswer(200, '[1,2]')).toMatchObject({ failure: { kind: 'malformed', bodyKind: 'other' } });
		expect(parseQuotaAnswer(200, '{"username":"u","keys":[]}')).toMatchObject({
			failure: { kind: 'malformed', bodyKind: 'no-balance' },
		});
		expect(parseQuotaAnswer(200, '{"total_quota":"lots"}')).toMatchObject({ failure: { bodyKind: 'no-balance' } });
	});

	it('an answer echoing the request URL has its key parameter masked', () => {
		const outcome = parseQuotaAnswer(400, JSON.stringify({ message: `bad GET /user/quota?key=${UNIT_KEY}&x=1` }));
		expect(outcome.ok).toBe(false);
		if (!outcome.ok) {
			expect(outcome.failure.apiMessage).toBe('bad GET /user/quota?key=***&x=1');
			expect(JSON.stringify(outcome)).not.toContain(UNIT_KEY);
		}
		expect(maskKeyParameter('url=https://q/user/quota?key=sk-a%2Bb; key=sk-c')).toBe(
			'url=https://q/user/quota?key=***; key=***',
		);
	});
});

describe('describeBalanceFailure: what the user reads', () => {
	const say = (failure: Parameters<typeof describeBalanceFailure>[0]) => describeBalanceFailure(failure, QUOTA_URL);
	it('names the key, the address or the service, as the failure says', () => {
		expect(say({ kind: 'http', httpStatus: 401, apiMessage: 'invalid key', reached: true })).toMatch(
			/refused the API key \(HTTP 401\): "invalid key": check the key/,
		);
		expect(say({ kind: 'http', httpStatus: 200, apiMessage: 'Invalid token', reached: true })).toMatch(
			/refused the API key \(HTTP 200\)/,
		);
		// A message that merely mentions a key (an echoed URL) is not a refused key.
		expect(say({ kind: 'http', httpStatus: 400, apiMessage: 'cannot handle /user/quota?key=***', reached: true })).toBe(
			`CometAPI's balance query answered with an error (HTTP 400): "cannot handle /user/quota?key=***"`,
		);
		expect(say({ kind: 'http', httpStatus: 404, bodyKind: 'html', reached: true })).toMatch(
			/Nothing at https:\/\/quota\.example\.test answers like CometAPI's balance query .*https:\/\/query\.cometapi\.com/,
		);
		expect(say({ kind: 'http', httpStatus: 502, bodyKind: 'html', reached: true })).toMatch(/web page .* may be down/);
		expect(say({ kind: 'http', httpStatus: 500, apiMessage: 'boom', apiCode: 7, reached: true })).toBe(
			`CometAPI's balance query answered with an error (HTTP 500, code 7): "boom"`,
		);
		expect(say({ kind: 'network', networkCode: 'ECONNREFUSED', reached: false })).toMatch(
			/could not be reached at https:\/\/quota\.example\.test \(ECONNREFUSED\)/,
		);
		expect(say({ kind: 'network', networkCode: 'ECONNRESET', reached: true })).toMatch(/broke before an answer/);
		expect(say({ kind: 'timeout', reached: true })).toMatch(/did not answer within 30 s/);
		expect(say({ kind: 'malformed', httpStatus: 200, bodyKind: 'no-balance', reached: true })).toMatch(
			/without a balance \(no total_quota\)/,
		);
	});
});

describe('checkBalanceUrl, formatUsd, queryDate', () => {
	it('defaults to query.cometapi.com and refuses what the Base URL refuses', () => {
		expect(checkBalanceUrl(undefined)).toEqual({ ok: true, baseUrl: 'https://query.cometapi.com' });
		expect(checkBalanceUrl(' http://127.0.0.1:9/quota/ ')).toEqual({ ok: true, baseUrl: 'http://127.0.0.1:9/quota' });
		for (const bad of [
			'ftp://q.example',
			'https://u:p@q.example',
			'https://q.example/?key=x',
			'https://q.example#a',
			'nope',
		])
			expect(checkBalanceUrl(bad)).toMatchObject({ ok: false, problem: expect.stringMatching(/Balance Query URL/) });
	});
	it('formats USD figures without float noise', () => {
		expect(formatUsd(2105.234088)).toBe('2105.234088 USD');
		expect(formatUsd(0.1 + 0.2)).toBe('0.3 USD');
		expect(formatUsd(5)).toBe('5 USD');
	});
	it('takes a date picker value, an ISO string or a Date as YYYY-MM-DD', () => {
		expect(queryDate('2026-01-05T00:00:00', 'From')).toBe('2026-01-05');
		expect(queryDate('2026-01-05', 'From')).toBe('2026-01-05');
		expect(queryDate(new Date('2026-02-03T10:00:00Z'), 'From')).toBe('2026-02-03');
		expect(queryDate('', 'From')).toBe('');
		expect(() => queryDate('2026-02-30', 'From')).toThrow(/From must be a date/);
		expect(() => queryDate('yesterday', 'From')).toThrow(/From must be a date/);
	});
});

describe('readBalance: the one request', () => {
	it('GETs <Balance Query URL>/user/quota with the key (encoded) and the dates in the query, with no auth header', async () => {
		const key = 'sk-unit+secret/0123456789&x';
		const fake = withQuota([{ statusCode: 200, body: DOCUMENTED }], { credentials: { ...credentials, apiKey: key } });
		const read = await readBalance(fake.ctx, {
			startDate: '2026-01-01',
			endDate: '2026-01-31',
			deadline: Date.now() + 5000,
		});
		expect(read).toMatchObject({ ok: true, balanceUrl: QUOTA_URL, balance: { balanceUsd: 2105.234088 } });
		expect(fake.quotaRequests).toHaveLength(1);
		const url = new URL(fake.quotaRequests[0].url);
		expect(`${url.origin}${url.pathname}`).toBe(`${QUOTA_URL}/user/quota`);
		expect(Object.fromEntries(url.searchParams)).toEqual({ key, start_date: '2026-01-01', end_date: '2026-01-31' });
		expect(fake.quotaRequests[0].headers).toEqual({ Accept: 'application/json' });
		expect(fake.apiRequests()).toHaveLength(0);
	});

	it('a thrown request (n8n puts the URL into it) becomes its network code only', async () => {
		const thrown = Object.assign(
			networkError('ECONNREFUSED', `connect ECONNREFUSED; GET ${QUOTA_URL}/user/quota?key=${UNIT_KEY}`),
			{
				config: { url: `${QUOTA_URL}/user/quota?key=${UNIT_KEY}` },
			},
		);
		const read = await readBalance(withQuota([thrown]).ctx, { deadline: Date.now() + 5000 });
		expect(read).toEqual({
			ok: false,
			failure: { kind: 'network', networkCode: 'ECONNREFUSED', reached: false },
			balanceUrl: QUOTA_URL,
		});
	});

	it('a bad Balance Query URL sends nothing', async () => {
		const fake = withQuota([], { credentials: { ...credentials, balanceUrl: 'https://q.example/?key=1' } });
		const read = await readBalance(fake.ctx, { deadline: Date.now() + 5000 });
		expect(read).toMatchObject({ ok: false, failure: { kind: 'setup', reached: false } });
		expect(fake.quotaRequests).toHaveLength(0);
	});
});
