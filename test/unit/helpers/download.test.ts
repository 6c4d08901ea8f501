import { pipeline, Readable } from 'node:stream';
import { brotliCompressSync, createBrotliDecompress, createUnzip, deflateSync, gzipSync } from 'node:zlib';
import { checkVideoUrl, downloadVideo } from '../../../nodes/KlingCometApi/helpers/download';
import type { DownloadOptions } from '../../../nodes/KlingCometApi/helpers/download';
import type { RecordedRequest, Scripted } from '../../helpers/fake-context';
import { fakeContext, networkError, video } from '../../helpers/fake-context';

const URL_ = 'https://cdn.example.test/t1.mp4';
const options = (extra: Partial<DownloadOptions> = {}): DownloadOptions => ({
	taskId: 't1',
	fileName: 't1.mp4',
	itemIndex: 0,
	signal: new AbortController().signal,
	random: () => 1,
	...extra,
});
/** Runs a download on fake time: backoffs, stalls and deadlines pass at once. */
const download = async (
	cdn: Scripted[] | ((request: RecordedRequest, n: number) => Scripted | Promise<Scripted>),
	extra: Partial<DownloadOptions> = {},
	url = URL_,
	advanceMs = 10 * 60_000,
) => {
	const fake = fakeContext({ cdn });
	const pending = downloadVideo(fake.ctx, url, options(extra)).then(
		(binary) => ({ binary, error: undefined }),
		(error) => ({ binary: undefined, error }),
	);
	await jest.advanceTimersByTimeAsync(advanceMs);
	return { ...fake, ...(await pending) };
};

/** A body whose socket never receives another byte, and which never ends. */
function stalledBody(): Readable {
	const body = new Readable({ read() {} }) as Readable & { socket: { bytesRead: number } };
	body.socket = { bytesRead: 100 };
	return body;
}

