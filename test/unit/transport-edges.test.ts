/** The edges of answer parsing, error classification and credential checks, one behaviour per line. */
import { checkBaseUrl, checkCredentials, klingRequest } from '../../nodes/KlingCometApi/transport';
import { describeRequestError, networkCodeOf } from '../../nodes/KlingCometApi/transport/network';
import { interpretResponse, parseRetryAfter } from '../../nodes/KlingCometApi/transport/response';
import type { ReadOptions } from '../../nodes/KlingCometApi/helpers/polling';
import { readTask, waitForTask } from '../../nodes/KlingCometApi/helpers/polling';
import { MAX_NOT_SENT_TRIES } from '../../nodes/KlingCometApi/transport/network';
import { fakeContext, networkError, ok, task } from '../helpers/fake-context';

const envelope = (data: unknown, extra: object = {}) => JSON.stringify({ code: 0, data, ...extra });

describe('interpretResponse edges', () => {
	it('keeps long numeric ids exact, with spaces around the colon, and leaves short numbers alone', () => {
		expect(interpretResponse(200, {}, '{"data":{"task_id" : 1234567890123456789 ,"task_status":"s"}}')).toMatchObject({
			data: { task_id: '1234567890123456789' },
		});
		expect(interpretResponse(200, {}, '{"data":{"task_id":123456789012345,"task_status":"s"}}')).toMatchObject({
			data: { task_id: '123456789012345' },
		});
		expect(interpretResponse(200, {}, '{"data":{"task_status":"s","task_id":-1234567890123456789}}')).toMatchObject({
			data: { task_id: '-1234567890123456789' },
		});
	});

	it('trims a string task id and refuses an empty or non-finite one', () => {
		expect(interpretResponse(200, {}, envelope({ task_id: '  t7  ' }))).toMatchObject({
			ok: true,
			data: { task_id: 't7' },
		});
		expect(interpretResponse(200, {}, envelope({ task_id: '   ' }))).toMatchObject({
			ok: false,
			failure: { bodyKind: 'no-task' },
		});
		expect(interpretResponse(200, {}, envelope({ task_id: true }))).toMatchObject({ ok: false });
		expect(interpretResponse(200, {}, envelope({ task_id: 12 }))).toMatchObject({ ok: true, data: { task_id: '12' } });
	});

	it('a non-string body is read as JSON; none at all is empty', () => {
		expect(interpretResponse(200, {}, { code: 0, data: { task_id: 'x' } })).toMatchObject({
			ok: true,
			data: { task_id: 'x' },
		});
		expect(interpretResponse(500, {}, undefined)).toMatchObject({ failure: { bodyKind: 'empty' } });
		expect(interpretResponse(500, {}, null)).toMatchObject({ failure: { bodyKind: 'empty' } });
		expect(interpretResponse(500, {}, '   ')).toMatchObject({ failure: { bodyKind: 'empty' } });
		expect(interpretResponse(500, {}, '  [1,')).toMatchObject({ failure: { bodyKind: 'truncated-json' } });
		expect(interpretResponse(500, {}, '  <html')).toMatchObject({ failure: { bodyKind: 'html' } });
	});

	it('2xx means 200 to 299 only', () => {
		const body = envelope({ task_id: 'x' });
		expect(interpretResponse(199, {}, body).ok).toBe(false);
		expect(interpretResponse(299, {}, body).ok).toBe(true);
		expect(interpretResponse(300, {}, body).ok).toBe(false);
	});

	it('codes: numbers stay numbers, numeric text becomes a number, other text is kept (at most 100 characters)', () => {
		const code = (value: unknown) => {
			const outcome = interpretResponse(400, {}, JSON.stringify({ code: value, message: 'm' }));
			return outcome.ok ? 'ok' : outcome.failure.code;
		};
		expect(code(1303)).toBe(1303);
		expect(code(' 1303 ')).toBe(1303);
		expect(code('-5')).toBe(-5);
		expect(code('13x')).toBe('13x');
		expect(code('x13')).toBe('x13');
		expect(code('y'.repeat(150))).toBe('y'.repeat(100));
		expect(code(null)).toBeUndefined();
		expect(code('')).toBeUndefined();
		expect(code(undefined)).toBeUndefined();
	});

	it('the gateway message is taken only when it is text; request ids are kept short', () => {
		expect(interpretResponse(500, {}, JSON.stringify({ error: { message: { a: 1 }, code: 'x' } }))).toMatchObject({
			failure: { apiMessage: undefined },
		});
		const long = interpretResponse(400, {}, JSON.stringify({ code: 1201, message: 'm', request_id: 'r'.repeat(300) }));
		expect(long.ok ? '' : long.failure.requestId).toHaveLength(200);
		expect(interpretResponse(400, {}, JSON.stringify({ code: 1201, message: 5 }))).toMatchObject({
			failure: { apiMessage: undefined },
		});
	});

	it('a 2xx with code 0 and no task is "no task"; a 2xx with a refusal code and no task is that refusal', () => {
		expect(interpretResponse(200, {}, '{"code":0}')).toMatchObject({
			failure: { kind: 'malformed', code: undefined, bodyKind: 'no-task' },
		});
		expect(interpretResponse(200, {}, '{"code":1303,"message":"busy"}')).toMatchObject({
			failure: { kind: 'http', code: 1303, bodyKind: undefined, httpStatus: 200 },
		});
	});

	it('Retry-After comes from the headers, in any form', () => {
		expect(interpretResponse(429, { 'retry-after': '2' }, '{"code":1302}')).toMatchObject({
			failure: { retryAfterMs: 2000 },
		});
		expect(interpretResponse(502, { 'retry-after': '3' }, '<html>')).toMatchObject({ failure: { retryAfterMs: 3000 } });
		expect(parseRetryAfter(true)).toBeUndefined();
		expect(parseRetryAfter({})).toBeUndefined();
	});
});

