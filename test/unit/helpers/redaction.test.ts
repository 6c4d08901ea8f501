import { credentialSecrets, Redactor, redactorFor, secretForms } from '../../../nodes/KlingCometApi/helpers/redaction';

const KEY = 'sk-live-0123456789abcdefXYZ';

describe('Redactor', () => {
	const redactor = new Redactor(credentialSecrets({ apiKey: KEY, baseUrl: 'https://api.cometapi.com' }));

	it.each([
		['raw', `Bearer ${KEY}`],
		['without its prefix', `key=${KEY.slice(3)}`],
		['URL-encoded', `u=${encodeURIComponent(`${KEY}/+=`)}`],
		['base64', `b=${Buffer.from(KEY).toString('base64')}`],
		['base64 of the header', `h=${Buffer.from(`Bearer ${KEY}`).toString('base64')}`],
		['base64url without padding', `b=${Buffer.from(KEY).toString('base64url')}`],
	])('masks the key %s', (_name, text) => {
		const masked = redactor.text(text);
		expect(masked).toContain('***');
		expect(masked).not.toContain(KEY);
		expect(masked).not.toContain(KEY.slice(3));
	});

	it('masks any token shaped like a CometAPI key, and leaves other text alone', () => {
		expect(redactor.text('other sk-abcdef123 here')).toBe('other sk-*** here');
		expect(redactor.text('nothing secret, task 860733404216143937')).toBe('nothing secret, task 860733404216143937');
	});

	it('a key without any prefix is masked too', () => {
		const plain = new Redactor(['plainkey7f3a9c2e4b1d6f80a']);
		expect(plain.text('x plainkey7f3a9c2e4b1d6f80a y')).toBe('x *** y');
	});

	it('deep() copies JSON with every string (and key) masked', () => {
		const value = { a: [`t ${KEY}`, 3, null], [KEY]: { b: true }, c: Buffer.from('x') };
		const masked = redactor.deep(value);
		expect(JSON.stringify(masked)).not.toContain(KEY);
		expect(masked.a).toEqual(['t ***', 3, null]);
		expect(Buffer.isBuffer(masked.c)).toBe(true);
		expect(value.a[0]).toContain(KEY);
	});

	it('error() cleans every field n8n may show, log or store', () => {
		const error = Object.assign(new Error(`bad ${KEY}`), {
			description: `d ${KEY}`,
			context: { note: KEY },
			errorResponse: { message: KEY },
			messages: [KEY],
			cause: { m: KEY },
			extra: 'x',
		});
		redactor.error(error);
		expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(KEY);
		expect(error.stack).not.toContain(KEY);
	});
});

describe('secrets of a credential', () => {
	it('every string field but the Base URL, plus user info inside the Base URL', () => {
		const secrets = credentialSecrets({
			apiKey: KEY,
			baseUrl: 'https://admin:p%40ss-word9@proxy.example',
			extra: 'tok-123456789',
		});
		expect(secrets).toEqual(
			expect.arrayContaining([KEY, 'tok-123456789', 'admin:p%40ss-word9', 'p%40ss-word9', 'p@ss-word9']),
		);
		expect(secrets).not.toContain('https://admin:p%40ss-word9@proxy.example');
	});

	it('redactorFor: the credential read when it can be, key-like tokens masked when it cannot', async () => {
		const line = 'failed: plain-secret-4f9a and sk-other-0123456789';
		const read = await redactorFor(async () => ({ apiKey: 'plain-secret-4f9a', baseUrl: 'https://api.example' }));
		expect(read.text(line)).toBe('failed: *** and sk-***');
		const unreadable = await redactorFor(async () => {
			throw new Error('credentials store unavailable');
		});
		expect(unreadable.text(line)).toBe('failed: plain-secret-4f9a and sk-***');
	});

	it('short values are not treated as secrets (they would mask ordinary words)', () => {
		expect(secretForms('abc')).toEqual([]);
		expect(secretForms(KEY)).toEqual(
			expect.arrayContaining([KEY, encodeURIComponent(KEY), Buffer.from(KEY).toString('base64')]),
		);
	});
});

