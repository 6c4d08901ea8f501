import type { INode } from 'n8n-workflow';

import type { ApiFailure } from '../../nodes/KlingCometApi/transport';
import { describeNetworkError, interpretResponse, parseRetryAfter } from '../../nodes/KlingCometApi/transport';
import {
	explainFailure,
	isOutcomeUnknown,
	isSafeToResubmit,
	isTransient,
	redact,
	toNodeApiError,
} from '../../nodes/KlingCometApi/transport/errors';

const node: INode = { id: '1', name: 'Kling', type: 'klingCometApi', typeVersion: 1, position: [0, 0], parameters: {} };
const http = (httpStatus: number, code?: number | string, apiMessage?: string): ApiFailure => ({
	kind: 'http',
	httpStatus,
	code,
	apiMessage,
	bodySent: true,
});

describe('interpretResponse: the envelope and its variants', () => {
	const task = { task_id: 't1', task_status: 'submitted' };

	it.each(['success', 'SUCCEED'])('code 0 with message "%s" is success, request_id optional', (message) => {
		expect(interpretResponse(200, {}, JSON.stringify({ code: 0, message, data: task }))).toEqual({
			ok: true,
			data: task,
			requestId: undefined,
		});
		expect(interpretResponse(200, {}, JSON.stringify({ code: 0, message, request_id: 'r', data: task }))).toMatchObject({
			requestId: 'r',
		});
	});

	it('reads the Kling error shape with its HTTP status and Retry-After', () => {
		const outcome = interpretResponse(429, { 'retry-after': '3' }, '{"code":1302,"message":"too fast","request_id":"r9"}');
		expect(outcome).toEqual({
			ok: false,
			failure: { kind: 'http', httpStatus: 429, code: 1302, apiMessage: 'too fast', requestId: 'r9', retryAfterMs: 3000, bodySent: true },
		});
	});

	it("reads CometAPI's gateway shape", () => {
		const body = JSON.stringify({ error: { message: 'model x not found (request id: 1)', type: 'comet_api_error', code: 'model_not_found' } });
		expect(interpretResponse(503, {}, body)).toMatchObject({
			ok: false,
			failure: { kind: 'http', httpStatus: 503, code: 'model_not_found', apiMessage: 'model x not found (request id: 1)' },
		});
		const noCode = JSON.stringify({ error: { message: 'upstream', type: 'comet_api_error', code: '' } });
		expect(interpretResponse(500, {}, noCode)).toMatchObject({ failure: { code: undefined, apiMessage: 'upstream' } });
	});

	it.each([
		['<html><body>502 Bad gateway</body></html>', 'html'],
		['{"code":0,"message":"success","data":{"task_id":"', 'truncated-json'],
		['', 'empty'],
		['Service Unavailable', 'other'],
	])('an unparseable body is a malformed answer: %s', (body, bodyKind) => {
		expect(interpretResponse(502, {}, body)).toEqual({
			ok: false,
			failure: { kind: 'malformed', httpStatus: 502, bodyKind, retryAfterMs: undefined, bodySent: true },
		});
	});

	it('code 0 without data is malformed, not success', () => {
		expect(interpretResponse(200, {}, '{"code":0,"message":"success"}')).toMatchObject({ ok: false, failure: { kind: 'malformed' } });
	});
});

describe('parseRetryAfter', () => {
	it('takes seconds or an HTTP date', () => {
		expect(parseRetryAfter('5')).toBe(5000);
		expect(parseRetryAfter(2)).toBe(2000);
		const now = Date.parse('2026-01-01T00:00:00Z');
		expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
		expect(parseRetryAfter(undefined)).toBeUndefined();
		expect(parseRetryAfter('soon')).toBeUndefined();
	});
});

describe('describeNetworkError', () => {
	it('finds the code in n8n-wrapped errors and knows which never reached the server', () => {
		const refused = { message: 'wrapped', cause: { code: 'ECONNREFUSED' } };
		expect(describeNetworkError(refused)).toEqual({ kind: 'network', networkCode: 'ECONNREFUSED', bodySent: false });
		expect(describeNetworkError({ message: 'x', code: 'ECONNRESET' })).toMatchObject({ networkCode: 'ECONNRESET', bodySent: true });
		expect(describeNetworkError(new Error('timeout of 60000ms exceeded'))).toMatchObject({ networkCode: 'ETIMEDOUT', bodySent: true });
	});
});

