import type { ApiFailure } from '../../../nodes/KlingCometApi/transport';
import {
	describeRequestError,
	isTransientNotSent,
	networkCodeOf,
} from '../../../nodes/KlingCometApi/transport/network';

describe('the basics', () => {
	const network = (networkCode: string, reached: boolean): ApiFailure => ({ kind: 'network', networkCode, reached });

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
});

/** The edges of answer parsing, error classification and credential checks, one behaviour per line. */
describe('edges', () => {
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
});