describe('downloadVideo', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	it('streams the file without credentials, as video/mp4 under the given name', async () => {
		const run = await download([video(3000)]);
		expect(run.binary).toMatchObject({ fileName: 't1.mp4', mimeType: 'video/mp4', bytes: 3000 });
		expect(run.downloads()).toEqual([expect.objectContaining({ url: URL_, authenticated: false })]);
		expect(run.downloads()[0].options).toMatchObject({
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		});
	});

	it.each([
		['data:video/mp4;base64,AAAA', /it is a data: link/],
		['file:///etc/passwd', /it is a file: link/],
		['not a url', /not a valid URL/],
		['https://user:pw@cdn.example.test/x.mp4', /user name or password/],
	])('refuses %s without a request', async (url, message) => {
		const run = await download([video()], {}, url);
		expect(run.error.message).toMatch(message);
		expect(run.error.message).toContain('Kling task t1');
		expect(run.requests).toHaveLength(0);
	});

	it.each<[string, Scripted, RegExp]>([
		[
			'an HTML page',
			{ statusCode: 200, body: '<html>login</html>', headers: { 'content-type': 'text/html; charset=utf-8' } },
			/returned text\/html; charset=utf-8, not a video/,
		],
		['an API answer', { statusCode: 200, body: '{}', headers: { 'content-type': 'application/json' } }, /not a video/],
		[
			'an empty file (Content-Length 0)',
			{ statusCode: 200, body: '', headers: { 'content-type': 'video/mp4', 'content-length': '0' } },
			/empty file/,
		],
		[
			'an empty file (no length)',
			{ statusCode: 200, body: '', headers: { 'content-type': 'video/mp4' } },
			/empty file/,
		],
		['an expired link (403)', { statusCode: 403, body: 'denied' }, /has expired \(HTTP 403\): run Get Task again/],
		['a missing file (404)', { statusCode: 404, body: 'no' }, /has expired \(HTTP 404\)/],
		['a 400', { statusCode: 400, body: 'bad' }, /failed: the file server answered HTTP 400/],
	])('%s is an error naming the task, not retried', async (_name, answer, message) => {
		const run = await download([answer, video()]);
		expect(run.error.message).toMatch(message);
		expect(run.error.context).toMatchObject({ taskId: 't1', taskStatus: 'succeed' });
		expect(run.downloads()).toHaveLength(1);
	});

	it('a transfer shorter than its Content-Length is broken and tried again', async () => {
		const run = await download([video(1000, { 'content-length': '5000' }), video(1000)]);
		expect(run.binary).toMatchObject({ bytes: 1000 });
		expect(run.downloads()).toHaveLength(2);
	});

	it('temporary trouble (5xx, 429, a reset) is retried up to 3 tries, then reported as "the video exists"', async () => {
		const ok = await download([{ statusCode: 503, body: 'x' }, networkError('ECONNRESET'), video()]);
		expect(ok.binary).toBeDefined();
		const failed = await download([{ statusCode: 500, body: 'x' }]);
		expect(failed.downloads()).toHaveLength(3);
		expect(failed.error.message).toMatch(/failed: the file server answered HTTP 500\. The video exists: run Get Task/);
	});

	it('a transfer that stalls is ended by the minimum-progress rule and tried again', async () => {
		const run = await download(
			[{ statusCode: 200, body: stalledBody(), headers: { 'content-type': 'video/mp4' } }, video()],
			{ stallMs: 1500 },
		);
		expect(run.binary).toBeDefined();
		expect(run.downloads()).toHaveLength(2);
	});

	it('the deadline ends a download that never finishes', async () => {
		let endedAt = 0;
		const fake = fakeContext({
			cdn: [{ statusCode: 200, body: stalledBody(), headers: { 'content-type': 'video/mp4' } }],
		});
		const pending = downloadVideo(fake.ctx, URL_, options({ deadline: 800 })).catch((error) => {
			endedAt = Date.now();
			return error;
		});
		await jest.advanceTimersByTimeAsync(60_000);
		expect((await pending).message).toMatch(/did not finish in time/);
		expect(endedAt).toBe(800);
	});

	it('a server that never answers is ended by the deadline', async () => {
		const run = await download(['hang'], { deadline: 500 });
		expect(run.error.message).toMatch(/did not finish in time \(the file server did not answer in time/);
	});

	it('Stop ends a download at once with n8n’s cancellation error', async () => {
		const controller = new AbortController();
		const pending = download(['hang'], { signal: controller.signal }, URL_, 20);
		controller.abort();
		const run = await pending;
		expect(run.error.name).toBe('ManualExecutionCancelledError');
	});

	it('checkVideoUrl accepts http and https only', () => {
		expect(checkVideoUrl('https://cdn/x.mp4')).toBeUndefined();
		expect(checkVideoUrl('http://cdn/x.mp4')).toBeUndefined();
		expect(checkVideoUrl('ftp://cdn/x.mp4')).toMatch(/ftp:/);
	});
});

describe('downloadVideo: error bodies', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	it.each([403, 500, 200])('the body of a refused answer (%i) is dropped, not left open', async (statusCode) => {
		const body = new Readable({ read() {} });
		const headers: Record<string, string> = statusCode === 200 ? { 'content-type': 'text/html' } : {};
		const run = await download([
			{ statusCode, body, headers },
			{ statusCode: 403, body: 'x' },
		]);
		expect(run.error).toBeDefined();
		expect(body.destroyed).toBe(true);
	});
});

