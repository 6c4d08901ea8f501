import type { ApiFailure } from '../../nodes/KlingCometApi/transport';
import { checkBaseUrl, checkCredentials, klingRequest } from '../../nodes/KlingCometApi/transport';
import { failureError, explainFailure } from '../../nodes/KlingCometApi/transport/messages';
import { describeRequestError, isTransientNotSent } from '../../nodes/KlingCometApi/transport/network';
import { interpretResponse, parseRetryAfter } from '../../nodes/KlingCometApi/transport/response';
import {
	isCreateOutcomeUnknown,
	isRefusedForNow,
	isTransientRead,
	isWrongAddress,
} from '../../nodes/KlingCometApi/transport/verdicts';
import { fakeContext, unitNode } from '../helpers/fake-context';

const http = (httpStatus: number, code?: number | string, apiMessage?: string): ApiFailure => ({
	kind: 'http',
	httpStatus,
	code,
	apiMessage,
	reached: true,
});
const malformed = (httpStatus: number, bodyKind: ApiFailure['bodyKind']): ApiFailure => ({
	kind: 'malformed',
	httpStatus,
	bodyKind,
	reached: true,
});
const network = (networkCode: string, reached: boolean): ApiFailure => ({ kind: 'network', networkCode, reached });

describe('interpretResponse: the envelope and its variants', () => {
	const task = { task_id: 't1', task_status: 'submitted' };

	it.each(['success', 'SUCCEED'])('code 0 with message "%s" is success, request_id optional', (message) => {
		expect(interpretResponse(200, {}, JSON.stringify({ code: 0, message, data: task }))).toEqual({
			ok: true,
			data: task,
			requestId: undefined,
		});
		expect(interpretResponse(200, {}, JSON.stringify({ code: 0, message, request_id: 'r', data: task }))).toMatchObject(
			{ requestId: 'r' },
		);
	});

	it.each([
		['code missing', { data: task }],
		['code 200', { code: 200, data: task }],
		['code "success"', { code: 'success', data: task }],
		['code "0"', { code: '0', data: task }],
		['a non-zero code', { code: 1303, data: task }],
		['HTTP 201', { code: 0, data: task }, 201],
	])('any 2xx carrying a task id is a task (%s)', (_name, body, status = 200) => {
		expect(interpretResponse(status as number, {}, JSON.stringify(body))).toMatchObject({
			ok: true,
			data: { task_id: 't1' },
		});
	});

	it('a numeric task id beyond 2^53 keeps its digits', () => {
		const outcome = interpretResponse(
			200,
			{},
			'{"code":0,"data":{"task_id":860733404216143937,"task_status":"submitted"}}',
		);
		expect(outcome).toMatchObject({ ok: true, data: { task_id: '860733404216143937' } });
	});

	it('a read answer without a task id uses the id that was asked for', () => {
		expect(interpretResponse(200, {}, '{"code":0,"data":{"task_status":"processing"}}', 'asked')).toMatchObject({
			ok: true,
			data: { task_id: 'asked' },
		});
		expect(interpretResponse(200, {}, '{"code":0,"data":{"task_status":"processing"}}')).toMatchObject({
			ok: false,
			failure: { bodyKind: 'no-task' },
		});
	});

	it('a 2xx without a task id is "no task", never a verdict', () => {
		for (const body of [
			'{"code":0,"message":"success"}',
			'{"code":0,"data":{}}',
			'{"code":0,"data":[]}',
			'{"data":null}',
		]) {
			expect(interpretResponse(200, {}, body)).toMatchObject({
				ok: false,
				failure: { kind: 'malformed', bodyKind: 'no-task', reached: true },
			});
		}
	});

	it('reads the Kling error shape with its HTTP status and Retry-After', () => {
		const outcome = interpretResponse(
			429,
			{ 'retry-after': '3' },
			'{"code":1302,"message":"too fast","request_id":"r9"}',
		);
		expect(outcome).toEqual({
			ok: false,
			failure: {
				kind: 'http',
				httpStatus: 429,
				code: 1302,
				apiMessage: 'too fast',
				requestId: 'r9',
				retryAfterMs: 3000,
				reached: true,
				bodyKind: undefined,
			},
		});
	});

	it("reads CometAPI's gateway shape", () => {
		const body = JSON.stringify({
			error: { message: 'model x not found (request id: 1)', type: 'comet_api_error', code: 'model_not_found' },
		});
		expect(interpretResponse(503, {}, body)).toMatchObject({
			ok: false,
			failure: { kind: 'http', httpStatus: 503, code: 'model_not_found' },
		});
		const noCode = JSON.stringify({ error: { message: 'upstream', type: 'comet_api_error', code: '' } });
		expect(interpretResponse(500, {}, noCode)).toMatchObject({ failure: { code: undefined, apiMessage: 'upstream' } });
	});

	it.each([
		['<html><body>502 Bad gateway</body></html>', 'html'],
		['{"code":0,"message":"success","data":{"task_id":"', 'truncated-json'],
		['', 'empty'],
		['Service Unavailable', 'other'],
		['[1,2]', 'other'],
		['"text"', 'other'],
	])('an unparseable body is a malformed answer: %s', (body, bodyKind) => {
		expect(interpretResponse(502, {}, body)).toEqual({
			ok: false,
			failure: { kind: 'malformed', httpStatus: 502, bodyKind, retryAfterMs: undefined, reached: true },
		});
	});
});

