import { interpretResponse, parseRetryAfter, callbackTask } from '../../../nodes/KlingCometApi/transport/response';

describe('the basics', () => {
	describe('interpretResponse: the envelope and its variants', () => {
		const task = { task_id: 't1', task_status: 'submitted' };

		it.each(['success', 'SUCCEED'])('code 0 with message "%s" is success, request_id optional', (message) => {
			expect(interpretResponse(200, {}, JSON.stringify({ code: 0, message, data: task }))).toEqual({
				ok: true,
				data: task,
				requestId: undefined,
			});
			expect(
				interpretResponse(200, {}, JSON.stringify({ code: 0, message, request_id: 'r', data: task })),
			).toMatchObject({ requestId: 'r' });
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
			expect(interpretResponse(500, {}, noCode)).toMatchObject({
				failure: { code: undefined, apiMessage: 'upstream' },
			});
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
});

/** The edges of answer parsing, error classification and credential checks, one behaviour per line. */
describe('edges', () => {
	const envelope = (data: unknown, extra: object = {}) => JSON.stringify({ code: 0, data, ...extra });

	describe('interpretResponse edges', () => {
		it('keeps long numeric ids exact, with spaces around the colon, and leaves short numbers alone', () => {
			expect(interpretResponse(200, {}, '{"data":{"task_id" : 1234567890123456789 ,"task_status":"s"}}')).toMatchObject(
				{
					data: { task_id: '1234567890123456789' },
				},
			);
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
			expect(interpretResponse(200, {}, envelope({ task_id: 12 }))).toMatchObject({
				ok: true,
				data: { task_id: '12' },
			});
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
			const long = interpretResponse(
				400,
				{},
				JSON.stringify({ code: 1201, message: 'm', request_id: 'r'.repeat(300) }),
			);
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
			expect(interpretResponse(502, { 'retry-after': '3' }, '<html>')).toMatchObject({
				failure: { retryAfterMs: 3000 },
			});
			expect(parseRetryAfter(true)).toBeUndefined();
			expect(parseRetryAfter({})).toBeUndefined();
		});
	});
});

describe('the webhook', () => {
	describe('callback bodies', () => {
		it('reads the bare task and the {code, message, data} wrapper; ignores anything without a valid id', () => {
			expect(callbackTask({ task_id: 'abc', task_status: 'succeed' })).toEqual({ taskId: 'abc', status: 'succeed' });
			expect(callbackTask({ code: 0, message: 'SUCCEED', data: { task_id: 'abc', task_status: 'failed' } })).toEqual({
				taskId: 'abc',
				status: 'failed',
			});
			expect(callbackTask({ task_id: 12345 })).toEqual({ taskId: '12345', status: '' });
			for (const bad of [null, 'text', [], { task_id: '../x' }, { task_id: '' }, { data: { task_id: 1.5 } }]) {
				expect(callbackTask(bad)).toBeUndefined();
			}
		});
	});
});