describe('downloadVideo: what counts as a video, and retry edges', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	it.each([
		'text/plain',
		'application/json; charset=utf-8',
		'application/xml',
		'application/problem+json',
		'image/svg+xml',
		' TEXT/HTML',
	])('%s is not a video', async (type) => {
		const run = await download([{ statusCode: 200, body: 'x', headers: { 'content-type': type } }]);
		expect(run.error.message).toContain('not a video');
	});

	it.each(['video/mp4', 'application/octet-stream', 'binary/octet-stream', ''])('%p is taken', async (type) => {
		const run = await download([
			{ statusCode: 200, body: Buffer.alloc(100, 1), headers: type ? { 'content-type': type } : {} },
		]);
		expect(run.binary).toMatchObject({ bytes: 100 });
	});

	it('a header given as a list, or a length that is not a number, is read sensibly', async () => {
		const listed = await download([
			{
				statusCode: 200,
				body: Buffer.alloc(10, 1),
				headers: { 'content-type': ['video/mp4'] as never, 'content-length': ['10'] as never },
			},
		]);
		expect(listed.binary).toMatchObject({ bytes: 10 });
		const odd = await download([
			{ statusCode: 200, body: Buffer.alloc(10, 1), headers: { 'content-type': 'video/mp4', 'content-length': 'ten' } },
		]);
		expect(odd.binary).toMatchObject({ bytes: 10 });
	});

	it.each([408, 429, 502])('HTTP %i is temporary: tried again', async (statusCode) => {
		const run = await download([{ statusCode, body: 'x' }, video(50)]);
		expect(run.binary).toMatchObject({ bytes: 50 });
		expect(run.downloads()).toHaveLength(2);
	});

	it('backs off 1 s, then 2 s, between tries', async () => {
		const run = await download([{ statusCode: 500, body: 'x' }]);
		expect(run.downloads().map((r) => r.at)).toEqual([0, 1000, 3000]);
	});

	it('the stall message says how little arrived in how long', async () => {
		const stalled = () => ({ statusCode: 200, body: stalledBody(), headers: { 'content-type': 'video/mp4' } });
		const run = await download([stalled(), stalled(), stalled()], { stallMs: 5000 });
		expect(run.error.message).toBe(
			'Downloading the video of Kling task t1 failed: the transfer stalled: less than 64 KB arrived in 5 s. The video exists: run Get Task with this id to try again',
		);
	});

	it('a transfer making steady progress is not a stall', async () => {
		const body = new Readable({ read() {} }) as Readable & { socket: { bytesRead: number } };
		body.socket = { bytesRead: 0 };
		const fake = fakeContext({ cdn: [{ statusCode: 200, body, headers: { 'content-type': 'video/mp4' } }] });
		const pending = downloadVideo(fake.ctx, URL_, options({ stallMs: 2000 }));
		for (let second = 0; second < 10; second++) {
			body.socket.bytesRead += 100 * 1024;
			body.push(Buffer.alloc(1024, 1));
			await jest.advanceTimersByTimeAsync(1000);
		}
		body.push(null);
		await jest.advanceTimersByTimeAsync(10);
		await expect(pending).resolves.toMatchObject({ bytes: 10 * 1024 });
		expect(fake.downloads()).toHaveLength(1);
	});

	it('without a deadline, Get Task allows 30 minutes', async () => {
		const fake = fakeContext({ cdn: ['hang'] });
		let endedAt = -1;
		const pending = downloadVideo(fake.ctx, URL_, options()).catch((error) => {
			endedAt = Date.now();
			return error;
		});
		await jest.advanceTimersByTimeAsync(31 * 60_000);
		expect((await pending).message).toMatch(/did not finish in time/);
		expect(endedAt).toBe(30 * 60_000);
	});
});

