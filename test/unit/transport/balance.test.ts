import type { IDataObject, IHttpRequestOptions } from 'n8n-workflow';

import { queryDate } from '../../../nodes/KlingCometApi/actions/account/balance.operation';
import {
	balanceError,
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
	unitNode,
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

describe('checkBalanceUrl: each accepted form and each refusal, word for word', () => {
	const FIX = 'use https://query.cometapi.com';
	it.each<[unknown, string]>([
		[undefined, 'https://query.cometapi.com'],
		['', 'https://query.cometapi.com'],
		['   ', 'https://query.cometapi.com'],
		[42, 'https://query.cometapi.com'],
		['https://q.example/', 'https://q.example'],
		['https://q.example/base//', 'https://q.example/base'],
		['http://q.example:8080/a/b', 'http://q.example:8080/a/b'],
	])('%j is used as %s', (raw, baseUrl) => {
		expect(checkBalanceUrl(raw)).toEqual({ ok: true, baseUrl });
	});

	it('a text that is not a URL is named, trimmed, in the refusal', () => {
		expect(checkBalanceUrl('  nope  ')).toEqual({
			ok: false,
			problem: `The credential's Balance Query URL "nope" is not a URL: ${FIX}`,
		});
	});

	it('a link that is not http(s) is refused', () => {
		expect(checkBalanceUrl('ftp://q.example')).toEqual({
			ok: false,
			problem: `The credential's Balance Query URL must start with https:// (or http://): ${FIX}`,
		});
	});

	it.each(['https://u:p@q.example', 'https://u@q.example', 'https://:p@q.example'])(
		'%s (a user name, a password or both) is refused',
		(raw) => {
			expect(checkBalanceUrl(raw)).toEqual({
				ok: false,
				problem: "The credential's Balance Query URL must not contain a user name or password",
			});
		},
	);

	it.each(['https://q.example/?key=x', 'https://q.example/#a', 'https://q.example/?', 'https://q.example/#'])(
		'%s (a query or fragment, even an empty one) is refused',
		(raw) => {
			expect(checkBalanceUrl(raw)).toEqual({
				ok: false,
				problem: `The credential's Balance Query URL must not contain a query (?…) or fragment (#…): ${FIX}`,
			});
		},
	);
});

describe('maskKeyParameter: every place a key= may stand', () => {
	it.each([
		['key=sk-abc', 'key=***'],
		['KEY=sk-abc', 'key=***'],
		['/user/quota?key=sk-abc', '/user/quota?key=***'],
		['a=1&key=sk-abc', 'a=1&key=***'],
		['a=1;key=sk-abc', 'a=1;key=***'],
		['a=1,key=sk-abc', 'a=1,key=***'],
		['with key=sk-abc', 'with key=***'],
		['line\tkey=sk-abc', 'line\tkey=***'],
		['"key=sk-abc"', '"key=***"'],
		["'key=sk-abc'", "'key=***'"],
		['(key=sk-abc)', '(key=***)'],
	])('%j becomes %j', (text, masked) => {
		expect(maskKeyParameter(text)).toBe(masked);
	});

	it.each([
		['key=sk-abc&x=1', 'key=***&x=1'],
		['key=sk-abc next', 'key=*** next'],
		['key=sk-abc"', 'key=***"'],
		["key=sk-abc'", "key=***'"],
		['key=sk-abc<br>', 'key=***<br>'],
		['key=sk-abc>', 'key=***>'],
		['(key=sk-abc)', '(key=***)'],
		['key=sk-abc;x', 'key=***;x'],
		['key=sk-abc,x', 'key=***,x'],
	])('the value ends where a URL or a sentence goes on: %j becomes %j', (text, masked) => {
		expect(maskKeyParameter(text)).toBe(masked);
	});

	it('masks every key= in a text, and an empty value too', () => {
		expect(maskKeyParameter('?key=a&key=b key=')).toBe('?key=***&key=*** key=***');
	});

	it('leaves names that merely end in "key" alone', () => {
		expect(maskKeyParameter('monkey=banana apikey=1 x-key=2')).toBe('monkey=banana apikey=1 x-key=2');
	});
});

describe('parseQuotaAnswer: edges', () => {
	const failure = (statusCode: number, body: unknown) => {
		const outcome = parseQuotaAnswer(statusCode, body);
		if (outcome.ok) throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
		return outcome.failure;
	};

	it.each([200, 201, 299])('HTTP %i with a balance is an answer', (statusCode) => {
		expect(parseQuotaAnswer(statusCode, '{"total_quota":7}')).toEqual({
			ok: true,
			balance: { balanceUsd: 7, answer: { total_quota: 7 } },
		});
	});

	it.each([199, 300, 302, 404, 500])('HTTP %i with a balance is an HTTP failure, nothing said', (statusCode) => {
		expect(failure(statusCode, '{"total_quota":7}')).toEqual({ kind: 'http', httpStatus: statusCode, reached: true });
	});

	it.each<[string, unknown, string]>([
		['no body', undefined, 'empty'],
		['a null body', null, 'empty'],
		['blanks', ' \n\t ', 'empty'],
		['a page after blank lines', '\n  <html><body>hi</body></html>', 'html'],
		['JSON null', 'null', 'other'],
		['a JSON string', '"hello"', 'other'],
		['a JSON number', '5', 'other'],
		['JSON true', 'true', 'other'],
	])('%s on HTTP 200 is malformed, of its kind', (_name, body, bodyKind) => {
		expect(failure(200, body)).toEqual({ kind: 'malformed', httpStatus: 200, bodyKind, reached: true });
	});

	it('a body that is not an object on an error status is an HTTP failure with its kind', () => {
		expect(failure(503, '')).toEqual({ kind: 'http', httpStatus: 503, bodyKind: 'empty', reached: true });
		expect(failure(503, 'null')).toEqual({ kind: 'http', httpStatus: 503, bodyKind: 'other', reached: true });
	});

	it.each([
		['12', 12],
		[' 12 ', 12],
		['-3', -3],
		['12.55', 12.55],
		['1e3', 1000],
		['1E3', 1000],
		['1e-3', 0.001],
		['1e+3', 1000],
		['2.5e10', 2.5e10],
	])('total_quota given as the text %j is %d', (text, balanceUsd) => {
		expect(parseQuotaAnswer(200, JSON.stringify({ total_quota: text }))).toMatchObject({
			ok: true,
			balance: { balanceUsd },
		});
	});

	it.each<[string, string]>([
		['x12', '{"total_quota":"x12"}'],
		['12x', '{"total_quota":"12x"}'],
		['12.', '{"total_quota":"12."}'],
		['1e', '{"total_quota":"1e"}'],
		['empty text', '{"total_quota":""}'],
		['a list', '{"total_quota":[5]}'],
		['true', '{"total_quota":true}'],
		['null', '{"total_quota":null}'],
		['an overflowing number', '{"total_quota":1e999}'],
	])('total_quota as %s is no balance', (_name, body) => {
		expect(failure(200, body)).toEqual({ kind: 'malformed', httpStatus: 200, bodyKind: 'no-balance', reached: true });
	});

	it('the top-level total_quota wins over one in data; data that is not an object is ignored', () => {
		expect(parseQuotaAnswer(200, { total_quota: 1, data: { total_quota: 2 } })).toEqual({
			ok: true,
			balance: { balanceUsd: 1, answer: { total_quota: 1, data: { total_quota: 2 } } },
		});
		expect(failure(200, { data: 'total_quota: 5' })).toMatchObject({ kind: 'malformed', bodyKind: 'no-balance' });
		expect(failure(200, { data: null })).toMatchObject({ kind: 'malformed', bodyKind: 'no-balance' });
	});

	it('a balance next to an error, or with success: false, is refused', () => {
		expect(failure(200, { total_quota: 5, error: 'key disabled' })).toEqual({
			kind: 'http',
			httpStatus: 200,
			apiMessage: 'key disabled',
			reached: true,
		});
		expect(failure(200, { total_quota: 5, success: false })).toEqual({ kind: 'http', httpStatus: 200, reached: true });
	});

	it('an empty or null error, or success: true, does not refuse a balance', () => {
		for (const extra of [{ error: '' }, { error: null }, { error: false }, { success: true }])
			expect(parseQuotaAnswer(200, { total_quota: 5, ...extra })).toMatchObject({
				ok: true,
				balance: { balanceUsd: 5 },
			});
	});

	it('a 2xx answer without a balance that says something (a message or a code) is an HTTP failure', () => {
		expect(failure(200, { message: 'hello' })).toEqual({
			kind: 'http',
			httpStatus: 200,
			apiMessage: 'hello',
			reached: true,
		});
		expect(failure(200, { code: 7 })).toEqual({ kind: 'http', httpStatus: 200, apiCode: 7, reached: true });
	});

	it('an error status without a balance is an HTTP failure even when it says nothing', () => {
		expect(failure(500, { foo: 1 })).toEqual({ kind: 'http', httpStatus: 500, reached: true });
	});

	it('what the service said: a blank error or message is skipped for the next one', () => {
		expect(failure(200, { error: '  ', msg: 'no such user' })).toEqual({
			kind: 'http',
			httpStatus: 200,
			apiMessage: 'no such user',
			reached: true,
		});
		expect(failure(200, { error: ' ' })).toEqual({ kind: 'http', httpStatus: 200, reached: true });
		expect(failure(400, { message: ' ', msg: 'bad date' })).toMatchObject({ apiMessage: 'bad date' });
	});

	it('an error object without a message is given as JSON, and so is a detail', () => {
		expect(failure(500, { error: { code: 'E1' } })).toEqual({
			kind: 'http',
			httpStatus: 500,
			apiMessage: '{"code":"E1"}',
			apiCode: 'E1',
			reached: true,
		});
		expect(failure(404, { detail: 'Not Found' })).toEqual({
			kind: 'http',
			httpStatus: 404,
			apiMessage: '"Not Found"',
			reached: true,
		});
		expect(failure(422, { detail: [{ msg: 'start_date' }] })).toMatchObject({ apiMessage: '[{"msg":"start_date"}]' });
	});

	it('the error object’s message and code come before the top-level ones', () => {
		expect(failure(500, { code: 1, message: 'outer', error: { code: 'E2', message: 'inner' } })).toMatchObject({
			apiMessage: 'inner',
			apiCode: 'E2',
		});
	});

	it.each<[unknown, number | string | undefined]>([
		[0, 0],
		['E42', 'E42'],
		['', undefined],
		[true, undefined],
		[{ n: 1 }, undefined],
		[null, undefined],
	])('a code of %j is kept as %j', (code, apiCode) => {
		expect(failure(400, { code, message: 'm' }).apiCode).toBe(apiCode);
	});

	it('a very long message is cut to 500 characters', () => {
		const said = failure(500, { message: 'x'.repeat(600) }).apiMessage;
		expect(said).toBe(`${'x'.repeat(500)}…`);
	});
});

describe('describeBalanceFailure: every branch, word for word', () => {
	const say = (failure: Parameters<typeof describeBalanceFailure>[0]) => describeBalanceFailure(failure, QUOTA_URL);

	it('setup: the problem found, or a general sentence', () => {
		expect(say({ kind: 'setup', reached: false, problem: 'The credential has no API key' })).toBe(
			'The credential has no API key',
		);
		expect(say({ kind: 'setup', reached: false })).toBe("The credential's Balance Query URL cannot be used");
	});

	it('network and timeout', () => {
		expect(say({ kind: 'network', networkCode: 'ECONNRESET', reached: true })).toBe(
			"The connection to CometAPI's balance query (https://quota.example.test) broke before an answer arrived (ECONNRESET)",
		);
		expect(say({ kind: 'network', networkCode: 'ENOTFOUND', reached: false })).toBe(
			"CometAPI's balance query could not be reached at https://quota.example.test (ENOTFOUND): check the credential's Balance Query URL and that n8n can reach it",
		);
		expect(say({ kind: 'timeout', reached: true })).toBe(
			"CometAPI's balance query (https://quota.example.test) did not answer within 30 s",
		);
	});

	it('malformed: no balance, a web page, or something else', () => {
		expect(say({ kind: 'malformed', httpStatus: 200, bodyKind: 'no-balance', reached: true })).toBe(
			"CometAPI's balance query answered HTTP 200 without a balance (no total_quota)",
		);
		expect(say({ kind: 'malformed', httpStatus: 200, bodyKind: 'html', reached: true })).toBe(
			"CometAPI's balance query answered with a web page instead of JSON (HTTP 200): check the credential's Balance Query URL (https://quota.example.test)",
		);
		for (const bodyKind of ['other', 'empty'] as const)
			expect(say({ kind: 'malformed', httpStatus: 201, bodyKind, reached: true })).toBe(
				"CometAPI's balance query sent an answer that is not JSON (HTTP 201)",
			);
	});

	it.each([401, 403])('HTTP %i is a refused key, also when nothing was said', (httpStatus) => {
		expect(say({ kind: 'http', httpStatus, reached: true })).toBe(
			`CometAPI's balance query refused the API key (HTTP ${httpStatus}): check the key in the CometAPI (Kling) credential`,
		);
	});

	it.each([
		'Wrong key',
		'bad token',
		'unknown API key',
		'Expired token',
		'disabled key',
		'Unauthorized',
		'unauthorised',
	])('a message like %j is a refused key, whatever the status', (apiMessage) => {
		expect(say({ kind: 'http', httpStatus: 400, apiMessage, reached: true })).toBe(
			`CometAPI's balance query refused the API key (HTTP 400): "${apiMessage}": check the key in the CometAPI (Kling) credential`,
		);
	});

	it.each(['invalid date', 'keyboard invalid', 'token bucket empty'])('%j is not a refused key', (apiMessage) => {
		expect(say({ kind: 'http', httpStatus: 400, apiMessage, reached: true })).toBe(
			`CometAPI's balance query answered with an error (HTTP 400): "${apiMessage}"`,
		);
	});

	it('a web page on 404 or 405 names the Balance Query URL; on other statuses the service', () => {
		expect(say({ kind: 'http', httpStatus: 405, bodyKind: 'html', reached: true })).toBe(
			"Nothing at https://quota.example.test answers like CometAPI's balance query (HTTP 405, a web page): the credential's Balance Query URL should be https://query.cometapi.com",
		);
		expect(say({ kind: 'http', httpStatus: 500, bodyKind: 'html', reached: true })).toBe(
			"CometAPI's balance query answered HTTP 500 with a web page instead of JSON: the service may be down, try again later",
		);
	});

	it('a 404 that is not a web page is an error answer, not a wrong address', () => {
		expect(say({ kind: 'http', httpStatus: 404, bodyKind: 'other', reached: true })).toBe(
			"CometAPI's balance query answered with an error (HTTP 404)",
		);
		expect(say({ kind: 'http', httpStatus: 404, reached: true })).toBe(
			"CometAPI's balance query answered with an error (HTTP 404)",
		);
	});

	it('an error with a code and no message names the code', () => {
		expect(say({ kind: 'http', httpStatus: 500, apiCode: 'E1', reached: true })).toBe(
			"CometAPI's balance query answered with an error (HTTP 500, code E1)",
		);
	});
});

describe('balanceError: the node error of a failed read', () => {
	it('a setup failure: its problem, and that nothing was sent', () => {
		const failure = { kind: 'setup', reached: false, problem: 'The credential has no API key' } as const;
		const error = balanceError(unitNode(), failure, { itemIndex: 2, balanceUrl: QUOTA_URL }) as Error & IDataObject;
		expect(error.message).toBe('The credential has no API key');
		expect(error.description).toBe('Open the CometAPI (Kling) credential and correct it. Nothing was sent.');
		expect(error.context).toMatchObject({ itemIndex: 2 });
		expect(error.httpCode).toBeNull();
	});

	it('an answered failure: the sentence, its status and code, and that nothing was billed', () => {
		const failure = { kind: 'http', httpStatus: 401, apiMessage: 'invalid key', apiCode: 'E7', reached: true } as const;
		const error = balanceError(unitNode(), failure, { itemIndex: 1, balanceUrl: QUOTA_URL }) as Error & IDataObject;
		expect(error.message).toBe(describeBalanceFailure(failure, QUOTA_URL));
		expect(error.description).toBe('Reading the balance is free; nothing was created or billed.');
		expect(error.httpCode).toBe('401');
		expect(error.errorResponse).toMatchObject({ httpStatus: 401, apiCode: 'E7' });
		expect(error.context).toMatchObject({ itemIndex: 1 });
	});
});

describe('readBalance: what is sent, and what ends a read', () => {
	const NOW = 1_000_000;
	beforeEach(() => jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	/** A fake whose balance query never answers, until its request is aborted (which it records). */
	const hanging = (fake: ReturnType<typeof withQuota>) => {
		const sent: IHttpRequestOptions[] = [];
		(fake.ctx.helpers as unknown as IDataObject).httpRequest = async (request: IHttpRequestOptions) => {
			sent.push(request);
			return await new Promise(() => {});
		};
		return sent;
	};

	it('sends exactly these options: GET, JSON accepted, raw text, full response, no status errors, the time left', async () => {
		const fake = withQuota([{ statusCode: 200, body: DOCUMENTED }]);
		await readBalance(fake.ctx, { deadline: NOW + 5000 });
		expect(fake.quotaRequests).toEqual([
			{
				method: 'GET',
				url: `${QUOTA_URL}/user/quota?key=${UNIT_KEY}`,
				headers: { Accept: 'application/json' },
				encoding: 'text',
				json: false,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: 5000,
				abortSignal: expect.any(AbortSignal),
			},
		]);
		expect(fake.quotaRequests[0].abortSignal!.aborted).toBe(false);
	});

	it('the request timeout is never under 1 s', async () => {
		const fake = withQuota([{ statusCode: 200, body: DOCUMENTED }]);
		await readBalance(fake.ctx, { deadline: NOW + 200 });
		expect(fake.quotaRequests[0].timeout).toBe(1000);
	});

	it('without dates only the key is in the query; the key is sent trimmed', async () => {
		const fake = withQuota([{ statusCode: 200, body: DOCUMENTED }], {
			credentials: { ...credentials, apiKey: `  ${UNIT_KEY}  ` },
		});
		await readBalance(fake.ctx, { deadline: NOW + 5000 });
		expect(Object.fromEntries(new URL(fake.quotaRequests[0].url!).searchParams)).toEqual({ key: UNIT_KEY });
	});

	it.each([[undefined], [''], ['   '], [42]])(
		'an API key of %j sends nothing and says what to paste',
		async (apiKey) => {
			const fake = withQuota([{ statusCode: 200, body: DOCUMENTED }], { credentials: { ...credentials, apiKey } });
			const read = await readBalance(fake.ctx, { deadline: NOW + 5000 });
			expect(read).toEqual({
				ok: false,
				failure: {
					kind: 'setup',
					reached: false,
					problem: 'The credential has no API key: paste your CometAPI key (sk-...)',
				},
				balanceUrl: QUOTA_URL,
			});
			expect(fake.quotaRequests).toHaveLength(0);
		},
	);

	it('a bad Balance Query URL is reported with its problem and no URL', async () => {
		const fake = withQuota([], { credentials: { ...credentials, balanceUrl: 'ftp://q.example' } });
		expect(await readBalance(fake.ctx, { deadline: NOW + 5000 })).toEqual({
			ok: false,
			failure: {
				kind: 'setup',
				reached: false,
				problem:
					"The credential's Balance Query URL must start with https:// (or http://): use https://query.cometapi.com",
			},
			balanceUrl: '',
		});
	});

	it.each([
		['without a stop signal', undefined],
		['with a stop signal that is not used', new AbortController().signal],
	])(
		'an answer that does not come by the deadline is a timeout, and the request is aborted (%s)',
		async (_n, signal) => {
			const fake = withQuota([]);
			const sent = hanging(fake);
			const reading = readBalance(fake.ctx, { deadline: NOW + 3000, signal });
			await jest.advanceTimersByTimeAsync(3000);
			expect(await reading).toEqual({ ok: false, failure: { kind: 'timeout', reached: true }, balanceUrl: QUOTA_URL });
			expect(sent[0].abortSignal!.aborted).toBe(true);
		},
	);

	it('Stop during the read ends it with n8n’s cancellation error, and aborts the request', async () => {
		const fake = withQuota([]);
		const sent = hanging(fake);
		const stop = new AbortController();
		const reading = readBalance(fake.ctx, { deadline: NOW + 30_000, signal: stop.signal }).catch((error) => error);
		await jest.advanceTimersByTimeAsync(10);
		stop.abort();
		await jest.advanceTimersByTimeAsync(10);
		expect((await reading).name).toBe('ManualExecutionCancelledError');
		expect(sent[0].abortSignal!.aborted).toBe(true);
	});

	it('a request that fails because of Stop is n8n’s cancellation, not a network failure', async () => {
		const fake = withQuota([]);
		const stop = new AbortController();
		(fake.ctx.helpers as unknown as IDataObject).httpRequest = () => {
			stop.abort();
			throw networkError('ERR_CANCELED', 'canceled');
		};
		await expect(readBalance(fake.ctx, { deadline: NOW + 5000, signal: stop.signal })).rejects.toMatchObject({
			name: 'ManualExecutionCancelledError',
		});
	});

	it('a thrown request with a stop signal that is not used is a network failure', async () => {
		const fake = withQuota([networkError('ECONNRESET')]);
		const read = await readBalance(fake.ctx, { deadline: NOW + 5000, signal: new AbortController().signal });
		expect(read).toEqual({
			ok: false,
			failure: { kind: 'network', networkCode: 'ECONNRESET', reached: true },
			balanceUrl: QUOTA_URL,
		});
	});

	it('an answer is parsed with its status and carries the Balance Query URL', async () => {
		const fake = withQuota([{ statusCode: 401, body: { error: 'invalid key' } }]);
		expect(await readBalance(fake.ctx, { deadline: NOW + 5000 })).toEqual({
			ok: false,
			failure: { kind: 'http', httpStatus: 401, apiMessage: 'invalid key', reached: true },
			balanceUrl: QUOTA_URL,
		});
	});
});
