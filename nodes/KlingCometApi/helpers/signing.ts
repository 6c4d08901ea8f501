/**
 * Signed callback URLs. A callback URL the node gives CometAPI carries `kling_sig`, an HMAC under
 * the API key of the URL's last two path segments and the task kind, so a callback without it
 * (or with another URL's) is refused before any read: forging one needs the key, not just the URL.
 * The last two segments are what n8n routes on (`<webhook id>/kling`, `<execution id>/<node id>`),
 * and they survive a reverse proxy that adds a path prefix.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import type { TaskKind } from '../transport';
import { isTaskKind } from '../transport';

export const SIGNATURE_PARAM = 'kling_sig';
export const KIND_PARAM = 'kling_kind';

/** The two path segments a signature covers, without a trailing slash. */
export function signedSegments(pathname: string): string {
	const parts = pathname.split('/').filter(Boolean);
	return parts.slice(-2).join('/');
}

export function callbackSignature(apiKey: string, segments: string, kind: TaskKind): string {
	return createHmac('sha256', apiKey).update(`kling-callback\n${segments}\n${kind}`).digest('base64url').slice(0, 32);
}

/** `url` with the signature (and the kind it covers) added; other query parameters are kept. */
export function signCallbackUrl(url: string, apiKey: string, kind: TaskKind): string {
	const parsed = new URL(url);
	parsed.searchParams.set(KIND_PARAM, kind);
	parsed.searchParams.set(SIGNATURE_PARAM, callbackSignature(apiKey, signedSegments(parsed.pathname), kind));
	return parsed.toString();
}

export type SignatureCheck = { ok: true; kind: TaskKind } | { ok: false; reason: string };

/** Checks a callback's query parameters against the segments the receiver listens on. */
export function checkCallbackSignature(
	query: Record<string, unknown> | undefined,
	apiKey: string,
	segments: string,
): SignatureCheck {
	const signature = query?.[SIGNATURE_PARAM];
	const kind = query?.[KIND_PARAM];
	if (typeof signature !== 'string' || !signature) return { ok: false, reason: 'unsigned' };
	if (!isTaskKind(kind)) return { ok: false, reason: 'bad signature' };
	const expected = Buffer.from(callbackSignature(apiKey, segments, kind));
	const given = Buffer.from(signature);
	if (given.length !== expected.length || !timingSafeEqual(given, expected))
		return { ok: false, reason: 'bad signature' };
	return { ok: true, kind };
}
