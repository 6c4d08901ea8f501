import { pipeline, Readable } from 'node:stream';
import { brotliCompressSync, createBrotliDecompress, createUnzip, deflateSync, gzipSync } from 'node:zlib';
import { checkVideoUrl, downloadVideo } from '../../../nodes/KlingCometApi/helpers/download';
import type { DownloadOptions } from '../../../nodes/KlingCometApi/helpers/download';
import type { Scripted } from '../../helpers/fake-context';
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
const download = async (cdn: Scripted[], extra: Partial<DownloadOptions> = {}, url = URL_, advanceMs = 10 * 60_000) => {
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