describe('parseRetryAfter', () => {
	it('takes seconds or an HTTP date', () => {
		expect(parseRetryAfter('5')).toBe(5000);
		expect(parseRetryAfter(2)).toBe(2000);
		expect(parseRetryAfter(['4'])).toBe(4000);
		const now = Date.parse('2026-01-01T00:00:00Z');
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
		expect(parseRetryAfter('Thu, 01 Jan 2025 00:00:10 GMT', now)).toBe(0);
		expect(parseRetryAfter(undefined)).toBeUndefined();
		expect(parseRetryAfter('  ')).toBeUndefined();
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(parseRetryAfter('-3')).toBe(0);
	});
});

describe('describeRequestError: was anything sent?', () => {
	// The shapes n8n 2.8 produces (code kept in httpCode, cause dropped) and others (cause / errorResponse kept).
	it.each([
		[
			'n8n 2.8 refused',
			{ message: 'The service refused the connection - perhaps it is offline', httpCode: 'ECONNREFUSED' },
			'ECONNREFUSED',
			false,
		],
		['a refused cause', { message: 'wrapped', cause: { code: 'ECONNREFUSED' } }, 'ECONNREFUSED', false],
		[
			"only n8n's sentence",
			{ message: 'The service refused the connection - perhaps it is offline' },
			'ECONNREFUSED',
			false,
		],
		[
			'invalid URL in errorResponse',
			{ message: 'Invalid URL', errorResponse: { code: 'ERR_INVALID_URL' }, httpCode: 'ERR_INVALID_URL' },
			'ERR_INVALID_URL',
			false,
		],
		[
			'unsupported protocol',
			{ message: 'Unsupported protocol ftp:', httpCode: 'ERR_BAD_REQUEST' },
			'ERR_INVALID_PROTOCOL',
			false,
		],
		['DNS', { message: 'x', httpCode: 'ENOTFOUND' }, 'ENOTFOUND', false],
		[
			'bad header',
			{ message: 'Invalid character in header content ["Authorization"]', httpCode: 'ERR_INVALID_CHAR' },
			'ERR_INVALID_CHAR',
			false,
		],
		[
			'TLS to a plain server',
			{ message: 'write EPROTO 0000:error:0A00010B:SSL routines::wrong version number' },
			'EPROTO',
			false,
		],
		['a reset', { message: 'x', code: 'ECONNRESET' }, 'ECONNRESET', true],
		['socket hang up', new Error('socket hang up'), 'ECONNRESET', true],
		['a time-out', new Error('timeout of 60000ms exceeded'), 'ETIMEDOUT', true],
		['nothing known', new Error('weird'), 'EUNKNOWN', true],
	])('%s', (_name, error, networkCode, reached) => {
		expect(describeRequestError(error)).toEqual({ kind: 'network', networkCode, reached });
	});

	it('a refused connection is worth a retry; an invalid URL is not', () => {
		expect(isTransientNotSent(network('ECONNREFUSED', false))).toBe(true);
		expect(isTransientNotSent(network('ERR_INVALID_URL', false))).toBe(false);
		expect(isTransientNotSent(network('ECONNRESET', true))).toBe(false);
	});
});