describe('downloadVideo: compressed answers (review finding 9)', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	const VIDEO = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 7));
	/**
	 * What n8n's HTTP client (axios) hands over for a Content-Encoding it decodes: the decoder at the
	 * end of a pipeline, with Content-Length still the compressed size and Content-Encoding removed.
	 */
	const decoded = (compressed: Buffer, encoding: 'gzip' | 'deflate' | 'br', length = compressed.length): Scripted => ({
		statusCode: 200,
		body: pipeline(
			[Readable.from([compressed]), encoding === 'br' ? createBrotliDecompress() : createUnzip()],
			() => {},
		) as unknown as Readable,
		headers: { 'content-type': 'video/mp4', 'content-length': String(length) },
	});
	/**
	 * Runs a download on fake time until it settles. zlib works on real time, off the timers, so the
	 * stall rule is set out of reach: fake time may run ahead of the decoder.
	 */
	const settled = async (cdn: Scripted[]) => {
		const fake = fakeContext({ cdn });
		let done = false;
		const pending = downloadVideo(fake.ctx, URL_, options({ stallMs: 24 * 60 * 60_000 })).then(
			(binary) => ({ binary, error: undefined }),
			(error) => ({ binary: undefined, error }),
		);
		void pending.finally(() => (done = true));
		for (let step = 0; !done && step < 5000; step++) {
			await jest.advanceTimersByTimeAsync(200);
			await new Promise((resolve) => setImmediate(resolve));
		}
		return { ...fake, ...(await pending) };
	};

	it.each<[string, () => Scripted]>([
		['gzip', () => decoded(gzipSync(VIDEO), 'gzip')],
		['deflate', () => decoded(deflateSync(VIDEO), 'deflate')],
		['br', () => decoded(brotliCompressSync(VIDEO), 'br')],
	])('%s with the compressed Content-Length is complete: the decoded bytes, one download', async (_name, answer) => {
		const run = await settled([answer()]);
		expect(run.error).toBeUndefined();
		expect(run.binary).toMatchObject({ bytes: VIDEO.length });
		expect(Buffer.from(run.binary!.data, 'base64').equals(VIDEO)).toBe(true);
		expect(run.downloads()).toHaveLength(1);
	});

	it('gzip whose compressed bytes fall short of Content-Length is still a broken transfer, tried again', async () => {
		const compressed = gzipSync(VIDEO);
		const short = () => decoded(compressed, 'gzip', compressed.length + 100);
		const run = await settled([short(), short(), short()]);
		expect(run.error.message).toBe(
			`Downloading the video of Kling task t1 failed: the transfer broke off (${compressed.length} of ${compressed.length + 100} bytes). The video exists: run Get Task with this id to try again`,
		);
		expect(run.downloads()).toHaveLength(3);
	});

	it('a gzip stream cut in the middle is a broken transfer, and the next try gets the video', async () => {
		const compressed = gzipSync(VIDEO);
		const run = await settled([decoded(compressed.subarray(0, 20), 'gzip', 20), decoded(compressed, 'gzip')]);
		expect(run.binary).toMatchObject({ bytes: VIDEO.length });
		expect(run.downloads()).toHaveLength(2);
	});

	it('a decoder that receives nothing more is ended by the minimum-progress rule', async () => {
		const source = new Readable({ read() {} });
		source.push(gzipSync(VIDEO).subarray(0, 10));
		const stalled = pipeline([source, createUnzip()], () => {}) as unknown as Readable;
		const run = await download(
			[{ statusCode: 200, body: stalled, headers: { 'content-type': 'video/mp4' } }, video()],
			{ stallMs: 1500 },
		);
		expect(run.binary).toBeDefined();
		expect(run.downloads()).toHaveLength(2);
	});
});

