/**
 * The one place secrets are removed. Everything that leaves the node (error messages,
 * descriptions, stacks, output JSON, Continue On Fail items, log lines, execution custom data)
 * passes through a Redactor built from the credential, so no other code needs the key.
 */
import { describeValue } from './format';

const MASK = '***';
/** Key-like tokens in text from the API, whatever key they belong to. */
const KEY_PATTERN = /\bsk-[A-Za-z0-9_-]{4,}/g;
/** Shorter values would mask ordinary words. */
const MIN_SECRET_LENGTH = 6;

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

/** The secrets a CometAPI credential holds: every string field but the Base URL, and any user info in it. */
export function credentialSecrets(credentials: Record<string, unknown>): string[] {
	const secrets: string[] = [];
	for (const [name, value] of Object.entries(credentials)) {
		if (typeof value !== 'string' || !value) continue;
		if (name !== 'baseUrl') secrets.push(value);
	}
	const base = typeof credentials.baseUrl === 'string' ? credentials.baseUrl : '';
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
	private readonly forms: string[];

	constructor(secrets: string[]) {
		// Longest first, so a secret's longer forms are not left half masked.
		this.forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
	}

	text(value: string): string {
		let result = value;
		for (const form of this.forms) if (result.includes(form)) result = result.split(form).join(MASK);
		return result.replace(KEY_PATTERN, `sk-${MASK}`);
	}

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