describe('redaction edges', () => {
	it('a secret with spaces around it is masked raw and trimmed', () => {
		const redactor = new Redactor(['  sk-spaced-0123456789  ']);
		expect(redactor.text('a sk-spaced-0123456789 b')).toBe('a *** b');
		expect(redactor.text('a   sk-spaced-0123456789   b')).toBe('a *** b');
	});

	it('the unprefixed form needs at least 12 characters (shorter would mask ordinary words)', () => {
		expect(secretForms('sk-abcdefghijk')).not.toContain('abcdefghijk');
		expect(secretForms('sk-abcdefghijkl')).toContain('abcdefghijkl');
		expect(secretForms('toolongprefix-abcdefghijklmn')).not.toContain('abcdefghijklmn');
		expect(secretForms('abcdef')).toContain('abcdef');
		expect(secretForms('abcde')).toEqual([]);
	});

	it('JSON-escaped and base64 forms without padding are masked', () => {
		const key = 'sk-q"uote\\d-1234567';
		const redactor = new Redactor([key]);
		expect(redactor.text(JSON.stringify({ k: key }))).toBe('{"k":"***"}');
		const unpadded = Buffer.from('sk-abcdefgh1234').toString('base64').replace(/=+$/, '');
		expect(new Redactor(['sk-abcdefgh1234']).text(`x${unpadded}y`)).not.toContain(unpadded);
	});

	it('longer forms are masked before the shorter ones they contain', () => {
		const key = 'sk-abcdef123456';
		expect(new Redactor([key]).text(`${encodeURIComponent(key)}%2F`)).toBe('***%2F');
		expect(new Redactor(['abc/def+ghi']).text(encodeURIComponent('abc/def+ghi'))).toBe('***');
	});

	it('deep() masks even below 20 levels (flattened to text there), and leaves numbers, booleans and null alone', () => {
		const redactor = new Redactor(['sk-deep-0123456789']);
		let nested: Record<string, unknown> = { v: 'sk-deep-0123456789' };
		for (let i = 0; i < 25; i++) nested = { n: nested };
		const masked = JSON.stringify(redactor.deep(nested));
		expect(masked).not.toContain('sk-deep-0123456789');
		expect(masked).toContain('***');
		expect(redactor.deep({ a: 1, b: false, c: null })).toEqual({ a: 1, b: false, c: null });
	});

	it('error() masks a text cause or extra, and leaves other fields', () => {
		const redactor = new Redactor(['sk-cause-0123456789']);
		const error = Object.assign(new Error('m'), {
			cause: 'sk-cause-0123456789',
			extra: 'x sk-cause-0123456789',
			httpCode: '401',
		});
		redactor.error(error);
		expect(error.cause).toBe('***');
		expect(error.extra).toBe('x ***');
		expect(error.httpCode).toBe('401');
	});

	it('credentialSecrets ignores empty and non-text fields, and a Base URL without user info', () => {
		expect(
			credentialSecrets({ apiKey: 'sk-x-0123456789', other: '', n: 5, baseUrl: 'https://api.cometapi.com' }),
		).toEqual(['sk-x-0123456789']);
		expect(credentialSecrets({ baseUrl: 5 })).toEqual([]);
		expect(credentialSecrets({ baseUrl: 'https://bad%ZZuser:pw@host' })).toEqual(
			expect.arrayContaining(['bad%ZZuser:pw', 'bad%ZZuser', 'pw']),
		);
	});
});

