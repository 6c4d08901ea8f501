/**
 * Reading images from binary fields and URLs: only the header is read, the size comes from n8n's
 * metadata (or the base64 length), and a 60 MB file is refused without being read into memory.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { IBinaryData, IExecuteFunctions } from 'n8n-workflow';
import { checkImageInput, imageValue } from '../../../../nodes/KlingCometApi/actions/video/images';
import { asyncRefusal } from '../../../helpers/refusal';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', '..', '..', 'fixtures', 'images', name));
const MB = 1024 * 1024;

interface Stored {
	bytes: () => Buffer | Iterable<Buffer>;
	metadataSize?: number;
}

/** Just what images.ts uses of n8n: the input item's binary, metadata, a stream, a whole buffer. */
function fakeContext(binary: Record<string, IBinaryData>, stored: Record<string, Stored> = {}) {
	const calls = { streamed: 0, buffers: 0, metadata: 0 };
	const ctx = {
		getInputData: () => [{ json: {}, binary }],
		helpers: {
			getBinaryMetadata: async (id: string) => {
				calls.metadata++;
				if (stored[id].metadataSize === undefined) throw new Error('no metadata file');
				return { fileSize: stored[id].metadataSize };
			},
			getBinaryStream: async (id: string) => {
				const source = stored[id].bytes();
				const chunks = Buffer.isBuffer(source) ? [source] : source;
				return Readable.from(
					(function* () {
						for (const chunk of chunks) {
							calls.streamed += chunk.length;
							yield chunk;
						}
					})(),
				);
			},
			getBinaryDataBuffer: async (_item: number, property: string) => {
				calls.buffers++;
				const id = binary[property].id!;
				return stored[id].bytes() as Buffer;
			},
		},
	} as unknown as IExecuteFunctions;
	return { ctx, calls };
}

const inline = (file: Buffer, fileName = 'a.png'): IBinaryData => ({
	data: file.toString('base64'),
	mimeType: 'image/png',
	fileName,
});
const onDisk = (id: string): IBinaryData => ({ data: 'filesystem-v2', id, mimeType: 'image/png', fileName: 'big.png' });

/** A PNG header claiming 1000×1000 px, followed by `total` bytes in 64 KB chunks, made as they are read. */
function* hugePng(total: number): Generator<Buffer> {
	const head = Buffer.from(fixture('square.png').subarray(0, 33));
	head.writeUInt32BE(1000, 16);
	head.writeUInt32BE(1000, 20);
	yield head;
	for (let sent = head.length; sent < total; sent += 64 * 1024) yield Buffer.alloc(64 * 1024);
}

describe('checkImageInput: binary fields', () => {
	it('default binary mode: measures the base64, reads the header, keeps only a reference', async () => {
		const { ctx } = fakeContext({ data: inline(fixture('product.jpg'), 'product.jpg') });
		const ref = await checkImageInput(ctx, 0, { source: 'binary', value: ' data ' }, 'imageBinaryProperty', 'Image');
		expect(ref).toEqual({
			kind: 'binary',
			itemIndex: 0,
			property: 'data',
			header: { format: 'jpeg', width: 640, height: 360 },
		});
	});

	it('names the missing field and the fields the item has', async () => {
		const { ctx } = fakeContext({ photo: inline(fixture('product.jpg')), other: inline(fixture('square.png')) });
		const error = await asyncRefusal(
			checkImageInput(ctx, 0, { source: 'binary', value: 'data' }, 'imageBinaryProperty', 'Image'),
		);
		expect(error.field).toBe('imageBinaryProperty');
		expect(error.message).toMatch(/^Image: the input item has no binary field "data" \(it has "photo", "other"\)/);
		const none = fakeContext({});
		expect(
			(await asyncRefusal(checkImageInput(none.ctx, 0, { source: 'binary', value: 'data' }, 'f', 'Image'))).message,
		).toMatch(/it has no binary data at all/);
	});

	it('names the file in refusals', async () => {
		const { ctx } = fakeContext({ data: inline(fixture('too-small.png'), 'logo.png') });
		const error = await asyncRefusal(checkImageInput(ctx, 0, { source: 'binary', value: 'data' }, 'f', 'End Frame'));
		expect(error.message).toMatch(/^End Frame \(binary field "data", logo\.png\) is 200×200 px/);
	});

	it('filesystem mode, 60 MB file: refused from the metadata alone, not a byte read', async () => {
		const { ctx, calls } = fakeContext(
			{ data: onDisk('big') },
			{ big: { bytes: () => hugePng(60 * MB), metadataSize: 60 * MB } },
		);
		const error = await asyncRefusal(checkImageInput(ctx, 0, { source: 'binary', value: 'data' }, 'f', 'Image'));
		expect(error.message).toMatch(/is 60\.0 MB; Kling accepts images up to 10 MB/);
		expect(calls).toEqual({ streamed: 0, buffers: 0, metadata: 1 });
	});

	it('without metadata, a 60 MB file is counted as it streams past and the read stops just after 10 MB', async () => {
		const { ctx, calls } = fakeContext({ data: onDisk('big') }, { big: { bytes: () => hugePng(60 * MB) } });
		const error = await asyncRefusal(checkImageInput(ctx, 0, { source: 'binary', value: 'data' }, 'f', 'Image'));
		expect(error.message).toMatch(/is 10\.\d MB; Kling accepts images up to 10 MB/);
		expect(calls.streamed).toBeGreaterThan(10 * MB);
		expect(calls.streamed).toBeLessThan(10 * MB + 256 * 1024);
		expect(calls.buffers).toBe(0);
	});

	it('a good stored image: only its first chunk is read when the metadata has the size', async () => {
		const file = fixture('commented.jpg');
		const chunks = () => [file.subarray(0, 20_000), file.subarray(20_000, 34_000), file.subarray(34_000)];
		const { ctx, calls } = fakeContext({ data: onDisk('img') }, { img: { bytes: chunks, metadataSize: file.length } });
		const ref = await checkImageInput(ctx, 0, { source: 'binary', value: 'data' }, 'f', 'Image');
		expect(ref).toMatchObject({ header: { format: 'jpeg', width: 480, height: 640 } });
		// The size is after 30 KB of comment: two chunks, never the third.
		expect(calls.streamed).toBe(34_000);
	});
});