describe('verdicts', () => {
	it.each<[string, ApiFailure, boolean, boolean, boolean]>([
		// name, failure, transient read, refused for now (resend create), create outcome unknown
		['429 1302', http(429, 1302), true, true, false],
		['429 1303', http(429, 1303), true, true, false],
		['429 plain', http(429), true, true, false],
		['429 quota', http(429, undefined, 'insufficient quota'), false, false, false],
		['429 1102', http(429, 1102), false, false, false],
		['429 1304', http(429, 1304), false, false, false],
		['500 5000', http(500, 5000), true, false, true],
		['503 5001', http(503, 5001), true, false, true],
		['504 plain', http(504), true, false, true],
		['401 1002', http(401, 1002), false, false, false],
		['503 model_not_found', http(503, 'model_not_found'), false, false, false],
		['500 gateway code', http(500, 'upstream_error'), false, false, true],
		['400 1301', http(400, 1301), false, false, false],
		['502 html', malformed(502, 'html'), true, false, true],
		['404 html (wrong URL)', malformed(404, 'html'), false, false, false],
		['405 text (wrong URL)', malformed(405, 'other'), false, false, false],
		['429 html', malformed(429, 'html'), true, true, false],
		['200 no task', malformed(200, 'no-task'), true, false, true],
		['200 truncated', malformed(200, 'truncated-json'), true, false, true],
		['reset', network('ECONNRESET', true), true, false, true],
		['refused', network('ECONNREFUSED', false), true, true, false],
		['invalid URL', network('ERR_INVALID_URL', false), false, false, false],
		['time-out', { kind: 'timeout', reached: true }, true, false, true],
	])('%s', (_name, failure, transientRead, refusedForNow, unknown) => {
		expect(isTransientRead(failure)).toBe(transientRead);
		expect(isRefusedForNow(failure)).toBe(refusedForNow);
		expect(isCreateOutcomeUnknown(failure)).toBe(unknown);
	});

	it('a 4xx page that is not the API JSON is a wrong address', () => {
		expect(isWrongAddress(malformed(404, 'html'))).toBe(true);
		expect(isWrongAddress(malformed(404, 'no-task'))).toBe(false);
		expect(isWrongAddress(malformed(502, 'html'))).toBe(false);
		expect(isWrongAddress(http(404, 1203))).toBe(false);
	});
});

describe('messages a person understands', () => {
	const base = 'https://api.example.test';
	it.each<[ApiFailure, 'create' | 'read', RegExp]>([
		[http(401, 1002), 'create', /rejected the API key/],
		[http(429, 1102), 'create', /top up/],
		[http(403, undefined, 'insufficient user quota'), 'create', /top up/],
		[http(403, 1103), 'create', /no access/],
		[http(404, 'model_not_found'), 'create', /does not know this model/],
		[http(404, 1203), 'read', /no task with this id/],
		[http(404), 'read', /no task with this id/],
		[http(400, 1301), 'create', /content safety/],
		[http(429, 1302), 'create', /Rate limited/],
		[http(429, 1303), 'create', /too many Kling tasks.*Create Requests at Once/],
		[http(429, 1303), 'read', /^CometAPI is busy \(code 1303\)/],
		[http(429, 1304), 'create', /IP allow-list/],
		[http(400, 1201), 'create', /refused the parameters/],
		[http(503, 5001), 'create', /maintenance/],
		[http(500, 5002), 'create', /backlog/],
		[http(418, 'success'), 'create', /code success\)$/],
		[malformed(502, 'html'), 'read', /web page instead of JSON/],
		[
			malformed(404, 'html'),
			'create',
			/Nothing at https:\/\/api\.example\.test answers like CometAPI.*Base URL is wrong/,
		],
		[
			network('ECONNREFUSED', false),
			'create',
			/^CometAPI could not be reached at https:\/\/api\.example\.test: nothing was sent$/,
		],
		[network('ECONNRESET', true), 'create', /broke before an answer/],
		[{ kind: 'timeout', reached: true }, 'read', /did not answer in time/],
	])('%j (%s)', (failure, kind, message) => {
		const text = explainFailure(failure, kind, base);
		expect(text).toMatch(message);
		expect(text).not.toMatch(/NaN|undefined|\[object Object\]/);
	});

	it('failureError keeps status, the API message and the task id', () => {
		const error = failureError(unitNode(), http(401, 1002, 'Authorization is invalid'), {
			itemIndex: 2,
			kind: 'read',
			baseUrl: base,
			taskId: 'task-9',
			hint: 'Try later',
		});
		expect(error.message).toBe(
			"CometAPI rejected the API key: check the key in the node's CometAPI (Kling) credential (task task-9)",
		);
		expect(error.httpCode).toBe('401');
		expect(error.description).toBe('Try later. API message: Authorization is invalid; code: 1002; HTTP status: 401');
		expect(error.context).toMatchObject({ itemIndex: 2, taskId: 'task-9' });
	});
});

