import type { ApiFailure } from '../../../nodes/KlingCometApi/transport';
import {
	isCreateOutcomeUnknown,
	isRefusedForNow,
	isTransientRead,
	isWrongAddress,
} from '../../../nodes/KlingCometApi/transport/verdicts';

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
