/**
 * Image checks from the file header: real small JPG/PNG fixtures (made with ImageMagick), cut-off
 * and damaged headers, other formats, and every Kling limit at its boundary.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import {
	base64ByteLength,
	base64Prefix,
	checkImage,
	isBase64Text,
	MAX_HEADER_BYTES,
	MAX_IMAGE_BYTES,
	parseImageHeader,
} from '../../../nodes/KlingCometApi/helpers/image';
import { refusal } from '../../helpers/refusal';

const fixture = (name: string) => readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'images', name));

describe('parseImageHeader', () => {
	it.each([
		['product.jpg', 'jpeg', 640, 360],
		['progressive.jpg', 'jpeg', 640, 360],
		['commented.jpg', 'jpeg', 480, 640],
		['too-wide.jpg', 'jpeg', 1000, 300],
		['end-frame.png', 'png', 640, 360],
		['square.png', 'png', 400, 400],
		['tall.png', 'png', 320, 800],
		['too-small.png', 'png', 200, 200],
	])('%s: %s %i×%i (as ImageMagick says)', (name, format, width, height) => {
		expect(parseImageHeader(fixture(name), true)).toEqual({ kind: 'image', header: { format, width, height } });
	});

	it('a JPEG whose size comes after 30 KB of metadata needs more bytes, then finds it', () => {
		const file = fixture('commented.jpg');
		expect(parseImageHeader(file.subarray(0, 1000), false)).toEqual({ kind: 'more' });
		expect(parseImageHeader(file.subarray(0, 1000), true)).toEqual({ kind: 'broken', format: 'jpeg' });
		expect(parseImageHeader(file.subarray(0, 32_000), false).kind).toBe('image');
	});

	it('a PNG cut before its IHDR is "more" while streaming and "broken" when that is all there is', () => {
		const file = fixture('square.png');
		expect(parseImageHeader(file.subarray(0, 12), false)).toEqual({ kind: 'more' });
		expect(parseImageHeader(file.subarray(0, 12), true)).toEqual({ kind: 'broken', format: 'png' });
		const damaged = Buffer.from(file);
		damaged.write('XXXX', 12, 'latin1');
		expect(parseImageHeader(damaged, true)).toEqual({ kind: 'broken', format: 'png' });
		const zeroWidth = Buffer.from(file);
		zeroWidth.writeUInt32BE(0, 16);
		expect(parseImageHeader(zeroWidth, true)).toEqual({ kind: 'broken', format: 'png' });
	});

	it('a JPEG that reaches its image data (or ends) before a frame header is broken', () => {
		const noFrame = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xda, 0x00, 0x02]);
		expect(parseImageHeader(noFrame, true)).toEqual({ kind: 'broken', format: 'jpeg' });
		const garbage = Buffer.from([0xff, 0xd8, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc]);
		expect(parseImageHeader(garbage, true)).toEqual({ kind: 'broken', format: 'jpeg' });
	});

	it('stops asking for more after MAX_HEADER_BYTES', () => {
		const endless = Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(MAX_HEADER_BYTES, 0xff)]);
		expect(parseImageHeader(endless, false)).toEqual({ kind: 'broken', format: 'jpeg' });
	});

	it('names other formats people send by mistake', () => {
		expect(parseImageHeader(fixture('picture.gif'), true)).toEqual({ kind: 'not-image', what: 'a GIF file' });
		const webp = Buffer.concat([Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1'), Buffer.alloc(20)]);
		expect(parseImageHeader(webp, true)).toEqual({ kind: 'not-image', what: 'a WebP file' });
		const heic = Buffer.concat([Buffer.from('\0\0\0\x18ftypheic', 'latin1'), Buffer.alloc(20)]);
		expect(parseImageHeader(heic, true)).toEqual({ kind: 'not-image', what: 'a HEIC/AVIF file' });
		expect(parseImageHeader(Buffer.from('<html><body>403</body></html>'), true)).toEqual({
			kind: 'not-image',
			what: 'a SVG, HTML or other text file',
		});
		expect(parseImageHeader(Buffer.from('%PDF-1.7 ...'), true)).toMatchObject({ what: 'a PDF file' });
		expect(parseImageHeader(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), true)).toEqual({
			kind: 'not-image',
			what: 'not a JPG or PNG file',
		});
	});
});

describe('base64 helpers', () => {
	it('measures decoded size without decoding, with and without padding', () => {
		for (const length of [0, 1, 2, 3, 4, 100, 1001]) {
			const text = Buffer.alloc(length, 7).toString('base64');
			expect(base64ByteLength(text)).toBe(length);
		}
	});

	it('decodes only a prefix, enough for the header', () => {
		const file = fixture('commented.jpg');
		const text = file.toString('base64');
		expect(base64Prefix(text, 4000).length).toBeGreaterThanOrEqual(4000);
		expect(base64Prefix(text, 4000).length).toBeLessThan(4100);
		expect(base64Prefix(text, 4000).equals(file.subarray(0, base64Prefix(text, 4000).length))).toBe(true);
	});

	it('recognises base64 text, not URLs or short words', () => {
		expect(isBase64Text(fixture('square.png').toString('base64'))).toBe(true);
		expect(isBase64Text('https://x.test/a.png')).toBe(false);
		expect(isBase64Text('abcd')).toBe(false);
		expect(isBase64Text('abcdefghijklmnopq')).toBe(false);
	});
});

describe('checkImage (Kling: jpg/png, ≤ 10 MB, ≥ 300 px a side, 1:2.5 to 2.5:1)', () => {
	const check = (name: string, bytes?: number) => {
		const file = fixture(name);
		return checkImage('imageBinaryProperty', 'Image', bytes ?? file.length, parseImageHeader(file, true));
	};

	it('accepts good images, including the exact 1:2.5 boundary (320×800)', () => {
		expect(check('product.jpg')).toEqual({ format: 'jpeg', width: 640, height: 360 });
		expect(check('tall.png')).toEqual({ format: 'png', width: 320, height: 800 });
		expect(check('product.jpg', MAX_IMAGE_BYTES)).toMatchObject({ width: 640 });
	});

	it('refuses each broken rule, naming the field, the value and the limit', () => {
		const small = refusal(() => check('too-small.png'));
		expect(small.field).toBe('imageBinaryProperty');
		expect(small.message).toBe('Image is 200×200 px; Kling needs at least 300 px on each side. Use a larger image');
		expect(refusal(() => check('too-wide.jpg')).message).toBe(
			'Image is 1000×300 px (aspect ratio 3.33:1); Kling accepts aspect ratios from 1:2.5 to 2.5:1. Crop it first',
		);
		expect(refusal(() => check('too-tall.png')).message).toMatch(/300×751 px \(aspect ratio 1:2\.50\)/);
		expect(refusal(() => check('picture.gif')).message).toMatch(/^Image is a GIF file; Kling accepts JPG or PNG/);
		expect(refusal(() => check('product.jpg', MAX_IMAGE_BYTES + 1)).message).toMatch(
			/^Image is 10\.0 MB; Kling accepts images up to 10 MB/,
		);
		expect(refusal(() => check('product.jpg', 0)).message).toBe('Image is empty (0 bytes)');
		expect(
			refusal(() => checkImage('f', 'Image', 100, parseImageHeader(fixture('square.png').subarray(0, 12), true)))
				.message,
		).toMatch(/looks like a PNG file but its header is damaged or cut off/);
	});

	it('checks the size before the header: a huge file is refused for its size whatever its first bytes', () => {
		expect(refusal(() => checkImage('f', 'Image', 60 * 1024 * 1024, { kind: 'more' })).message).toMatch(/60\.0 MB/);
	});
});
