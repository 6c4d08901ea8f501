/**
 * Property-based: the image header parser and the image checks on hostile bytes. Whatever the
 * bytes (random, real files cut anywhere, real files with garbage appended or bytes flipped), the
 * parser never throws, never reads past what it was given, and never reports a size other than
 * the file's; the checks refuse with a ParameterError, never a raw JavaScript error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import fc from 'fast-check';

import { checkImage, parseImageHeader } from '../../nodes/KlingCometApi/helpers/image';
import { ParameterError } from '../../nodes/KlingCometApi/helpers/validation';

const SEED = Number(process.env.PROPERTY_SEED ?? 20261130);
const DIR = path.join(__dirname, '..', 'fixtures', 'images');
const files = readdirSync(DIR)
	.filter((name) => /\.(png|jpg)$/.test(name))
	.map((name) => ({ name, bytes: readFileSync(path.join(DIR, name)) }));
const truth = new Map(files.map((f) => [f.name, parseImageHeader(f.bytes, true)]));
const KINDS = ['image', 'more', 'not-image', 'broken'];

describe('image header parser on hostile bytes', () => {
	it('random bytes: a known verdict, no exception, and checkImage refuses or accepts cleanly', () => {
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), (bytes, complete) => {
				const parse = parseImageHeader(Buffer.from(bytes), complete);
				expect(KINDS).toContain(parse.kind);
				if (complete) expect(parse.kind).not.toBe('more');
				try {
					checkImage('f', 'Image', bytes.length, parse);
				} catch (error) {
					expect(error).toBeInstanceOf(ParameterError);
				}
			}),
			{ seed: SEED, numRuns: 2000 },
		);
	});

	it('a real file cut anywhere: "more" while streaming, or the true size; never another size', () => {
		fc.assert(
			fc.property(fc.constantFrom(...files), fc.nat(), (file, cut) => {
				const prefix = file.bytes.subarray(0, cut % (file.bytes.length + 1));
				const whole = truth.get(file.name)!;
				const streaming = parseImageHeader(prefix, false);
				if (streaming.kind === 'image') expect(streaming).toEqual(whole);
				else expect(streaming.kind).toBe('more');
				const ended = parseImageHeader(prefix, true);
				expect(ended.kind === 'image' ? ended : undefined).toEqual(ended.kind === 'image' ? whole : undefined);
			}),
			{ seed: SEED, numRuns: 1500 },
		);
	});

	it('garbage after a real file, or bytes flipped past its header, change nothing or break cleanly', () => {
		fc.assert(
			fc.property(fc.constantFrom(...files), fc.uint8Array({ maxLength: 512 }), fc.nat(), (file, garbage, at) => {
				expect(parseImageHeader(Buffer.concat([file.bytes, Buffer.from(garbage)]), true)).toEqual(truth.get(file.name));
				const flipped = Buffer.from(file.bytes);
				flipped[at % flipped.length] ^= 0xff;
				const parse = parseImageHeader(flipped, true);
				expect(KINDS).toContain(parse.kind);
			}),
			{ seed: SEED, numRuns: 1500 },
		);
	});
});
