import type { ApiFailure } from '../../../nodes/KlingCometApi/transport';
import {
	failureError,
	explainFailure,
	describeFailure,
	tagTask,
	taskApiError,
	taskNotFoundMessage,
} from '../../../nodes/KlingCometApi/transport/messages';
import { unitNode } from '../../helpers/fake-context';

describe('the basics', () => {
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
});

/** Every message branch, word for word: what a user reads is behaviour. */
describe('every message', () => {
	const BASE = 'https://api.example.test';
	const http = (httpStatus: number | undefined, code?: number | string, apiMessage?: string): ApiFailure => ({
		kind: 'http',
		httpStatus,
		code,
		apiMessage,
		reached: true,
	});

	describe('explainFailure, word for word', () => {
		it.each<[string, ApiFailure, 'create' | 'read', string]>([
			[
				'refused',
				{ kind: 'network', networkCode: 'ECONNREFUSED', reached: false },
				'create',
				`CometAPI could not be reached at ${BASE}: nothing was sent`,
			],
			[
				'reset',
				{ kind: 'network', networkCode: 'ECONNRESET', reached: true },
				'create',
				'The connection to CometAPI broke before an answer arrived',
			],
			['time-out', { kind: 'timeout', reached: true }, 'read', 'CometAPI did not answer in time'],
			[
				'404 page',
				{ kind: 'malformed', httpStatus: 404, bodyKind: 'html', reached: true },
				'create',
				`Nothing at ${BASE} answers like CometAPI (HTTP 404, a web page): the credential's Base URL is wrong (it should be https://api.cometapi.com); nothing was sent to Kling`,
			],
			[
				'405 text',
				{ kind: 'malformed', httpStatus: 405, bodyKind: 'other', reached: true },
				'read',
				`Nothing at ${BASE} answers like CometAPI (HTTP 405, not JSON): the credential's Base URL is wrong (it should be https://api.cometapi.com); nothing was sent to Kling`,
			],
			[
				'no task',
				{ kind: 'malformed', httpStatus: 200, bodyKind: 'no-task', reached: true },
				'create',
				'CometAPI answered HTTP 200 without a task',
			],
			[
				'502 page',
				{ kind: 'malformed', httpStatus: 502, bodyKind: 'html', reached: true },
				'read',
				'CometAPI answered with a web page instead of JSON (HTTP 502): the service may be down',
			],
			[
				'200 cut',
				{ kind: 'malformed', httpStatus: 200, bodyKind: 'truncated-json', reached: true },
				'read',
				'CometAPI sent an answer that is not valid JSON (HTTP 200): the service may be having trouble',
			],
			[
				'1000',
				http(400, 1000),
				'create',
				"CometAPI rejected the API key: check the key in the node's CometAPI (Kling) credential",
			],
			[
				'1004',
				http(400, 1004),
				'create',
				"CometAPI rejected the API key: check the key in the node's CometAPI (Kling) credential",
			],
			[
				'401',
				http(401),
				'create',
				"CometAPI rejected the API key: check the key in the node's CometAPI (Kling) credential",
			],
			[
				'1100',
				http(400, 1100),
				'create',
				'Your CometAPI account cannot pay for this task (no balance left, account in arrears or resource pack used up): top up your CometAPI account',
			],
			[
				'1102',
				http(429, 1102),
				'create',
				'Your CometAPI account cannot pay for this task (no balance left, account in arrears or resource pack used up): top up your CometAPI account',
			],
			[
				'402',
				http(402),
				'create',
				'Your CometAPI account cannot pay for this task (no balance left, account in arrears or resource pack used up): top up your CometAPI account',
			],
			[
				'quota text',
				http(500, undefined, 'insufficient balance'),
				'create',
				'Your CometAPI account cannot pay for this task (no balance left, account in arrears or resource pack used up): top up your CometAPI account',
			],
			[
				'1103',
				http(403, 1103),
				'create',
				'This API key has no access to this Kling API or model: pick another model or enable it for your account',
			],
			[
				'1202 read',
				http(404, 1202),
				'read',
				'CometAPI has no task with this id: check the Task ID (it must come from a task created with this account)',
			],
			[
				'1203 read',
				http(404, 1203),
				'read',
				'CometAPI has no task with this id: check the Task ID (it must come from a task created with this account)',
			],
			[
				'404 read',
				http(404),
				'read',
				'CometAPI has no task with this id: check the Task ID (it must come from a task created with this account)',
			],
			[
				'404 gateway read',
				http(404, 'not_found'),
				'read',
				`CometAPI did not find this path: check the credential's Base URL (${BASE})`,
			],
			[
				'1202 create',
				http(404, 1202),
				'create',
				'CometAPI does not know this model or resource: choose a model from the list or check the model name',
			],
			[
				'1203 create',
				http(404, 1203),
				'create',
				'CometAPI does not know this model or resource: choose a model from the list or check the model name',
			],
			[
				'model_not_found',
				http(503, 'model_not_found'),
				'create',
				'CometAPI does not know this model or resource: choose a model from the list or check the model name',
			],
			[
				'1300',
				http(400, 1300),
				'create',
				"Kling's content safety check refused the request: rephrase the prompt or negative prompt",
			],
			[
				'1301',
				http(400, 1301),
				'create',
				"Kling's content safety check refused the request: rephrase the prompt or negative prompt",
			],
			['1302', http(429, 1302), 'read', 'Rate limited by CometAPI: requests are coming too fast'],
			[
				'1303 create',
				http(429, 1303),
				'create',
				'Your account has too many Kling tasks running at once: wait for some to finish or lower Options → Create Requests at Once',
			],
			['1303 read', http(429, 1303), 'read', 'CometAPI is busy (code 1303) and did not answer the status read'],
			[
				'1304',
				http(429, 1304),
				'create',
				'CometAPI refused the request because of an IP allow-list policy on your account',
			],
			['1200', http(400, 1200), 'create', 'CometAPI refused the parameters of this request'],
			['1201', http(422, 1201), 'create', 'CometAPI refused the parameters of this request'],
			['400', http(400), 'create', 'CometAPI refused the parameters of this request'],
			['invalid_request', http(422, 'invalid_request'), 'create', 'CometAPI refused the parameters of this request'],
			['1199', http(418, 1199), 'create', 'CometAPI answered with an error (HTTP 418, code 1199)'],
			['429', http(429), 'create', 'Rate limited by CometAPI: too many requests'],
			['403', http(403), 'create', 'CometAPI refused access (HTTP 403): the key may lack permission for this model'],
			['404 create', http(404), 'create', `CometAPI did not find this path: check the credential's Base URL (${BASE})`],
			['5001', http(500, 5001), 'create', 'Kling is under maintenance or unavailable: try again later'],
			['503', http(503), 'create', 'Kling is under maintenance or unavailable: try again later'],
			['5002', http(500, 5002), 'create', 'Kling has a backlog and cannot take this request now: try again later'],
			['5000 without status', http(undefined, 5000), 'create', 'CometAPI or Kling had a server error (HTTP unknown)'],
			['500', http(500), 'create', 'CometAPI or Kling had a server error (HTTP 500)'],
			['499', http(499), 'create', 'CometAPI answered with an error (HTTP 499)'],
			['nothing', http(undefined), 'create', 'CometAPI answered with an error (HTTP unknown)'],
			['a text code', http(418, 'success'), 'create', 'CometAPI answered with an error (HTTP 418, code success)'],
		])('%s', (_name, failure, kind, expected) => {
			expect(explainFailure(failure, kind, BASE)).toBe(expected);
		});
	});

	describe('describeFailure', () => {
		it('lists what the API said, in a fixed order', () => {
			expect(
				describeFailure({
					kind: 'http',
					httpStatus: 429,
					code: 1303,
					apiMessage: 'busy',
					requestId: 'r1',
					networkCode: 'X',
					reached: true,
				}),
			).toBe('API message: busy; code: 1303; HTTP status: 429; network error: X; request id: r1');
			expect(describeFailure({ kind: 'network', networkCode: 'ECONNRESET', reached: true })).toBe(
				'network error: ECONNRESET',
			);
			expect(describeFailure({ kind: 'timeout', reached: true })).toBe('');
			expect(describeFailure(http(500, 0))).toBe('code: 0; HTTP status: 500');
		});
	});

	describe('errors that carry the task', () => {
		it('taskApiError keeps our message, the status as httpCode, and the task in context and response', () => {
			const error = taskApiError(unitNode(), {
				message: 'M',
				description: 'D',
				httpStatus: 404,
				apiCode: 1203,
				itemIndex: 3,
				taskId: 't',
				taskStatus: 's',
			});
			expect(error.message).toBe('M');
			expect(error.description).toBe('D');
			expect(error.httpCode).toBe('404');
			expect(error.context).toMatchObject({ itemIndex: 3, taskId: 't', taskStatus: 's' });
			expect(error.errorResponse).toEqual({ message: 'M', httpStatus: 404, apiCode: 1203, task_id: 't' });
		});

		it('taskApiError without status, code or task adds none of them', () => {
			const error = taskApiError(unitNode(), { message: 'M', itemIndex: 0 });
			expect(error.httpCode).toBeNull();
			expect(error.errorResponse).toEqual({ message: 'M' });
			expect(error.context).not.toHaveProperty('taskId');
			expect(error.context).not.toHaveProperty('taskStatus');
		});

		it('tagTask adds only what it is given', () => {
			expect(
				tagTask(new Error('x') as Error & { context?: Record<string, unknown> }, undefined, undefined).context,
			).toEqual({});
			expect(tagTask(Object.assign(new Error('x'), { context: { a: 1 } }), 't', 's').context).toEqual({
				a: 1,
				taskId: 't',
				taskStatus: 's',
			});
		});

		it('failureError names the task once, and joins hint and details', () => {
			const failure = http(503, 5001, 'maintenance');
			const named = failureError(unitNode(), failure, {
				itemIndex: 1,
				kind: 'read',
				baseUrl: BASE,
				taskId: 't9',
				hint: 'Wait',
			});
			expect(named.message).toBe('Kling is under maintenance or unavailable: try again later (task t9)');
			expect(named.description).toBe('Wait. API message: maintenance; code: 5001; HTTP status: 503');
			const own = failureError(unitNode(), failure, {
				itemIndex: 1,
				kind: 'read',
				baseUrl: BASE,
				taskId: 't9',
				message: 'Task t9 is gone',
			});
			expect(own.message).toBe('Task t9 is gone');
			expect(own.description).toBe('API message: maintenance; code: 5001; HTTP status: 503');
			const bare = failureError(
				unitNode(),
				{ kind: 'timeout', reached: true },
				{ itemIndex: 0, kind: 'read', baseUrl: BASE },
			);
			expect(bare.description).toBeUndefined();
		});
	});

	describe('taskNotFoundMessage: one sentence, no "try again later" (review finding 11)', () => {
		it.each<[string, string[], boolean, string]>([
			[
				'every kind read',
				['text-to-video', 'image-to-video', 'multi-image-to-video'],
				true,
				'CometAPI has no task with this id (t1) under any task kind for this API key: check the Task ID and the credential',
			],
			[
				'one kind read',
				['text-to-video'],
				false,
				'CometAPI has no task with this id (t1) under the text-to-video kind for this API key: check the Task ID, the Task Kind and the credential',
			],
			[
				'some kinds read',
				['text-to-video', 'image-to-video'],
				false,
				'CometAPI has no task with this id (t1) under the text-to-video, image-to-video kinds for this API key: check the Task ID, the Task Kind and the credential',
			],
			[
				'no kind known',
				[],
				false,
				'CometAPI has no task with this id (t1) for this API key: check the Task ID and the credential',
			],
		])('%s', (_name, kinds, everyKind, expected) => {
			expect(taskNotFoundMessage('t1', kinds, everyKind)).toBe(expected);
		});
	});
});
