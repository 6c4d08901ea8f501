import { createHmac } from 'node:crypto';

import {
	callbackSignature,
	checkCallbackSignature,
	signCallbackUrl,
	signedSegments,
} from '../../../nodes/KlingCometApi/helpers/signing';

const KEY = 'sk-signing-0123456789';
const SEGMENTS = 'exec-1/node-1';

describe('signing callback URLs', () => {
	it('the signature is the first 32 characters of an HMAC-SHA256 (base64url) under the key', () => {
		const full = createHmac('sha256', KEY).update(`kling-callback\n${SEGMENTS}\ntext2video`).digest('base64url');
		expect(callbackSignature(KEY, SEGMENTS, 'text2video')).toBe(full.slice(0, 32));
		expect(callbackSignature(KEY, SEGMENTS, 'image2video')).not.toBe(full.slice(0, 32));
		expect(callbackSignature('sk-other-0123456789', SEGMENTS, 'text2video')).not.toBe(full.slice(0, 32));
	});

	it('covers the last two path segments, with or without a trailing slash or a proxy prefix', () => {
		expect(signedSegments('/webhook-waiting/exec-1/node-1')).toBe(SEGMENTS);
		expect(signedSegments('/prefix/webhook-waiting/exec-1/node-1/')).toBe(SEGMENTS);
	});

	it('adds the kind and the signature and keeps the query parameters already there', () => {
		const signed = new URL(
			signCallbackUrl(`https://n8n.example/webhook-waiting/${SEGMENTS}?signature=abc`, KEY, 'text2video'),
		);
		expect(Object.fromEntries(signed.searchParams)).toEqual({
			signature: 'abc',
			kling_kind: 'text2video',
			kling_sig: callbackSignature(KEY, SEGMENTS, 'text2video'),
		});
	});

	it('accepts its own signature and says which kind it covers', () => {
		const query = Object.fromEntries(
			new URL(signCallbackUrl(`https://n8n.example/webhook/${SEGMENTS}`, KEY, 'multi-image2video')).searchParams,
		);
		expect(checkCallbackSignature(query, KEY, SEGMENTS)).toEqual({ ok: true, kind: 'multi-image2video' });
	});

	it.each([
		['no query at all', undefined],
		['no signature', { kling_kind: 'text2video' }],
		['an empty signature', { kling_kind: 'text2video', kling_sig: '' }],
		['a signature that is not text', { kling_kind: 'text2video', kling_sig: ['a', 'b'] }],
	])('calls %s unsigned', (_name, query) => {
		expect(checkCallbackSignature(query as Record<string, unknown> | undefined, KEY, SEGMENTS)).toEqual({
			ok: false,
			reason: 'unsigned',
		});
	});

	it.each([
		[
			'an unknown kind, even signed with the key',
			{ kling_kind: 'nonsense', kling_sig: callbackSignature(KEY, SEGMENTS, 'nonsense' as 'text2video') },
		],
		['an unknown kind', { kling_kind: 'nonsense', kling_sig: callbackSignature(KEY, SEGMENTS, 'text2video') }],
		[
			'another kind than the one signed',
			{ kling_kind: 'image2video', kling_sig: callbackSignature(KEY, SEGMENTS, 'text2video') },
		],
		[
			"another URL's signature",
			{ kling_kind: 'text2video', kling_sig: callbackSignature(KEY, 'exec-2/node-1', 'text2video') },
		],
		['a signature of another length', { kling_kind: 'text2video', kling_sig: 'short' }],
		[
			'a signature under another key',
			{ kling_kind: 'text2video', kling_sig: callbackSignature('sk-x-0123456789', SEGMENTS, 'text2video') },
		],
	])('refuses %s as a bad signature, without throwing', (_name, query) => {
		expect(checkCallbackSignature(query, KEY, SEGMENTS)).toEqual({ ok: false, reason: 'bad signature' });
	});
});
