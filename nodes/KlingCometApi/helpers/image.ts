/**
 * What Kling accepts as an image (jpg/png, at most 10 MB, at least 300 px per side, aspect ratio
 * between 1:2.5 and 2.5:1), checked from the file's first bytes: PNG and JPEG state their pixel
 * size in their header, so no image library is needed and a big file is never read whole.
 */
import { ParameterError } from './validation';

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;
export const MIN_IMAGE_SIDE = 300;
/** Width / height must lie between 1/2.5 and 2.5. */
export const MAX_IMAGE_RATIO = 2.5;
/** A JPEG states its size before the image data, after optional metadata (EXIF, ICC): look this far. */
export const MAX_HEADER_BYTES = 1024 * 1024;

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
	format: ImageFormat;
	width: number;
	height: number;
}

/** Formats people send by mistake, named so the message can say what the file is. */
const OTHER_FORMATS: Array<[string, (b: Buffer) => boolean]> = [
	['GIF', (b) => b.subarray(0, 4).toString('latin1') === 'GIF8'],
	['WebP', (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP'],
	['BMP', (b) => b.subarray(0, 2).toString('latin1') === 'BM'],
	['TIFF', (b) => ['II*\0', 'MM\0*'].includes(b.subarray(0, 4).toString('latin1'))],
	['HEIC/AVIF', (b) => b.subarray(4, 8).toString('latin1') === 'ftyp'],
	['PDF', (b) => b.subarray(0, 5).toString('latin1') === '%PDF-'],
	['SVG, HTML or other text', (b) => /^\s*</.test(b.subarray(0, 64).toString('latin1'))],
];

export type HeaderParse =
	| { kind: 'image'; header: ImageHeader }
	| { kind: 'more' }
	| { kind: 'not-image'; what: string }
	| { kind: 'broken'; format: ImageFormat };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** JPEG start-of-frame markers (they carry the size); C4, C8 and CC share the range but are not frames. */
const SOF_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/**
 * Reads format and pixel size from the start of a file. `complete` says `prefix` is the whole
 * file; otherwise the answer may be "more" (read further, up to MAX_HEADER_BYTES).
 */
export function parseImageHeader(prefix: Buffer, complete: boolean): HeaderParse {
	const more = (format: ImageFormat): HeaderParse =>
		complete || prefix.length >= MAX_HEADER_BYTES ? { kind: 'broken', format } : { kind: 'more' };
	if (prefix.length < 8 && !complete) return { kind: 'more' };
	if (prefix.subarray(0, 8).equals(PNG_SIGNATURE)) {
		if (prefix.length < 24) return more('png');
		if (prefix.subarray(12, 16).toString('latin1') !== 'IHDR') return { kind: 'broken', format: 'png' };
		return image('png', prefix.readUInt32BE(16), prefix.readUInt32BE(20));
	}
	if (prefix[0] === 0xff && prefix[1] === 0xd8) {
		let at = 2;
		for (;;) {
			if (at + 4 > prefix.length) return more('jpeg');
			if (prefix[at] !== 0xff) return { kind: 'broken', format: 'jpeg' };
			const marker = prefix[at + 1];
			// Fill bytes, and markers without a length.
			if (marker === 0xff) {
				at += 1;
				continue;
			}
			if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
				at += 2;
				continue;
			}
			// Image data or the end before any frame header.
			if (marker === 0xda || marker === 0xd9) return { kind: 'broken', format: 'jpeg' };
			const length = prefix.readUInt16BE(at + 2);
			if (length < 2) return { kind: 'broken', format: 'jpeg' };
			if (SOF_MARKERS.has(marker)) {
				if (at + 9 > prefix.length) return more('jpeg');
				return image('jpeg', prefix.readUInt16BE(at + 7), prefix.readUInt16BE(at + 5));
			}
			at += 2 + length;
		}
	}
	const other = OTHER_FORMATS.find(([, test]) => test(prefix));
	return { kind: 'not-image', what: other ? `a ${other[0]} file` : 'not a JPG or PNG file' };
}

function image(format: ImageFormat, width: number, height: number): HeaderParse {
	if (!width || !height) return { kind: 'broken', format };
	return { kind: 'image', header: { format, width, height } };
}

/** The bytes a base64 text decodes to, without decoding it. */
export function base64ByteLength(text: string): number {
	const length = text.length;
	const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
	return Math.floor((length * 3) / 4) - padding;
}

/** The first bytes of a base64 text (a multiple of 4 characters decodes cleanly). */
export function base64Prefix(text: string, bytes = MAX_HEADER_BYTES): Buffer {
	return Buffer.from(text.slice(0, Math.ceil(bytes / 3) * 4), 'base64');
}

const BASE64_TEXT = /^[A-Za-z0-9+/]+={0,2}$/;
export const isBase64Text = (text: string) => text.length >= 16 && text.length % 4 === 0 && BASE64_TEXT.test(text);

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * Kling's rules for one image, or the ParameterError naming `label` (e.g. 'Image (binary field
 * "data")'), the rule and what to do. `parse` is the header as read; `bytes` the file's size.
 */
export function checkImage(field: string, label: string, bytes: number, parse: HeaderParse): ImageHeader {
	if (bytes === 0) throw new ParameterError(field, `${label} is empty (0 bytes)`);
	if (bytes > MAX_IMAGE_BYTES) {
		throw new ParameterError(
			field,
			`${label} is ${megabytes(bytes)}; Kling accepts images up to 10 MB. Make it smaller (for example with the Edit Image node's Resize, or as JPG) and run again`,
		);
	}
	if (parse.kind === 'not-image' || parse.kind === 'more') {
		throw new ParameterError(
			field,
			`${label} is ${parse.kind === 'more' ? 'not a JPG or PNG file' : parse.what}; Kling accepts JPG or PNG images only. Convert it first (for example with the Edit Image node)`,
		);
	}
	if (parse.kind === 'broken') {
		throw new ParameterError(
			field,
			`${label} looks like a ${parse.format.toUpperCase()} file but its header is damaged or cut off (no pixel size found): check that the file is complete`,
		);
	}
	const { width, height } = parse.header;
	if (Math.min(width, height) < MIN_IMAGE_SIDE) {
		throw new ParameterError(
			field,
			`${label} is ${width}×${height} px; Kling needs at least ${MIN_IMAGE_SIDE} px on each side. Use a larger image`,
		);
	}
	const ratio = width / height;
	if (ratio > MAX_IMAGE_RATIO || ratio < 1 / MAX_IMAGE_RATIO) {
		throw new ParameterError(
			field,
			`${label} is ${width}×${height} px (aspect ratio ${ratio >= 1 ? `${ratio.toFixed(2)}:1` : `1:${(1 / ratio).toFixed(2)}`}); Kling accepts aspect ratios from 1:2.5 to 2.5:1. Crop it first`,
		);
	}
	return parse.header;
}