describe('checkImageInput: URL or base64 text', () => {
	it('passes an http(s) URL on as is (Kling downloads it)', async () => {
		const { ctx } = fakeContext({});
		expect(
			await checkImageInput(ctx, 0, { source: 'url', value: ' https://cdn.test/a.jpg ' }, 'imageUrl', 'Image'),
		).toEqual({
			kind: 'url',
			url: 'https://cdn.test/a.jpg',
		});
	});

	it('accepts base64 text and data: URLs (sent without the prefix Kling refuses), checked like a file', async () => {
		const { ctx } = fakeContext({});
		const text = fixture('end-frame.png').toString('base64');
		const ref = await checkImageInput(ctx, 0, { source: 'url', value: `data:image/png;base64,${text}` }, 'f', 'Image');
		expect(ref).toEqual({ kind: 'base64', base64: text, header: { format: 'png', width: 640, height: 360 } });
		const wrapped = text.replace(/(.{76})/g, '$1\n');
		expect(await checkImageInput(ctx, 0, { source: 'url', value: wrapped }, 'f', 'Image')).toMatchObject({
			base64: text,
		});
		const small = fixture('too-small.png').toString('base64');
		expect(
			(await asyncRefusal(checkImageInput(ctx, 0, { source: 'url', value: small }, 'imageUrl', 'Image'))).message,
		).toMatch(/^Image \(base64 text\) is 200×200 px/);
	});

	it('refuses what is neither', async () => {
		const { ctx } = fakeContext({});
		expect(
			(await asyncRefusal(checkImageInput(ctx, 0, { source: 'url', value: 'ftp://x/y.png' }, 'f', 'Image'))).message,
		).toMatch(/must be an http\(s\) URL or the image as base64 text/);
		expect((await asyncRefusal(checkImageInput(ctx, 0, { source: 'url', value: '' }, 'f', 'Image'))).message).toMatch(
			/URL is empty/,
		);
		expect(
			(await asyncRefusal(checkImageInput(ctx, 0, { source: 'url', value: 'http://' }, 'f', 'Image'))).message,
		).toMatch(/is not a valid URL/);
	});
});

describe('imageValue: the body value, built just before sending', () => {
	it('default mode: the base64 n8n already holds, not a copy decoded and encoded again', async () => {
		const binary = inline(fixture('product.jpg'));
		const { ctx, calls } = fakeContext({ data: binary });
		const ref = await checkImageInput(ctx, 0, { source: 'binary', value: 'data' }, 'f', 'Image');
		expect(await imageValue(ctx, ref)).toBe(binary.data);
		expect(calls.buffers).toBe(0);
	});

	it('filesystem mode: the file read once and encoded', async () => {
		const file = fixture('square.png');
		const { ctx, calls } = fakeContext(
			{ data: onDisk('img') },
			{ img: { bytes: () => file, metadataSize: file.length } },
		);
		const ref = await checkImageInput(ctx, 0, { source: 'binary', value: 'data' }, 'f', 'Image');
		expect(await imageValue(ctx, ref)).toBe(file.toString('base64'));
		expect(calls.buffers).toBe(1);
	});
});
