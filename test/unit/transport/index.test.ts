import { checkBaseUrl, checkCredentials, klingRequest } from '../../../nodes/KlingCometApi/transport';
import { fakeContext } from '../../helpers/fake-context';

describe('the basics', () => {
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
});

/** The edges of answer parsing, error classification and credential checks, one behaviour per line. */
describe('edges', () => {
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
				klingRequest(
					fake.ctx,
					{ method: 'GET', path: '/p' },
					{ deadline: Date.now() + 1000, signal: controller.signal },
				),
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
});