describe('networkCodeOf: where n8n keeps the code', () => {
	it.each([
		'ECONNREFUSED',
		'ENOTFOUND',
		'EAI_AGAIN',
		'EAI_NONAME',
		'ENETUNREACH',
		'EHOSTUNREACH',
		'EADDRNOTAVAIL',
		'ERR_INVALID_URL',
		'ERR_INVALID_CHAR',
		'ERR_INVALID_HTTP_TOKEN',
		'ERR_HTTP_INVALID_HEADER_VALUE',
		'ERR_UNESCAPED_CHARACTERS',
		'ERR_INVALID_PROTOCOL',
		'EPROTO',
		'ERR_SSL_WRONG_VERSION_NUMBER',
		'ERR_TLS_CERT_ALTNAME_INVALID',
		'CERT_HAS_EXPIRED',
		'DEPTH_ZERO_SELF_SIGNED_CERT',
		'SELF_SIGNED_CERT_IN_CHAIN',
		'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
		'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	])('%s proves nothing was sent', (code) => {
		expect(describeRequestError({ message: 'x', code })).toEqual({
			kind: 'network',
			networkCode: code,
			reached: false,
		});
	});

	it.each([
		['code', { code: 'ECONNREFUSED' }],
		['httpCode', { httpCode: 'ECONNREFUSED' }],
		['errno', { errno: 'ECONNREFUSED' }],
		['cause', { cause: { code: 'ECONNREFUSED' } }],
		['errorResponse', { errorResponse: { code: 'ECONNREFUSED' } }],
		['reason', { reason: { code: 'ECONNREFUSED' } }],
		['error', { error: { code: 'ECONNREFUSED' } }],
		['original', { original: { code: 'ECONNREFUSED' } }],
		['messages', { messages: [5, 'connect ECONNREFUSED 127.0.0.1:1'] }],
		['description', { description: 'connect ECONNREFUSED 127.0.0.1:1' }],
		['a nested message', { cause: { message: 'connect ECONNREFUSED 127.0.0.1:1' } }],
		['deep down (5 levels)', { cause: { cause: { cause: { cause: { cause: { code: 'ECONNREFUSED' } } } } } }],
	])('finds it in %s', (_where, error) => {
		expect(networkCodeOf(error)).toBe('ECONNREFUSED');
	});

	it('stops searching below 5 levels and survives cycles', () => {
		expect(
			networkCodeOf({ cause: { cause: { cause: { cause: { cause: { cause: { code: 'ECONNREFUSED' } } } } } } }),
		).toBe('EUNKNOWN');
		const loop: Record<string, unknown> = { message: 'x' };
		loop.cause = loop;
		expect(networkCodeOf(loop)).toBe('EUNKNOWN');
		expect(networkCodeOf(null)).toBe('EUNKNOWN');
		expect(networkCodeOf('ECONNREFUSED')).toBe('EUNKNOWN');
	});

	it('a "not sent" code anywhere wins over a generic one', () => {
		expect(networkCodeOf({ code: 'ERR_BAD_REQUEST', cause: { code: 'ENOTFOUND' } })).toBe('ENOTFOUND');
		expect(networkCodeOf({ code: 'ECONNRESET', messages: ['getaddrinfo ENOTFOUND x'] })).toBe('ENOTFOUND');
	});

	it("axios' generic codes say nothing; n8n's sentences are mapped back", () => {
		expect(networkCodeOf({ code: 'ERR_BAD_REQUEST', message: 'Request failed' })).toBe('EUNKNOWN');
		expect(networkCodeOf({ code: 'ERR_BAD_RESPONSE', message: 'socket hang up' })).toBe('ECONNRESET');
		expect(networkCodeOf({ code: 'ERR_CANCELED' })).toBe('ERR_CANCELED');
		expect(networkCodeOf({ code: 'EPIPE' })).toBe('EPIPE');
		expect(networkCodeOf({ code: 'NOT_A_CODE', message: 'x' })).toBe('EUNKNOWN');
		expect(
			networkCodeOf({
				message: 'The connection cannot be established, this usually occurs due to an incorrect host (domain) value',
			}),
		).toBe('ENOTFOUND');
		expect(networkCodeOf({ message: 'The DNS server returned an error, perhaps the server is offline' })).toBe(
			'EAI_AGAIN',
		);
		expect(networkCodeOf({ message: 'The host is unreachable, perhaps the server is offline' })).toBe('EHOSTUNREACH');
		expect(networkCodeOf({ message: 'The connection to the server was closed unexpectedly' })).toBe('ECONNRESET');
		expect(networkCodeOf({ message: "The connection timed out, consider setting the 'Retry on Fail' option" })).toBe(
			'ETIMEDOUT',
		);
		expect(
			networkCodeOf({
				message: 'Client network socket disconnected before secure TLS connection was established: SSL routines',
			}),
		).toBe('EPROTO');
		expect(networkCodeOf({ message: 'timeout of 5000ms exceeded' })).toBe('ETIMEDOUT');
	});
});