describe('downloadVideo: the request, exact messages and the error', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	const DESCRIPTION =
		'Video links are temporary. Get Task returns a fresh link for a finished task; turn off "Download Video" to pass on only the URL.';
	const failed = (reason: string) =>
		`Downloading the video of Kling task t1 failed: ${reason}. The video exists: run Get Task with this id to try again`;
	const lateBy = (reason: string) =>
		`Downloading the video of Kling task t1 did not finish in time (${reason}). The video exists: run Get Task with this id to try again`;

	it('sends a GET for a stream, with the full answer, no status errors and a 30 s timeout', async () => {
		const run = await download([video()]);
		expect(run.downloads()[0].options).toEqual({
			method: 'GET',
			url: URL_,
			encoding: 'stream',
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: 30_000,
			abortSignal: expect.any(AbortSignal),
		});
	});

	it('each try’s timeout is the time left before the deadline, and never under 1 s', async () => {
		const tries = await download([{ statusCode: 500, body: 'x' }], { deadline: 20_000 });
		expect(tries.downloads().map((r) => [r.at, r.options.timeout])).toEqual([
			[0, 20_000],
			[1000, 19_000],
			[3000, 17_000],
		]);
		const short = await download(['hang'], { deadline: 800 });
		expect(short.downloads()[0].options.timeout).toBe(1000);
	});

	it.each([199, 300, 304])('HTTP %i is not an answer: refused at once, with its status', async (statusCode) => {
		const run = await download([{ statusCode, body: 'x' }, video()]);
		expect(run.error.message).toBe(failed(`the file server answered HTTP ${statusCode}`));
		expect(run.error.httpCode).toBe(String(statusCode));
		expect(run.downloads()).toHaveLength(1);
	});

	it('HTTP 299 is an answer', async () => {
		const run = await download([{ ...video(100), statusCode: 299 }]);
		expect(run.binary).toMatchObject({ bytes: 100 });
	});

	it.each([403, 404, 410])(
		'an expired link (%i): the message, the description, the status, the task and the item',
		async (statusCode) => {
			const run = await download([{ statusCode, body: 'gone' }], { itemIndex: 3 });
			expect(run.error.message).toBe(
				`The video link of Kling task t1 has expired (HTTP ${statusCode}): run Get Task again for a fresh link`,
			);
			expect(run.error.description).toBe(DESCRIPTION);
			expect(run.error.httpCode).toBe(String(statusCode));
			expect(run.error.context).toMatchObject({ itemIndex: 3, taskId: 't1', taskStatus: 'succeed' });
		},
	);

	it('a failed download has the same description and names its item', async () => {
		const run = await download([{ statusCode: 500, body: 'x' }], { itemIndex: 2 });
		expect(run.error.description).toBe(DESCRIPTION);
		expect(run.error.httpCode).toBe('500');
		expect(run.error.context).toMatchObject({ itemIndex: 2, taskId: 't1', taskStatus: 'succeed' });
	});

	it.each([
		['ftp://cdn.example.test/x.mp4', 'it is a ftp: link, not http(s)'],
		['https://user@cdn.example.test/x.mp4', 'it carries a user name or password'],
		['https://:pw@cdn.example.test/x.mp4', 'it carries a user name or password'],
		['not a url', 'it is not a valid URL'],
	])('%s is refused, saying why, before any request', async (url, reason) => {
		expect(checkVideoUrl(url)).toBe(reason);
		const run = await download([video()], { itemIndex: 1 }, url);
		expect(run.error.message).toBe(`The video link of Kling task t1 cannot be downloaded: ${reason} (${url})`);
		expect(run.error.description).toBe(DESCRIPTION);
		expect(run.error.context).toMatchObject({ itemIndex: 1, taskId: 't1', taskStatus: 'succeed' });
		expect(run.requests).toHaveLength(0);
	});

	it('a refused link is quoted up to 80 characters', async () => {
		const url = `ftp://cdn.example.test/${'a'.repeat(100)}`;
		const run = await download([video()], {}, url);
		expect(run.error.message).toBe(
			`The video link of Kling task t1 cannot be downloaded: it is a ftp: link, not http(s) (${url.slice(0, 80)}…)`,
		);
	});

	it('a connection that keeps failing is tried 3 times, then named with its error', async () => {
		const run = await download([networkError('ECONNRESET', 'socket hang up')]);
		expect(run.error.message).toBe(failed('the connection failed (socket hang up)'));
		expect(run.downloads()).toHaveLength(3);
	});

	it('a request that fails without an error object is still a failed connection', async () => {
		const run = await download(() => Promise.reject(null));
		expect(run.error.message).toBe(failed('the connection failed ()'));
	});

	it('the third try hanging until exactly the deadline did not finish in time', async () => {
		const run = await download([{ statusCode: 500, body: 'x' }, { statusCode: 500, body: 'x' }, 'hang'], {
			deadline: 3500,
		});
		expect(run.downloads()).toHaveLength(3);
		expect(run.error.message).toBe(lateBy('the file server did not answer in time, after 3.5 s'));
	});

	it('giving up because the next try would pass the deadline is "did not finish in time", before it passes', async () => {
		const run = await download([{ statusCode: 500, body: 'x' }], { deadline: 1500 });
		expect(run.downloads()).toHaveLength(2);
		expect(run.error.message).toBe(lateBy('the file server answered HTTP 500, after 1 s'));
	});

	it('the deadline during the transfer: its own words, the body dropped, the request aborted', async () => {
		const body = stalledBody();
		const run = await download([{ statusCode: 200, body, headers: { 'content-type': 'video/mp4' } }], {
			deadline: 800,
		});
		expect(run.error.message).toBe(lateBy('the transfer did not finish before the Timeout, after 800 ms'));
		expect(body.destroyed).toBe(true);
		expect(run.downloads()[0].options.abortSignal!.aborted).toBe(true);
	});

	it('a stream that breaks off is named with its error, and tried 3 times', async () => {
		const broken = (): Scripted => ({
			statusCode: 200,
			body: new Readable({
				read() {
					this.destroy(new Error('aborted'));
				},
			}),
			headers: { 'content-type': 'video/mp4' },
		});
		const run = await download(() => broken());
		expect(run.error.message).toBe(failed('the transfer broke off (aborted)'));
		expect(run.downloads()).toHaveLength(3);
	});
});