describe('retry classification', () => {
	it.each([
		[http(429, 1302), true, true],
		[http(429, 1303), true, true],
		[http(429), true, true],
		[http(429, 1102), false, false],
		[http(429, 1304), false, false],
		[http(500, 5000), true, false],
		[http(503, 5001), true, false],
		[http(504), true, false],
		[http(401, 1002), false, false],
		[http(503, 'model_not_found'), false, false],
		[http(500), true, false],
		[http(400, 1301), false, false],
		[{ kind: 'malformed', httpStatus: 502, bodyKind: 'html', bodySent: true } as ApiFailure, true, false],
		[{ kind: 'network', networkCode: 'ECONNRESET', bodySent: true } as ApiFailure, true, false],
		[{ kind: 'network', networkCode: 'ECONNREFUSED', bodySent: false } as ApiFailure, true, true],
	])('%j: transient for a read %s, safe to resend a create %s', (failure, transient, resubmit) => {
		expect(isTransient(failure)).toBe(transient);
		expect(isSafeToResubmit(failure)).toBe(resubmit);
	});

	it('a create with a reset, a 5xx or an HTML answer has an unknown outcome', () => {
		expect(isOutcomeUnknown({ kind: 'network', networkCode: 'ECONNRESET', bodySent: true })).toBe(true);
		expect(isOutcomeUnknown(http(500, 5000))).toBe(true);
		expect(isOutcomeUnknown({ kind: 'malformed', httpStatus: 200, bodyKind: 'truncated-json', bodySent: true })).toBe(true);
		expect(isOutcomeUnknown(http(429, 1302))).toBe(false);
		expect(isOutcomeUnknown(http(400, 1201))).toBe(false);
	});
});

describe('messages a person understands', () => {
	it.each([
		[http(401, 1002), /rejected the API key/],
		[http(429, 1102), /top up/],
		[{ ...http(403, undefined, 'insufficient user quota') }, /top up/],
		[http(403, 1103), /no access/],
		[http(404, 'model_not_found'), /does not know this model/],
		[http(400, 1301), /content safety/],
		[http(429, 1302), /Rate limited/],
		[http(429, 1303), /too many Kling tasks/],
		[http(429, 1304), /IP allow-list/],
		[http(400, 1201), /refused the parameters/],
		[http(503, 5001), /maintenance/],
		[http(500, 5002), /backlog/],
		[{ kind: 'malformed', httpStatus: 502, bodyKind: 'html', bodySent: true } as ApiFailure, /web page instead of JSON.*Base URL/],
		[{ kind: 'network', networkCode: 'ECONNREFUSED', bodySent: false } as ApiFailure, /could not be reached/],
	])('%j', (failure, message) => {
		expect(explainFailure(failure)).toMatch(message);
	});
});

describe('toNodeApiError', () => {
	it('keeps status, the API message, the task id, and no key', () => {
		const failure = http(401, 1002, 'Authorization is invalid: token sk-live-supersecret123 is not valid');
		const error = toNodeApiError(node, failure, { itemIndex: 2, taskId: 'task-9', apiKey: 'sk-live-supersecret123' });
		expect(error.message).toBe("CometAPI rejected the API key: check the key in the node's CometAPI (Kling) credential (task task-9)");
		expect(error.httpCode).toBe('401');
		expect(error.description).toContain('code: 1002');
		expect(error.context).toMatchObject({ itemIndex: 2, taskId: 'task-9' });
		expect(JSON.stringify(error)).not.toContain('supersecret');
		expect(JSON.stringify({ ...error, description: error.description })).not.toContain('supersecret');
	});

	it('redact removes the exact key and anything shaped like one', () => {
		expect(redact('token abc-key-1 and sk-other1234', 'abc-key-1')).toBe('token *** and sk-***');
	});
});
