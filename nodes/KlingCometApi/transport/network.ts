/**
 * Why a request threw: n8n wraps axios errors differently by version (2.8 keeps the code in
 * `httpCode`, drops `cause`; others keep `cause` or the original in `errorResponse`), so the
 * whole error tree is searched. The answer that matters: did anything reach CometAPI?
 */
import type { ApiFailure } from './response';

/** Errors that prove the request never reached the server. */
const NOT_SENT_CODES = new Set([
	'ECONNREFUSED',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EAI_NONAME',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'EADDRNOTAVAIL',
	'ERR_INVALID_URL',
	'ERR_INVALID_CHAR',
	'ERR_INVALID_HTTP_TOKEN',
	'ERR_HTTP_INVALID_HEADER_VALUE',
	'ERR_UNESCAPED_CHARACTERS',
	'ERR_INVALID_PROTOCOL',
	'EPROTO',
	'ERR_SSL_WRONG_VERSION_NUMBER',
	'ERR_TLS_CERT_ALTNAME_INVALID',
	'CERT_HAS_EXPIRED',
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** Worth another try after a short pause: the next try may get through. */
const TRANSIENT_NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * A request that reached nothing is tried this often before it is reported (a restarting proxy
 * comes back within seconds; a wrong Base URL never does): a create, and a read before anything
 * of the item has reached CometAPI. Reported within a few seconds, naming the Base URL.
 */
export const MAX_NOT_SENT_TRIES = 3;

/** n8n replaces some codes by these sentences; map them back. */
const N8N_SENTENCES: Array<[RegExp, string]> = [
	[/refused the connection/i, 'ECONNREFUSED'],
	[/incorrect host \(domain\)/i, 'ENOTFOUND'],
	[/DNS server returned an error/i, 'EAI_AGAIN'],
	[/host is unreachable/i, 'EHOSTUNREACH'],
	[/closed unexpectedly/i, 'ECONNRESET'],
	[/connection timed out/i, 'ETIMEDOUT'],
	[/Unsupported protocol/i, 'ERR_INVALID_PROTOCOL'],
	[/Invalid URL/i, 'ERR_INVALID_URL'],
	[/Invalid character in header/i, 'ERR_INVALID_CHAR'],
	[/wrong version number|SSL routines|handshake/i, 'EPROTO'],
	[/socket hang up/i, 'ECONNRESET'],
	[/timeout/i, 'ETIMEDOUT'],
];

const CODE_PATTERN = /\b(E[A-Z][A-Z_]{2,}|ERR_[A-Z0-9_]+|[A-Z]+(?:_[A-Z]+)+_CERT[A-Z_]*|CERT_[A-Z_]+)\b/g;

/** Strings found in the error tree, codes first. */
function collect(error: unknown): { codes: string[]; texts: string[] } {
	const codes: string[] = [];
	const texts: string[] = [];
	const seen = new Set<unknown>();
	const visit = (value: unknown, depth: number) => {
		if (!value || typeof value !== 'object' || depth > 5 || seen.has(value)) return;
		seen.add(value);
		const record = value as Record<string, unknown>;
		for (const field of ['code', 'httpCode', 'errno']) {
			if (typeof record[field] === 'string') codes.push(record[field] as string);
		}
		for (const field of ['message', 'description']) {
			if (typeof record[field] === 'string') texts.push(record[field] as string);
		}
		if (Array.isArray(record.messages))
			texts.push(...record.messages.filter((m): m is string => typeof m === 'string'));
		for (const field of ['cause', 'errorResponse', 'reason', 'error', 'original']) visit(record[field], depth + 1);
	};
	visit(error, 0);
	return { codes, texts };
}

export function networkCodeOf(error: unknown): string {
	const { codes, texts } = collect(error);
	const known = (code: string) => NOT_SENT_CODES.has(code) || /^E[A-Z]/.test(code) || code.startsWith('ERR_');
	// The most specific answer wins: a "not sent" code anywhere in the tree, then any code, then sentences.
	const fromTexts = texts.flatMap((text) => text.match(CODE_PATTERN) ?? []);
	const all = [...codes, ...fromTexts].filter(known);
	const notSent = all.find((code) => NOT_SENT_CODES.has(code));
	if (notSent) return notSent;
	const sentence = texts.map((text) => N8N_SENTENCES.find(([pattern]) => pattern.test(text))?.[1]).find(Boolean);
	if (sentence && NOT_SENT_CODES.has(sentence)) return sentence;
	return all.find((code) => code !== 'ERR_BAD_REQUEST' && code !== 'ERR_BAD_RESPONSE') ?? sentence ?? 'EUNKNOWN';
}

/** A thrown request → a failure that says whether anything reached CometAPI. */
export function describeRequestError(error: unknown): ApiFailure {
	const networkCode = networkCodeOf(error);
	return { kind: 'network', networkCode, reached: !NOT_SENT_CODES.has(networkCode) };
}

/** Nothing was sent, and trying again soon may help (a proxy restarting, a DNS hiccup). */
export function isTransientNotSent(failure: ApiFailure): boolean {
	return !failure.reached && TRANSIENT_NOT_SENT.has(failure.networkCode ?? '');
}