describe('percent-encoded echoes (review finding 8)', () => {
	const key = 'sk-leak-abc';
	const redactor = new Redactor([key]);
	/** `text` with the characters at `positions` percent-encoded, in the hex case given. */
	const encodeAt = (text: string, positions: number[], upper = true) =>
		[...text]
			.map((char, i) => {
				if (!positions.includes(i)) return char;
				const hex = char.charCodeAt(0).toString(16).padStart(2, '0');
				return `%${upper ? hex.toUpperCase() : hex}`;
			})
			.join('');

	it.each([
		['the dashes, upper-case hex', 'sk%2Dleak%2Dabc'],
		['the dashes, lower-case hex', 'sk%2dleak%2dabc'],
		[
			'every character',
			encodeAt(
				key,
				[...key].map((_c, i) => i),
			),
		],
		[
			'every character, lower-case hex',
			encodeAt(
				key,
				[...key].map((_c, i) => i),
				false,
			),
		],
		['the first and last characters', encodeAt(key, [0, key.length - 1])],
		['"%" itself encoded again', 'sk%252Dleak%252Dabc'],
		['mixed hex case', 'sk%2dleak%2Dab%63'],
	])('masks the key with %s', (_name, echoed) => {
		expect(redactor.text(`refused ${echoed}!`)).toBe('refused ***!');
	});

	it('masks every subset of its characters percent-encoded (all 2048)', () => {
		for (let subset = 0; subset < 2 ** key.length; subset++) {
			const positions = [...key].map((_c, i) => i).filter((i) => subset & (1 << i));
			const echoed = encodeAt(key, positions, subset % 2 === 0);
			expect(redactor.text(`k=${echoed};`)).toBe('k=***;');
		}
	});

	it('masks the percent-encoded base64, unprefixed and Bearer forms of a longer key', () => {
		const long = 'sk-live-0123456789abcdefXYZ';
		const longRedactor = new Redactor([long]);
		const base64 = Buffer.from(`Bearer ${long}`).toString('base64');
		for (const form of [base64, long.slice(3), Buffer.from(long).toString('base64')]) {
			const echoed = form.replace(/[+/=a-c-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
			expect(longRedactor.text(`x ${echoed} y`)).toBe('x *** y');
		}
	});

	it('masks a percent-encoded key cut short where a message was truncated ("…")', () => {
		const long = 'sk-live-0123456789abcdefXYZ';
		const longRedactor = new Redactor([long]);
		const encoded = encodeAt(
			long,
			[...long].map((_c, i) => i),
		);
		for (const cutAt of [20, 21, 22, 40, encoded.length - 1])
			expect(longRedactor.text(`refused ${encoded.slice(0, cutAt)}…`)).toBe('refused ***…');
		expect(longRedactor.text(`refused ${long.slice(0, 20)}…`)).toBe('refused ***…');
		// Not before a cut mark: the prefix alone is not the key.
		expect(longRedactor.text('sk-liv is a word')).toBe('sk-liv is a word');
	});

	it('any key-shaped token with a percent-encoded dash is masked too', () => {
		expect(redactor.text('other sk%2Dabcdef123 here')).toBe('other sk-*** here');
	});

	it('leaves other percent-encoded text alone', () => {
		const text = 'https://cdn.example/v.mp4?sig=a%2Fb%3D&x=%25';
		expect(redactor.text(text)).toBe(text);
	});

	it('stays fast on big texts full of "%"', () => {
		const big = `${'url=%2F%3D%25%2525 text '.repeat(200_000)} sk%2Dleak%2Dabc`;
		const started = Date.now();
		const masked = redactor.text(big);
		expect(masked.endsWith(' ***')).toBe(true);
		// About 0.1 s here; generous for a busy machine.
		expect(Date.now() - started).toBeLessThan(3000);
	});
});

describe('redaction: each form, each occurrence, each boundary', () => {
	// Not shaped like a CometAPI key, so the sk- token rule cannot mask it instead.
	const SECRET = 'hunter2secret99';

	it('a credential without secrets masks nothing and does not fail', () => {
		for (const redactor of [new Redactor([]), new Redactor(['abc'])]) {
			expect(redactor.text('undefined, 100% plain… text')).toBe('undefined, 100% plain… text');
			expect(redactor.deep({ a: ['x'] })).toEqual({ a: ['x'] });
		}
	});

	it('masks every occurrence, in a text with and without percent signs', () => {
		const redactor = new Redactor([SECRET]);
		expect(redactor.text(`a ${SECRET} b ${SECRET}`)).toBe('a *** b ***');
		expect(redactor.text(`a hunter2%73ecret99 b ${SECRET} 100%`)).toBe('a *** b *** 100%');
	});

	it('a secret that begins with another one is masked whole, whichever comes first in the credential', () => {
		expect(new Redactor(['hunter2sec', SECRET]).text(`x ${SECRET} y`)).toBe('x *** y');
		expect(new Redactor([SECRET, 'hunter2sec']).text(`x ${SECRET} y`)).toBe('x *** y');
	});

	it('masks a form whose first character is percent-encoded', () => {
		expect(new Redactor([SECRET]).text('x %68unter2secret99 y')).toBe('x *** y');
	});

	it('masks percent-encoded control and non-ASCII characters (each UTF-8 byte, two hex digits)', () => {
		expect(new Redactor(['pass\tword99']).text('u=pass%09word99&')).toBe('u=***&');
		expect(new Redactor(['pässwort123']).text(`u=${encodeURIComponent('pässwort123')}&`)).toBe('u=***&');
		expect(new Redactor(['pässwort123']).text('u=p%c3%a4sswort123&')).toBe('u=***&');
	});

	describe('base64 forms with + and / and two padding characters', () => {
		const secret = 'key>>>???abcd';
		const standard = Buffer.from(secret).toString('base64');
		const url = Buffer.from(secret).toString('base64url');
		// Built inside each test: Stryker's per-test coverage does not see work done while collecting.
		const redactor = () => new Redactor([secret]);

		it('the forms are what this test means', () => {
			expect(standard).toMatch(/\+.*\/.*==$/);
			expect(url).not.toMatch(/[+/=]/);
		});

		it('a padded form is masked whole, padding included', () => {
			expect(redactor().text(`b=${standard}`)).toBe('b=***');
			expect(redactor().text(`b=${url}==`)).toBe('b=***');
		});

		it('unpadded forms inside longer base64 are masked', () => {
			expect(redactor().text(`x${standard.replace(/=+$/, '')}y`)).toBe('x***y');
			expect(redactor().text(`x${url}y`)).toBe('x***y');
		});
	});

	describe('a secret cut short by describeValue', () => {
		const redactor = () => new Redactor([SECRET]);

		it('is masked before a cut mark, but a text that merely ends like the secret is left alone', () => {
			expect(redactor().text('before hunter2sec… after')).toBe('before ***… after');
			expect(redactor().text('a… ends with hunter2sec')).toBe('a… ends with hunter2sec');
		});

		it('is masked at the end of a long part too (the search window is counted from the end)', () => {
			const long = `${'x'.repeat(2000)} hunter2sec`;
			expect(redactor().text(`${long}… after`)).toBe(`${'x'.repeat(2000)} ***… after`);
		});
	});

	it('deep() keeps 20 levels of nesting as they are and flattens the 21st to masked text', () => {
		const redactor = new Redactor([SECRET]);
		const nest = (levels: number) => {
			let value: Record<string, unknown> = { v: SECRET };
			for (let i = 0; i < levels; i++) value = { n: value };
			return value;
		};
		const innermost = (value: unknown, levels: number) => {
			let current = value as Record<string, unknown>;
			for (let i = 0; i < levels; i++) current = current.n as Record<string, unknown>;
			return current;
		};
		// The object holding `v` sits at depth 20: still an object.
		expect(innermost(redactor.deep(nest(20)), 20)).toEqual({ v: '***' });
		// One level more: that object is at depth 21 and comes back as text.
		const flattened = innermost(redactor.deep(nest(21)), 21);
		expect(typeof flattened).toBe('string');
		expect(flattened).toContain('***');
		expect(flattened).not.toContain(SECRET);
	});

	it('error() adds no fields the error did not have', () => {
		const error = new Error(`m ${SECRET}`);
		new Redactor([SECRET]).error(error);
		expect(error.message).toBe('m ***');
		expect(Object.keys(error)).toEqual([]);
		expect('cause' in error).toBe(false);
	});
});
