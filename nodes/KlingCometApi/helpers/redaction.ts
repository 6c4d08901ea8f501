/**
 * The one place secrets are removed. Everything that leaves the node (error messages,
 * descriptions, stacks, output JSON, Continue On Fail items, log lines, execution custom data)
 * passes through a Redactor built from the credential, so no other code needs the key.
 * Each form of a secret is matched with any of its characters percent-encoded (gateways encode
 * more than encodeURIComponent does, some twice), and also when a message was cut inside it.
 */
import { describeValue } from './format';

const MASK = '***';
/** `-` or `_`, literally or percent-encoded (any hex case, `%` itself encoded again). */
const DASH = '(?:[-_]|%(?:25)*(?:2[dD]|5[fF]))';
/** Key-like tokens in text from the API, whatever key they belong to. */
const KEY_PATTERN = new RegExp(`\\bsk${DASH}(?:[A-Za-z0-9]|${DASH}){4,}`, 'g');
/** Shorter values would mask ordinary words. */
const MIN_SECRET_LENGTH = 6;
/** Where describeValue cut a text: a form cut short just before it is masked too. */
const CUT_MARK = '…';
/** An escape cut in the middle (`%`, `%7`, `%25`, `%252`). */
const CUT_ESCAPE = '(?:%(?:25)*[0-9A-Fa-f]?)?';
/** How far before a cut mark a cut form may start: its longest form, every character encoded. */
const CUT_WINDOW_PER_CHAR = 12;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** A hex digit in either case. */
function hexDigitPattern(digit: string): string {
	return /[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit;
}

/** One character as it may come back: literally, or percent-encoded byte by byte (any hex case, `%` encoded again). */
function charPattern(char: string): string {
	const encoded = [...Buffer.from(char, 'utf8')]
		.map((byte) => `%(?:25)*${[...byte.toString(16).padStart(2, '0')].map(hexDigitPattern).join('')}`)
		.join('');
	return `(?:${escapeRegExp(char)}|${encoded})`;
}

/** A form cut short after at least MIN_SECRET_LENGTH of its characters, any of them percent-encoded. */
function cutPattern(chars: string[]): string {
	let tail = '';
	for (let i = chars.length - 1; i >= MIN_SECRET_LENGTH; i--) tail = `(?:${chars[i]}${tail})?`;
	return `${chars.slice(0, MIN_SECRET_LENGTH).join('')}${tail}`;
}

function base64Forms(value: string): string[] {
	const standard = Buffer.from(value, 'utf8').toString('base64');
	const url = standard.replace(/\+/g, '-').replace(/\//g, '_');
	// Without padding too: a base64 form embedded in longer base64 loses its "=".
	return [standard, url, standard.replace(/=+$/, ''), url.replace(/=+$/, '')];
}

/** Every form in which a secret could come back: raw, URL-encoded, JSON-escaped, base64, without its prefix. */
export function secretForms(secret: string): string[] {
	const forms = new Set<string>();
	const add = (value: string) => {
		if (value.length >= MIN_SECRET_LENGTH) forms.add(value);
	};
	const trimmed = secret.trim();
	if (trimmed.length < MIN_SECRET_LENGTH) return [];
	for (const value of new Set([secret, trimmed])) {
		add(value);
		add(encodeURIComponent(value));
		add(JSON.stringify(value).slice(1, -1));
		for (const form of base64Forms(value)) add(form);
		for (const form of base64Forms(`Bearer ${value}`)) add(form);
		// "sk-abc…" echoed as "abc…".
		const unprefixed = /^[A-Za-z]{1,6}[-_](.+)$/.exec(value)?.[1];
		if (unprefixed && unprefixed.length >= 12) {
			add(unprefixed);
			add(encodeURIComponent(unprefixed));
		}
	}
	return [...forms];
}

/** Credential fields that are addresses, not secrets (any user info in them is one). */
const ADDRESS_FIELDS = ['baseUrl', 'balanceUrl'];

/** The secrets a CometAPI credential holds: every string field but the addresses, and any user info in those. */
export function credentialSecrets(credentials: Record<string, unknown>): string[] {
	const secrets: string[] = [];
	for (const [name, value] of Object.entries(credentials)) {
		if (typeof value !== 'string' || !value) continue;
		if (!ADDRESS_FIELDS.includes(name)) secrets.push(value);
	}
	for (const name of ADDRESS_FIELDS) secrets.push(...userInfoSecrets(credentials[name]));
	return secrets;
}

/**
 * For a line about an error of unknown origin (a webhook's last resort): the credential's secrets
 * when it can still be read, key-like tokens always.
 */
export async function redactorFor(readCredentials: () => Promise<object>): Promise<Redactor> {
	try {
		return new Redactor(credentialSecrets((await readCredentials()) as Record<string, unknown>));
	} catch {
		return new Redactor([]);
	}
}

function userInfoSecrets(address: unknown): string[] {
	const secrets: string[] = [];
	const base = typeof address === 'string' ? address : '';
	const userInfo = /^[^:/?#]*:\/\/([^/?#]*)@/.exec(base.trim())?.[1];
	if (userInfo) {
		secrets.push(userInfo, ...userInfo.split(':'));
		for (const part of [userInfo, ...userInfo.split(':')]) {
			try {
				secrets.push(decodeURIComponent(part));
			} catch {
				// not percent-encoded
			}
		}
	}
	return secrets;
}

export class Redactor {
	/** Every form of every secret, as it is. */
	private readonly literal: RegExp | undefined;
	/** The same with any character percent-encoded: slower, so only for texts holding a `%`. */
	private readonly encoded: RegExp | undefined;
	/** A form cut short at the end of a text (the part before a cut mark). */
	private readonly cut: RegExp | undefined;
	private readonly cutWindow: number;

	constructor(secrets: string[]) {
		const forms = new Set(secrets.flatMap(secretForms));
		// A percent-encoded form is matched by the encoded pattern of the form it encodes.
		for (const form of [...forms]) if (encodeURIComponent(form) !== form) forms.delete(encodeURIComponent(form));
		// Longest first, so a secret's longer forms are not left half masked.
		const sorted = [...forms].sort((a, b) => b.length - a.length);
		const chars = sorted.map((form) => [...form].map(charPattern));
		// Every match starts with a form's first character or a `%`: the engine skips to those at once.
		const starts = escapeRegExp([...new Set(sorted.map((form) => [...form][0]))].join('') + '%');
		this.literal = sorted.length ? new RegExp(sorted.map(escapeRegExp).join('|'), 'g') : undefined;
		this.encoded = sorted.length
			? new RegExp(`(?=[${starts}])(?:${chars.map((c) => c.join('')).join('|')})`, 'g')
			: undefined;
		this.cut = sorted.length ? new RegExp(`(?:${chars.map(cutPattern).join('|')})${CUT_ESCAPE}$`) : undefined;
		this.cutWindow = (sorted[0]?.length ?? 0) * CUT_WINDOW_PER_CHAR;
	}

	text(value: string): string {
		let result = value;
		if (this.literal && this.encoded) {
			result = result.replace(result.includes('%') ? this.encoded : this.literal, MASK);
			if (result.includes(CUT_MARK)) result = result.split(CUT_MARK).map(this.maskCutEnd).join(CUT_MARK);
		}
		return result.replace(KEY_PATTERN, `sk-${MASK}`);
	}

	/** Masks a form cut short at the end of a part that a cut mark follows (not the last part). */
	private readonly maskCutEnd = (part: string, index: number, parts: string[]): string => {
		if (!this.cut || index === parts.length - 1) return part;
		const windowStart = Math.max(0, part.length - this.cutWindow);
		const match = this.cut.exec(part.slice(windowStart));
		return match ? `${part.slice(0, windowStart + match.index)}${MASK}` : part;
	};

	/** A copy of a JSON-like value with every string redacted (object keys too). */
	deep<T>(value: T, depth = 0): T {
		if (typeof value === 'string') return this.text(value) as T;
		if (!value || typeof value !== 'object') return value;
		// Deeper than any real answer: flattened to masked text rather than passed through unread.
		if (depth > 20) return this.text(describeValue(value, 10_000)) as T;
		if (Buffer.isBuffer(value)) return value;
		if (Array.isArray(value)) return value.map((entry) => this.deep(entry, depth + 1)) as T;
		const copy: Record<string, unknown> = {};
		for (const [key, entry] of Object.entries(value)) copy[this.text(key)] = this.deep(entry, depth + 1);
		return copy as T;
	}

	/** Cleans an error in place, every field n8n may show, store or log. */
	error<E extends Error>(error: E): E {
		const target = error as unknown as Record<string, unknown>;
		for (const field of ['message', 'description', 'stack'] as const) {
			if (typeof target[field] === 'string') target[field] = this.text(target[field] as string);
		}
		for (const field of ['context', 'errorResponse', 'messages', 'cause', 'extra']) {
			if (target[field] && typeof target[field] === 'object') target[field] = this.deep(target[field]);
			else if (typeof target[field] === 'string') target[field] = this.text(target[field] as string);
		}
		return error;
	}
}