describe('credential checks, each rule on its own', () => {
	it('a Base URL that is not text is the default', () => {
		expect(checkBaseUrl(undefined)).toEqual({ ok: true, baseUrl: 'https://api.cometapi.com' });
		expect(checkBaseUrl(42)).toEqual({ ok: true, baseUrl: 'https://api.cometapi.com' });
		expect(checkBaseUrl('   ')).toEqual({ ok: true, baseUrl: 'https://api.cometapi.com' });
	});

	it.each([
		['a user name alone', 'https://user@api.cometapi.com', /user name or password/],
		['a password alone', 'https://:secret@api.cometapi.com', /user name or password/],
		['a query alone', 'https://api.cometapi.com/v?x=1', /query/],
		['a fragment alone', 'https://api.cometapi.com/v#x', /fragment/],
		['an empty query mark', 'https://api.cometapi.com/?', /query/],
	])('refuses %s', (_name, raw, message) => {
		const check = checkBaseUrl(raw);
		expect(check.ok ? '' : check.problem).toMatch(message);
	});

	it('names the bad URL or scheme in the message', () => {
		expect(checkBaseUrl('nope')).toEqual({
			ok: false,
			problem: 'The credential\'s Base URL "nope" is not a URL: use https://api.cometapi.com',
		});
		expect(checkBaseUrl('ws://x')).toEqual({
			ok: false,
			problem: 'The credential\'s Base URL must start with https:// (or http:// for a local proxy), not "ws:"',
		});
	});

	it('a key that is not text, or only spaces, is missing', () => {
		expect(checkCredentials({ apiKey: 5 as never, baseUrl: '' })).toEqual({
			ok: false,
			problem: 'The credential has no API key: paste your CometAPI key (sk-...)',
		});
		expect(checkCredentials({ apiKey: '   ', baseUrl: '' })).toEqual({
			ok: false,
			problem: 'The credential has no API key: paste your CometAPI key (sk-...)',
		});
		expect(checkCredentials({ apiKey: 'sk-ok', baseUrl: 'ftp://x' })).toMatchObject({
			ok: false,
			problem: expect.stringMatching(/must start with/),
		});
	});
});