describe('downloadVideo: what the length and the stored size say', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	it('a header given twice: the first value counts', async () => {
		const run = await download([video(1000, { 'content-length': ['5000', '1000'] as never })]);
		expect(run.error.message).toContain('the transfer broke off (1000 of 5000 bytes)');
		expect(run.downloads()).toHaveLength(3);
	});

	it('a Content-Length padded with blanks is still checked', async () => {
		const run = await download([video(1000, { 'content-length': ' 5000 ' })]);
		expect(run.error.message).toContain('the transfer broke off (1000 of 5000 bytes)');
	});

	it.each(['x5000', '5000x', '5e3', '-5000', '50.5'])(
		'a Content-Length of %j is not a whole number of bytes: not checked',
		async (length) => {
			const run = await download([video(1000, { 'content-length': length })]);
			expect(run.binary).toMatchObject({ bytes: 1000 });
			expect(run.downloads()).toHaveLength(1);
		},
	);

	it('Content-Length 0 is an empty file even when bytes follow: refused at once, the body dropped', async () => {
		const body = new Readable({ read() {} });
		body.push(Buffer.alloc(100, 1));
		const run = await download([
			{ statusCode: 200, body, headers: { 'content-type': 'video/mp4', 'content-length': '0' } },
			video(),
		]);
		expect(run.error.message).toBe(
			'Downloading the video of Kling task t1 failed: the link returned an empty file. The video exists: run Get Task with this id to try again',
		);
		expect(body.destroyed).toBe(true);
		expect(run.downloads()).toHaveLength(1);
	});

	it('when n8n reports no stored size, Content-Length is not compared', async () => {
		const fake = fakeContext({ cdn: [video(1000, { 'content-length': '5000' })] });
		fake.ctx.helpers.prepareBinaryData = async (stream, fileName, mimeType) => {
			for await (const _chunk of stream as Readable);
			return { data: '', fileName, mimeType: mimeType! };
		};
		const pending = downloadVideo(fake.ctx, URL_, options());
		await jest.advanceTimersByTimeAsync(1000);
		await expect(pending).resolves.toEqual({ data: '', fileName: 't1.mp4', mimeType: 'video/mp4' });
		expect(fake.downloads()).toHaveLength(1);
	});

	it('a store that fails without an error object is a broken transfer', async () => {
		const fake = fakeContext({ cdn: [video(10)] });
		fake.ctx.helpers.prepareBinaryData = async () => await Promise.reject(null);
		const pending = downloadVideo(fake.ctx, URL_, options()).catch((error) => error);
		await jest.advanceTimersByTimeAsync(10 * 60_000);
		expect((await pending).message).toBe(
			'Downloading the video of Kling task t1 failed: the transfer broke off (). The video exists: run Get Task with this id to try again',
		);
	});
});

describe('downloadVideo: bodies without destroy()', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	/** A stream as NodeJS.ReadableStream allows it: without destroy(). */
	const bare = (body: Readable = new Readable({ read() {} })) => {
		Object.defineProperty(body, 'destroy', { value: undefined });
		return body;
	};

	it.each<[string, Record<string, string>, number, RegExp]>([
		['an expired link', {}, 403, /has expired \(HTTP 403\)/],
		['a web page', { 'content-type': 'text/html' }, 200, /returned text\/html, not a video/],
		['an empty file', { 'content-type': 'video/mp4', 'content-length': '0' }, 200, /returned an empty file/],
	])('%s is refused as usual', async (_name, headers, statusCode, message) => {
		const run = await download([{ statusCode, body: bare(), headers }]);
		expect(run.error.message).toMatch(message);
	});

	it('a stalled one cannot be ended early: the deadline ends it, and the stall is what is reported', async () => {
		const run = await download(
			[{ statusCode: 200, body: bare(stalledBody()), headers: { 'content-type': 'video/mp4' } }],
			{ stallMs: 1500, deadline: 5000 },
		);
		expect(run.error.message).toBe(
			'Downloading the video of Kling task t1 did not finish in time (the transfer stalled: less than 64 KB arrived in 1.5 s, after 5 s). The video exists: run Get Task with this id to try again',
		);
		expect(run.downloads()[0].options.abortSignal!.aborted).toBe(true);
	});
});