describe('credential checks before any request', () => {
	it.each([
		['', 'https://api.cometapi.com'],
		['https://api.cometapi.com/', 'https://api.cometapi.com'],
		['  http://127.0.0.1:8787//  ', 'http://127.0.0.1:8787'],
		['https://proxy.example/comet/', 'https://proxy.example/comet'],
	])('%j is used as %s', (raw, expected) => {
		expect(checkBaseUrl(raw)).toEqual({ ok: true, baseUrl: expected });
	});

	it.each([
		['127.0.0.1:1', /not a URL|must start with https/],
		['api.cometapi.com', /not a URL/],
		['ftp://api.cometapi.com', /must start with https:\/\//],
		['https://user:pass@api.cometapi.com', /user name or password/],
		['https://api.cometapi.com/?x=1', /query/],
		['https://api.cometapi.com/#frag', /fragment/],
	])('%j is refused', (raw, message) => {
		const check = checkBaseUrl(raw);
		expect(check.ok).toBe(false);
		expect(check.ok ? '' : check.problem).toMatch(message);
	});

	it('an API key with a line break, a space or nothing is refused', () => {
		for (const apiKey of ['sk-abc\ndef', 'sk-abc def', ' ', '', 'sk-ключ']) {
			expect(checkCredentials({ apiKey, baseUrl: '' })).toMatchObject({ ok: false });
		}
		expect(checkCredentials({ apiKey: 'sk-good', baseUrl: '' })).toEqual({
			ok: true,
			baseUrl: 'https://api.cometapi.com',
		});
	});
});

describe('klingRequest', () => {
	it("sends JSON with the key only through n8n's authenticated helper, never following the key across origins", async () => {
		const fake = fakeContext({
			api: [{ statusCode: 200, body: { code: 0, data: { task_id: 'x', task_status: 'submitted' } } }],
		});
		const outcome = await klingRequest(
			fake.ctx,
			{ method: 'POST', path: '/p', body: { a: 1 } },
			{ deadline: Date.now() + 5000 },
		);
		expect(outcome).toMatchObject({ ok: true, data: { task_id: 'x' } });
		const [request] = fake.requests;
		expect(request).toMatchObject({
			method: 'POST',
			url: 'https://api.example.test/p',
			authenticated: true,
			body: { a: 1 },
		});
		expect(request.options).toMatchObject({
			encoding: 'text',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			sendCredentialsOnCrossOriginRedirect: false,
			headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
		});
	});

	it('an answer that never comes is a time-out at the deadline, not later', async () => {
		const fake = fakeContext({ api: ['hang'] });
		const started = Date.now();
		const outcome = await klingRequest(fake.ctx, { method: 'GET', path: '/p' }, { deadline: started + 300 });
		expect(outcome).toEqual({ ok: false, failure: { kind: 'timeout', reached: true } });
		expect(Date.now() - started).toBeLessThan(1000);
	});

	it('a thrown request becomes a described network failure', async () => {
		const fake = fakeContext({
			api: [
				Object.assign(new Error('The service refused the connection - perhaps it is offline'), {
					httpCode: 'ECONNREFUSED',
				}),
			],
		});
		const outcome = await klingRequest(fake.ctx, { method: 'GET', path: '/p' }, { deadline: Date.now() + 1000 });
		expect(outcome).toEqual({ ok: false, failure: { kind: 'network', networkCode: 'ECONNREFUSED', reached: false } });
	});

	it("Stop during a read throws n8n's cancellation error at once", async () => {
		const controller = new AbortController();
		const fake = fakeContext({ api: ['hang'] });
		const promise = klingRequest(
			fake.ctx,
			{ method: 'GET', path: '/p' },
			{ deadline: Date.now() + 60_000, signal: controller.signal },
		);
		controller.abort();
		await expect(promise).rejects.toMatchObject({ name: 'ManualExecutionCancelledError' });
	});
});
