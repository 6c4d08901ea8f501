import type { IDataObject, IExecuteFunctions, IHttpRequestMethods, IHttpRequestOptions } from 'n8n-workflow';

/** API reference: https://api.cometapi.com/doc (Kling text-to-video on CometAPI). */
export const CREDENTIAL_TYPE = 'cometApiKlingApi';
export const TEXT2VIDEO_PATH = '/kling/v1/videos/text2video';
const REQUEST_TIMEOUT_MS = 60_000;

/** A task as the API returns it in `data`. */
export interface KlingTask extends IDataObject {
	task_id: string;
	task_status: string;
	task_status_msg?: string;
	task_info?: IDataObject;
	task_result?: { videos?: Array<{ id?: string; url?: string; duration?: string }> } | null;
	created_at?: number;
	updated_at?: number;
}

/** Everything known about a request that did not return `code: 0`. Never holds the key. */
export interface ApiFailure {
	kind: 'http' | 'network' | 'malformed';
	httpStatus?: number;
	/** Kling's numeric code, or the gateway's string code. */
	code?: number | string;
	apiMessage?: string;
	requestId?: string;
	retryAfterMs?: number;
	/** Network error code such as ECONNRESET. */
	networkCode?: string;
	/** False only when the request provably never reached the server (connection refused). */
	bodySent: boolean;
	/** What the body looked like when it was not the JSON envelope. */
	bodyKind?: 'html' | 'truncated-json' | 'empty' | 'other';
}

export type ApiOutcome<T> = { ok: true; data: T; requestId?: string } | { ok: false; failure: ApiFailure };

export async function getBaseUrl(ctx: IExecuteFunctions): Promise<string> {
	const credentials = await ctx.getCredentials<{ baseUrl?: string }>(CREDENTIAL_TYPE);
	return (credentials.baseUrl || 'https://api.cometapi.com').trim().replace(/\/+$/, '');
}

/** `Retry-After` is seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(String(value));
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Turns a raw HTTP answer into the envelope's data or a described failure. Pure, for tests. */
export function interpretResponse<T>(statusCode: number, headers: IDataObject, rawBody: unknown): ApiOutcome<T> {
	const retryAfterMs = parseRetryAfter(headers['retry-after']);
	const text = typeof rawBody === 'string' ? rawBody : rawBody === undefined ? '' : JSON.stringify(rawBody);
	let parsed: IDataObject | undefined;
	try {
		parsed = text.trim() ? (JSON.parse(text) as IDataObject) : undefined;
	} catch {
		parsed = undefined;
	}
	if (!parsed || typeof parsed !== 'object') {
		const trimmed = text.trim();
		const bodyKind = !trimmed
			? 'empty'
			: trimmed.startsWith('<')
				? 'html'
				: trimmed.startsWith('{') || trimmed.startsWith('[')
					? 'truncated-json'
					: 'other';
		return { ok: false, failure: { kind: 'malformed', httpStatus: statusCode, bodyKind, retryAfterMs, bodySent: true } };
	}
	const gatewayError = parsed.error as IDataObject | undefined;
	if (gatewayError && typeof gatewayError === 'object') {
		return {
			ok: false,
			failure: {
				kind: 'http',
				httpStatus: statusCode,
				// An empty code says nothing; the HTTP status decides then.
				code: (gatewayError.code as string) || undefined,
				apiMessage: String(gatewayError.message ?? ''),
				retryAfterMs,
				bodySent: true,
			},
		};
	}
	const requestId = typeof parsed.request_id === 'string' ? parsed.request_id : undefined;
	const code = parsed.code === undefined ? undefined : Number(parsed.code);
	if (statusCode >= 200 && statusCode < 300 && code === 0 && parsed.data && typeof parsed.data === 'object') {
		return { ok: true, data: parsed.data as T, requestId };
	}
	return {
		ok: false,
		failure: {
			kind: statusCode >= 200 && statusCode < 300 && code === 0 ? 'malformed' : 'http',
			httpStatus: statusCode,
			code: code ?? undefined,
			apiMessage: typeof parsed.message === 'string' ? parsed.message : undefined,
			requestId,
			retryAfterMs,
			bodySent: true,
			bodyKind: code === 0 ? 'other' : undefined,
		},
	};
}

/**
 * One authenticated request to CometAPI. Never throws for HTTP or network trouble: it returns a
 * failure so each caller can decide what is safe to retry (a read always, a create almost never).
 */
export async function klingRequest<T>(
	ctx: IExecuteFunctions,
	method: IHttpRequestMethods,
	path: string,
	body?: IDataObject,
): Promise<ApiOutcome<T>> {
	const options: IHttpRequestOptions = {
		method,
		baseURL: await getBaseUrl(ctx),
		url: path,
		headers: { Accept: 'application/json', ...(body ? { 'Content-Type': 'application/json' } : {}) },
		body,
		// Raw text in, our own parsing: HTML pages and cut-off JSON must not crash the node.
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: REQUEST_TIMEOUT_MS,
		// Video links live on another host; the key goes to the API's base URL only.
		sendCredentialsOnCrossOriginRedirect: false,
	};
	try {
		const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, options)) as {
			statusCode: number;
			headers: IDataObject;
			body: unknown;
		};
		return interpretResponse<T>(response.statusCode, response.headers ?? {}, response.body);
	} catch (error) {
		return { ok: false, failure: describeNetworkError(error) };
	}
}

/** n8n wraps axios errors; dig out the network code without keeping the request (it holds the key). */
export function describeNetworkError(error: unknown): ApiFailure {
	let current: unknown = error;
	let networkCode: string | undefined;
	for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
		const candidate = (current as { code?: unknown }).code;
		if (typeof candidate === 'string' && /^E[A-Z_]+$|^ERR_/.test(candidate)) {
			networkCode = candidate;
			break;
		}
		current = (current as { cause?: unknown }).cause;
	}
	if (!networkCode) {
		const message = String((error as { message?: unknown })?.message ?? '');
		networkCode = /timeout/i.test(message) ? 'ETIMEDOUT' : /socket hang up/i.test(message) ? 'ECONNRESET' : 'EUNKNOWN';
	}
	return { kind: 'network', networkCode, bodySent: !['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(networkCode) };
}
