/**
 * Images for the image-to-video operations: from a binary field of the input item (any n8n
 * binary-data mode) or a URL / base64 text. Checked before any request from the file's first
 * bytes and its size; the image itself (base64) is built only when its create is about to be sent.
 */
import type { IBinaryData, IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { HeaderParse, ImageHeader } from '../../helpers/image';
import {
	base64ByteLength,
	base64Prefix,
	checkImage,
	isBase64Text,
	MAX_HEADER_BYTES,
	MAX_IMAGE_BYTES,
	parseImageHeader,
} from '../../helpers/image';
import { ParameterError } from '../../helpers/validation';

export type ImageSource = 'binary' | 'url';

/** What the user chose for one image. */
export interface ImageInput {
	source: ImageSource;
	/** Binary field name, or the URL / base64 text. */
	value: unknown;
}

/** A checked image, small enough to keep for every item until its create is sent. */
export type ImageRef =
	| { kind: 'url'; url: string }
	| { kind: 'base64'; base64: string; header: ImageHeader }
	| { kind: 'binary'; itemIndex: number; property: string; header: ImageHeader };

const STREAM_CHUNK = 64 * 1024;

/** Source / field / URL parameters for one image, shown by `show` (e.g. an End Frame switch). */
export function imageSourceProperties(options: {
	prefix: string;
	label: string;
	defaultProperty: string;
	show?: Record<string, string[]>;
	withNone?: boolean;
}): INodeProperties[] {
	const { prefix, label, show = {}, defaultProperty } = options;
	// Identifiers, not expressions, as defaults: n8n's scanner reads a default only if it can parse it.
	const defaultSource = options.withNone ? 'none' : 'binary';
	const whenSource = (source: ImageSource) => ({ show: { ...show, [`${prefix}Source`]: [source] } });
	return [
		{
			displayName: `${label} Source`,
			name: `${prefix}Source`,
			type: 'options',
			noDataExpression: true,
			options: [
				...(options.withNone ? [{ name: 'None', value: 'none', description: `No ${label.toLowerCase()}` }] : []),
				{
					name: 'Binary File From Input',
					value: 'binary',
					description:
						'A JPG or PNG in a binary field of the input item, e.g. from Read Files From Disk or HTTP Request',
				},
				{
					name: 'URL or Base64 Text',
					value: 'url',
					description: 'A public image URL that Kling downloads itself, or the image as base64 text',
				},
			],
			default: defaultSource,
			displayOptions: Object.keys(show).length ? { show } : undefined,
		},
		{
			displayName: `${label} Binary Field`,
			name: `${prefix}BinaryProperty`,
			type: 'string',
			required: true,
			default: defaultProperty,
			placeholder: defaultProperty,
			description: 'Name of the binary field of the input item that holds the image (JPG or PNG, at most 10 MB)',
			displayOptions: whenSource('binary'),
		},
		{
			displayName: `${label} URL`,
			name: `${prefix}Url`,
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://example.com/product.jpg',
			description:
				'A public http(s) URL of a JPG or PNG (Kling downloads it; at most 10 MB, 300 px per side, aspect ratio 1:2.5 to 2.5:1), or the image as base64 text',
			displayOptions: whenSource('url'),
		},
	];
}

/**
 * Source / binary field / URL of one entry in a list of images (several images, Motion Brush
 * masks): the values of a fixedCollection entry, read back with `imageEntryInput`.
 */
export function imageEntryValues(options: {
	defaultProperty: string;
	binaryDescription: string;
	urlDescription: string;
	urlPlaceholder?: string;
}): INodeProperties[] {
	const { defaultProperty } = options;
	return [
		{
			displayName: 'Source',
			name: 'source',
			type: 'options',
			options: [
				{ name: 'Binary File From Input', value: 'binary' },
				{ name: 'URL or Base64 Text', value: 'url' },
			],
			default: 'binary',
		},
		{
			displayName: 'Binary Field',
			name: 'binaryProperty',
			type: 'string',
			default: defaultProperty,
			description: options.binaryDescription,
			displayOptions: { show: { source: ['binary'] } },
		},
		{
			displayName: 'URL',
			name: 'url',
			type: 'string',
			default: '',
			...(options.urlPlaceholder ? { placeholder: options.urlPlaceholder } : {}),
			description: options.urlDescription,
			displayOptions: { show: { source: ['url'] } },
		},
	];
}

/** One entry made with `imageEntryValues`, as an image choice. */
export function imageEntryInput(entry: IDataObject, defaultProperty: string): ImageInput {
	return entry.source === 'url'
		? { source: 'url', value: entry.url }
		: { source: 'binary', value: entry.binaryProperty ?? defaultProperty };
}

/** Reads an image choice made with `imageSourceProperties`; undefined when the source is "none". */
export function readImageInput(ctx: IExecuteFunctions, itemIndex: number, prefix: string): ImageInput | undefined {
	const source = ctx.getNodeParameter(`${prefix}Source`, itemIndex, 'binary') as string;
	if (source === 'none') return undefined;
	if (source !== 'binary' && source !== 'url') {
		throw new ParameterError(`${prefix}Source`, `The image source must be "binary" or "url", not "${source}"`);
	}
	const value = ctx.getNodeParameter(source === 'binary' ? `${prefix}BinaryProperty` : `${prefix}Url`, itemIndex, '');
	return { source, value };
}

/**
 * Checks one image against Kling's rules without reading more than its header: a binary field's
 * size comes from n8n's metadata (or the base64 length), its pixel size from the first bytes.
 */
export async function checkImageInput(
	ctx: IExecuteFunctions,
	itemIndex: number,
	input: ImageInput,
	field: string,
	label: string,
): Promise<ImageRef> {
	if (input.source === 'url') return checkUrlOrText(input.value, field, label);

	const property = typeof input.value === 'string' ? input.value.trim() : '';
	if (!property) throw new ParameterError(field, `${label}: the binary field name is empty. Use e.g. "data"`);
	const binary = ctx.getInputData()[itemIndex]?.binary?.[property];
	if (!binary) {
		const names = Object.keys(ctx.getInputData()[itemIndex]?.binary ?? {});
		throw new ParameterError(
			field,
			`${label}: the input item has no binary field "${property}" (${names.length ? `it has ${names.map((n) => `"${n}"`).join(', ')}` : 'it has no binary data at all'}). Put the image in a binary field first (Read Files From Disk, HTTP Request with Response Format "File") and enter that field's name`,
		);
	}
	const named = `${label} (binary field "${property}"${binary.fileName ? `, ${binary.fileName}` : ''})`;
	const { bytes, parse } = binary.id ? await inspectStored(ctx, binary) : inspectInline(binary);
	return { kind: 'binary', itemIndex, property, header: checkImage(field, named, bytes, parse) };
}

function checkUrlOrText(raw: unknown, field: string, label: string): ImageRef {
	const text = typeof raw === 'string' ? raw.trim() : '';
	if (!text) throw new ParameterError(field, `${label} URL is empty: enter an image URL or base64 text`);
	if (/^https?:\/\//i.test(text)) {
		if (!URL.canParse(text)) throw new ParameterError(field, `${label} URL "${text.slice(0, 200)}" is not a valid URL`);
		// Kling downloads it: its size and pixels can only be checked there.
		return { kind: 'url', url: text };
	}
	// Kling wants base64 without a "data:" prefix: accept a data URL and drop the prefix.
	const base64 = text.replace(/^data:image\/[a-z+.-]+;base64,/i, '').replace(/\s+/g, '');
	if (!isBase64Text(base64)) {
		throw new ParameterError(
			field,
			`${label} must be an http(s) URL or the image as base64 text; got "${text.slice(0, 40)}${text.length > 40 ? '…' : ''}"`,
		);
	}
	const bytes = base64ByteLength(base64);
	const parse = parseImageHeader(base64Prefix(base64), bytes <= MAX_HEADER_BYTES);
	return { kind: 'base64', base64, header: checkImage(field, `${label} (base64 text)`, bytes, parse) };
}

/** Default binary mode: n8n holds the file as base64 already; measure and peek without decoding it. */
function inspectInline(binary: IBinaryData): { bytes: number; parse: HeaderParse } {
	const data = typeof binary.data === 'string' ? binary.data : '';
	const bytes = base64ByteLength(data);
	return { bytes, parse: parseImageHeader(base64Prefix(data), bytes <= MAX_HEADER_BYTES) };
}

/**
 * Filesystem / database mode: the size from n8n's metadata, then only the first bytes from a
 * stream. Without a usable size in the metadata, bytes are counted as they stream past
 * (never kept), stopping as soon as the limit is passed.
 */
async function inspectStored(
	ctx: IExecuteFunctions,
	binary: IBinaryData,
): Promise<{ bytes: number; parse: HeaderParse }> {
	const id = binary.id as string;
	let bytes: number | undefined;
	try {
		const size = Number((await ctx.helpers.getBinaryMetadata(id)).fileSize);
		if (Number.isFinite(size) && size >= 0) bytes = size;
	} catch {
		// Counted below instead.
	}
	if (bytes !== undefined && bytes > MAX_IMAGE_BYTES) return { bytes, parse: { kind: 'more' } };

	const stream = await ctx.helpers.getBinaryStream(id, STREAM_CHUNK);
	const head: Buffer[] = [];
	let headLength = 0;
	let seen = 0;
	let parse: HeaderParse = { kind: 'more' };
	try {
		for await (const chunk of stream as AsyncIterable<Buffer>) {
			seen += chunk.length;
			if (parse.kind === 'more') {
				head.push(chunk);
				headLength += chunk.length;
				parse = parseImageHeader(Buffer.concat(head, headLength), false);
				if (parse.kind === 'more' && headLength >= MAX_HEADER_BYTES)
					parse = parseImageHeader(Buffer.concat(head), true);
				if (parse.kind !== 'more') head.length = 0;
			}
			const sizeKnown = bytes !== undefined;
			if (parse.kind !== 'more' && (sizeKnown || seen > MAX_IMAGE_BYTES)) break;
		}
	} finally {
		(stream as { destroy?: () => void }).destroy?.();
	}
	if (parse.kind === 'more') parse = parseImageHeader(Buffer.concat(head), true);
	return { bytes: bytes ?? seen, parse };
}

/** The value Kling gets for a checked image: the URL, or the file as base64 (built only now). */
export async function imageValue(ctx: IExecuteFunctions, ref: ImageRef): Promise<string> {
	if (ref.kind === 'url') return ref.url;
	if (ref.kind === 'base64') return ref.base64;
	const binary = ctx.getInputData()[ref.itemIndex]?.binary?.[ref.property];
	if (binary && !binary.id && typeof binary.data === 'string') return binary.data;
	const buffer = await ctx.helpers.getBinaryDataBuffer(ref.itemIndex, ref.property);
	return buffer.toString('base64');
}