describe('downloadVideo: Stop', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	it('Stop while waiting for the answer aborts that request', async () => {
		const controller = new AbortController();
		const pending = download(['hang'], { signal: controller.signal }, URL_, 20);
		controller.abort();
		const run = await pending;
		expect(run.error.name).toBe('ManualExecutionCancelledError');
		expect(run.downloads()[0].options.abortSignal!.aborted).toBe(true);
	});

	it('Stop during the transfer ends it with n8n’s cancellation error and aborts the request', async () => {
		const controller = new AbortController();
		const fake = fakeContext({
			cdn: [{ statusCode: 200, body: stalledBody(), headers: { 'content-type': 'video/mp4' } }],
		});
		const pending = downloadVideo(fake.ctx, URL_, options({ signal: controller.signal })).catch((error) => error);
		await jest.advanceTimersByTimeAsync(5000);
		controller.abort();
		await jest.advanceTimersByTimeAsync(10);
		expect((await pending).name).toBe('ManualExecutionCancelledError');
		expect(fake.downloads()).toHaveLength(1);
		expect(fake.downloads()[0].options.abortSignal!.aborted).toBe(true);
	});

	it('a finished download lets go of Stop: a later Stop does not touch its request', async () => {
		const controller = new AbortController();
		const run = await download([video()], { signal: controller.signal });
		expect(run.binary).toBeDefined();
		controller.abort();
		expect(run.downloads()[0].options.abortSignal!.aborted).toBe(false);
	});
});

describe('downloadVideo: the stall rule, exactly', () => {
	beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
	afterEach(() => jest.useRealTimers());

	it('without stallMs, a transfer is judged stalled after 30 s without progress, not sooner', async () => {
		jest.setSystemTime(1_000_000);
		const run = await download([
			{ statusCode: 200, body: stalledBody(), headers: { 'content-type': 'video/mp4' } },
			video(),
		]);
		expect(run.binary).toBeDefined();
		expect(run.downloads().map((r) => r.at)).toEqual([1_000_000, 1_031_000]);
	});

	it('with stallMs 2000, the first judgement is at 2 s, not a second later', async () => {
		const run = await download(
			[{ statusCode: 200, body: stalledBody(), headers: { 'content-type': 'video/mp4' } }, video()],
			{ stallMs: 2000 },
		);
		expect(run.downloads().map((r) => r.at)).toEqual([0, 3000]);
	});

	it.each([
		[64 * 1024, 1],
		[64 * 1024 - 1, 2],
	])('%i bytes per window (on a socket that has read 1 MB already) means %i download(s)', async (perWindow, tries) => {
		const body = new Readable({ read() {} }) as Readable & { socket: { bytesRead: number } };
		body.socket = { bytesRead: 1_000_000 };
		const fake = fakeContext({ cdn: [{ statusCode: 200, body, headers: { 'content-type': 'video/mp4' } }, video(10)] });
		const pending = downloadVideo(fake.ctx, URL_, options({ stallMs: 2000 }));
		for (let window = 0; window < 3; window++) {
			await jest.advanceTimersByTimeAsync(500);
			body.socket.bytesRead += perWindow;
			body.push(Buffer.alloc(10, 1));
			await jest.advanceTimersByTimeAsync(1500);
		}
		body.push(null);
		await jest.advanceTimersByTimeAsync(2000);
		await expect(pending).resolves.toMatchObject({ bytes: tries === 1 ? 30 : 10 });
		expect(fake.downloads()).toHaveLength(tries);
	});

	it('a body with neither a socket nor a decoder is bounded by the deadline only', async () => {
		const body = new Readable({ read() {} });
		setTimeout(() => {
			body.push(Buffer.alloc(10, 1));
			body.push(null);
		}, 5000);
		const run = await download([{ statusCode: 200, body, headers: { 'content-type': 'video/mp4' } }], {
			stallMs: 1500,
		});
		expect(run.binary).toMatchObject({ bytes: 10 });
		expect(run.downloads()).toHaveLength(1);
	});

	it('the watchdog ends with the transfer: one that finishes between two checks is not ended afterwards', async () => {
		const body = stalledBody();
		body.push(Buffer.alloc(10, 1));
		setTimeout(() => body.push(null), 1700);
		const run = await download([{ statusCode: 200, body, headers: { 'content-type': 'video/mp4' } }], {
			stallMs: 1500,
		});
		expect(run.binary).toMatchObject({ bytes: 10 });
		expect(run.downloads()[0].options.abortSignal!.aborted).toBe(false);
	});
});