describe('klingRequest limits', () => {
	it('the idle guard is the time left, at least one second', async () => {
		const fake = fakeContext({ api: [{ statusCode: 200, body: '{"code":0,"data":{"task_id":"x"}}' }] });
		await klingRequest(fake.ctx, { method: 'GET', path: '/p' }, { deadline: Date.now() + 30_000 });
		expect(fake.requests[0].options.timeout).toBeGreaterThan(29_000);
		expect(fake.requests[0].options.timeout).toBeLessThanOrEqual(30_000);
		await klingRequest(fake.ctx, { method: 'GET', path: '/p' }, { deadline: Date.now() - 5 });
		expect(fake.requests[1].options.timeout).toBe(1000);
	});

	it('a read sends no body and no Content-Type', async () => {
		const fake = fakeContext({ api: [{ statusCode: 200, body: '{"code":0,"data":{"task_id":"x"}}' }] });
		await klingRequest(fake.ctx, { method: 'GET', path: '/p' }, { deadline: Date.now() + 1000 });
		expect(fake.requests[0].options.headers).toEqual({ Accept: 'application/json' });
		expect(fake.requests[0].options.body).toBeUndefined();
	});

	it('without a stop signal, a time-out is a failure, not a cancellation', async () => {
		const fake = fakeContext({ api: ['hang'] });
		await expect(
			klingRequest(fake.ctx, { method: 'POST', path: '/p', body: {} }, { deadline: Date.now() + 50 }),
		).resolves.toEqual({
			ok: false,
			failure: { kind: 'timeout', reached: true },
		});
	});

	it('a stop signal that never fires does not turn a time-out into a cancellation', async () => {
		const fake = fakeContext({ api: ['hang'] });
		const signal = new AbortController().signal;
		await expect(
			klingRequest(fake.ctx, { method: 'GET', path: '/p' }, { deadline: Date.now() + 50, signal }),
		).resolves.toMatchObject({ failure: { kind: 'timeout' } });
	});

	it('a request that fails after Stop ends as a cancellation', async () => {
		const controller = new AbortController();
		const fake = fakeContext({
			api: () => {
				controller.abort();
				return new Error('canceled');
			},
		});
		await expect(
			klingRequest(fake.ctx, { method: 'GET', path: '/p' }, { deadline: Date.now() + 1000, signal: controller.signal }),
		).rejects.toMatchObject({ name: 'ManualExecutionCancelledError' });
	});

	it('uses the credential Base URL, and the default when the stored one is unusable', async () => {
		const fake = fakeContext({
			credentials: { apiKey: 'sk-x', baseUrl: 'https://u:p@x.test' },
			api: [{ statusCode: 200, body: '{}' }],
		});
		await klingRequest(fake.ctx, { method: 'GET', path: '/p' }, { deadline: Date.now() + 1000 });
		expect(fake.requests[0].url).toBe('https://api.cometapi.com/p');
	});
});

describe('a refused connection: Get Task gives up as a create does (review finding 10)', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0 }));
	afterEach(() => jest.useRealTimers());

	const BASE = 'https://api.example.test';
	const readOptions = (extra: Partial<ReadOptions> = {}): ReadOptions => ({
		itemIndex: 0,
		path: '/kling/v1/videos/text2video',
		baseUrl: BASE,
		signal: new AbortController().signal,
		deadline: 60_000,
		random: () => 1,
		onDeadline: () => new Error('deadline'),
		...extra,
	});
	const refused = () => networkError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9');

	it(`before anything got through: ${MAX_NOT_SENT_TRIES} tries within seconds, then "check the Base URL"`, async () => {
		const fake = fakeContext({ api: () => refused() });
		const promise = readTask(fake.ctx, 't1', readOptions({ firstContact: true }));
		const assertion = expect(promise).rejects.toMatchObject({
			message: `CometAPI could not be reached at ${BASE}: nothing was sent (task t1)`,
			description: expect.stringContaining(
				`Nothing reached CometAPI (3 tries over 3 s). Check the credential's Base URL (${BASE}) and that n8n can reach it`,
			),
		});
		await jest.advanceTimersByTimeAsync(60_000);
		await assertion;
		expect(fake.requests.map((r) => r.at)).toEqual([0, 1000, 3000]);
	});

	it('a read after others got through rides out a longer outage, and still names the Base URL', async () => {
		const fake = fakeContext({ api: () => refused() });
		const promise = readTask(fake.ctx, 't1', readOptions({ deadline: 10 * 60_000 }));
		const assertion = expect(promise).rejects.toMatchObject({
			description: expect.stringContaining(`Check the credential's Base URL (${BASE})`),
		});
		await jest.advanceTimersByTimeAsync(10 * 60_000);
		await assertion;
		expect(fake.requests).toHaveLength(8);
	});

	it('waiting: only the reads before the first answer give up early', async () => {
		let n = 0;
		const fake = fakeContext({
			api: () => (++n === 1 ? ok(task('processing')) : n <= 6 ? refused() : ok(task('succeed'))),
		});
		const { onDeadline: _drop, ...read } = readOptions({ firstContact: true, deadline: 10 * 60_000 });
		const promise = waitForTask(fake.ctx, 't1', {
			...read,
			pollIntervalMs: 1000,
			timeoutMs: 10 * 60_000,
			readFirst: true,
		});
		await jest.advanceTimersByTimeAsync(5 * 60_000);
		await expect(promise).resolves.toMatchObject({ task_status: 'succeed' });
		expect(fake.requests).toHaveLength(7);
	});
});
