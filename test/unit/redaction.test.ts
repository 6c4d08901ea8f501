import { credentialSecrets, Redactor, secretForms } from '../../nodes/KlingCometApi/helpers/redaction';

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
