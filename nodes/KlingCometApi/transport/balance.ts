/**
 * CometAPI's balance query (https://apidoc.cometapi.com/tools/balance-api): free,
 * `GET https://query.cometapi.com/user/quota?key=<key>` on another host, the key in the query
 * string. The one place that builds that URL; it never leaves this file, and no error, log line
 * or output carries it. Its error answers are undocumented: any JSON, page or status is read.
 */
import type { IDataObject, IExecuteFunctions, IHttpRequestOptions, INode } from 'n8n-workflow';

import { settleBy, throwIfAborted } from '../helpers/cancellation';
import { describeValue, formatDuration } from '../helpers/format';
import type { CometApiCredentials, CredentialCheck } from './index';
import { CREDENTIAL_TYPE } from './index';
import { taskApiError } from './messages';
import { describeRequestError } from './network';

export const DEFAULT_BALANCE_URL = 'https://query.cometapi.com';
export const QUOTA_PATH = '/user/quota';
/** One balance read, from sending to the last byte. */
export const BALANCE_READ_MS = 30_000;

export type BalanceCredentials = CometApiCredentials & { balanceUrl?: string };

/** What the balance query answered, as given, and its `total_quota` (the account balance in USD). */
export interface Balance {
	balanceUsd: number;
	answer: IDataObject;
}

/** A balance read that brought no balance. Never holds the key. */
export interface BalanceFailure {
	/** setup: the credential cannot be used (nothing was sent). */
	kind: 'setup' | 'http' | 'malformed' | 'network' | 'timeout';
	reached: boolean;
	httpStatus?: number;
	apiMessage?: string;
	apiCode?: number | string;
	networkCode?: string;
	bodyKind?: 'html' | 'empty' | 'other' | 'no-balance';
	problem?: string;
}

export type BalanceOutcome = { ok: true; balance: Balance } | { ok: false; failure: BalanceFailure };

/** The credential's Balance Query URL, checked like the Base URL (user info, query, fragment refused). */
export function checkBalanceUrl(raw: unknown): CredentialCheck {
	const text = (typeof raw === 'string' ? raw : '').trim() || DEFAULT_BALANCE_URL;
	const fix = `use ${DEFAULT_BALANCE_URL}`;
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return { ok: false, problem: `The credential's Balance Query URL "${text}" is not a URL: ${fix}` };
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:')
		return { ok: false, problem: `The credential's Balance Query URL must start with https:// (or http://): ${fix}` };
	if (url.username || url.password)
		return { ok: false, problem: "The credential's Balance Query URL must not contain a user name or password" };
	if (url.search || url.hash || /[?#]/.test(text))
		return {
			ok: false,
			problem: `The credential's Balance Query URL must not contain a query (?…) or fragment (#…): ${fix}`,
		};
	return { ok: true, baseUrl: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}

/** Masks `key=…` wherever an answer echoes a query string (the Redactor masks the key's own forms too). */
export function maskKeyParameter(text: string): string {
	return text.replace(/(^|[?&;,\s"'(])key=[^&\s"'<>);,]*/gi, '$1key=***');
}

function isObject(value: unknown): value is IDataObject {
	return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

function numberOf(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
	return undefined;
}

function bodyKindOf(text: string): BalanceFailure['bodyKind'] {
	const trimmed = text.trim();
	if (!trimmed) return 'empty';
	return trimmed.startsWith('<') ? 'html' : 'other';
}

/** `{error: "..."}`, `{error: {message}}`, `{message}`, `{msg}`, `{detail}`: whatever the service said. */
function errorOf(parsed: IDataObject): { message?: string; code?: number | string } {
	const error = parsed.error;
	const nested = isObject(error) ? error : undefined;
	const candidates = [typeof error === 'string' ? error : undefined, nested?.message, parsed.message, parsed.msg];
	const found = candidates.find((value) => typeof value === 'string' && value.trim()) as string | undefined;
	const text =
		found ??
		(nested ? JSON.stringify(nested) : parsed.detail !== undefined ? JSON.stringify(parsed.detail) : undefined);
	const rawCode = nested?.code ?? parsed.code;
	const code = typeof rawCode === 'number' || (typeof rawCode === 'string' && rawCode) ? rawCode : undefined;
	return { message: text === undefined ? undefined : describeValue(maskKeyParameter(text), 500), code };
}

/**
 * The answer of a balance query → the balance, or what went wrong. Any 2xx JSON object with a
 * numeric `total_quota` (top level, or in `data`) and no `error` is an answer; anything else is a failure.
 */
export function parseQuotaAnswer(statusCode: number, rawBody: unknown): BalanceOutcome {
	const text = Buffer.isBuffer(rawBody)
		? rawBody.toString('utf8')
		: typeof rawBody === 'string'
			? rawBody
			: rawBody === undefined || rawBody === null
				? ''
				: JSON.stringify(rawBody);
	const ok2xx = statusCode >= 200 && statusCode < 300;
	let parsed: unknown;
	try {
		parsed = text.trim() ? JSON.parse(text) : undefined;
	} catch {
		parsed = undefined;
	}
	if (!isObject(parsed)) {
		return {
			ok: false,
			failure: {
				kind: ok2xx ? 'malformed' : 'http',
				httpStatus: statusCode,
				bodyKind: parsed === undefined ? bodyKindOf(text) : 'other',
				reached: true,
			},
		};
	}
	const figures = [parsed, parsed.data].find(
		(candidate): candidate is IDataObject => isObject(candidate) && numberOf(candidate.total_quota) !== undefined,
	);
	const error = errorOf(parsed);
	const refused = Boolean(parsed.error) || parsed.success === false;
	if (ok2xx && figures && !refused) {
		return { ok: true, balance: { balanceUsd: numberOf(figures.total_quota)!, answer: figures } };
	}
	const said = error.message !== undefined || error.code !== undefined;
	return {
		ok: false,
		failure: {
			kind: !ok2xx || refused || said ? 'http' : 'malformed',
			httpStatus: statusCode,
			apiMessage: error.message,
			apiCode: error.code,
			bodyKind: !ok2xx || refused || said ? undefined : 'no-balance',
			reached: true,
		},
	};
}

/** What a refused key looks like in a message (the service documents no error shape). */
const KEY_REFUSED = /\b(invalid|wrong|bad|unknown|expired|disabled)\s+(api\s+)?(key|token)\b|unauthori[sz]ed/i;

/** A sentence a person understands; `balanceUrl` (never with the key) is named where it may be at fault. */
export function describeBalanceFailure(failure: BalanceFailure, balanceUrl: string): string {
	const status = failure.httpStatus;
	const said = failure.apiMessage ? `: "${failure.apiMessage}"` : '';
	switch (failure.kind) {
		case 'setup':
			return failure.problem ?? "The credential's Balance Query URL cannot be used";
		case 'network':
			return failure.reached
				? `The connection to CometAPI's balance query (${balanceUrl}) broke before an answer arrived (${failure.networkCode})`
				: `CometAPI's balance query could not be reached at ${balanceUrl} (${failure.networkCode}): check the credential's Balance Query URL and that n8n can reach it`;
		case 'timeout':
			return `CometAPI's balance query (${balanceUrl}) did not answer within ${formatDuration(BALANCE_READ_MS)}`;
		case 'malformed':
			if (failure.bodyKind === 'no-balance')
				return `CometAPI's balance query answered HTTP ${status} without a balance (no total_quota)`;
			return failure.bodyKind === 'html'
				? `CometAPI's balance query answered with a web page instead of JSON (HTTP ${status}): check the credential's Balance Query URL (${balanceUrl})`
				: `CometAPI's balance query sent an answer that is not JSON (HTTP ${status})`;
		default:
			if (status === 401 || status === 403 || KEY_REFUSED.test(failure.apiMessage ?? ''))
				return `CometAPI's balance query refused the API key (HTTP ${status})${said}: check the key in the CometAPI (Kling) credential`;
			if (failure.bodyKind === 'html' && (status === 404 || status === 405))
				return `Nothing at ${balanceUrl} answers like CometAPI's balance query (HTTP ${status}, a web page): the credential's Balance Query URL should be ${DEFAULT_BALANCE_URL}`;
			if (failure.bodyKind === 'html')
				return `CometAPI's balance query answered HTTP ${status} with a web page instead of JSON: the service may be down, try again later`;
			return `CometAPI's balance query answered with an error (HTTP ${status}${failure.apiCode !== undefined ? `, code ${describeValue(failure.apiCode, 60)}` : ''})${said}`;
	}
}

/** A failed balance read as a node error (for Get Balance; Minimum Balance words its own). */
export function balanceError(
	node: INode,
	failure: BalanceFailure,
	options: { itemIndex: number; balanceUrl: string },
): Error {
	return taskApiError(node, {
		message: describeBalanceFailure(failure, options.balanceUrl),
		description:
			failure.kind === 'setup'
				? 'Open the CometAPI (Kling) credential and correct it. Nothing was sent.'
				: 'Reading the balance is free; nothing was created or billed.',
		httpStatus: failure.httpStatus,
		apiCode: failure.apiCode,
		itemIndex: options.itemIndex,
	});
}

export interface BalanceRequest {
	/** YYYY-MM-DD, both or neither: the answer then holds `daily_quota`. */
	startDate?: string;
	endDate?: string;
	/** ms epoch: the answer must be complete by then. */
	deadline: number;
	signal?: AbortSignal;
}

/** A balance read and the checked Balance Query URL it went to (without the key, for messages). */
export type BalanceRead = BalanceOutcome & { balanceUrl: string };

/**
 * One balance query. Through n8n's plain `httpRequest`, not `httpRequestWithAuthentication`: the
 * key goes in the query string only, and no n8n error carrying the URL is ever passed on (a thrown
 * request is reduced to its network code). Throws only n8n's cancellation error on Stop.
 */
export async function readBalance(ctx: IExecuteFunctions, request: BalanceRequest): Promise<BalanceRead> {
	const credentials = await ctx.getCredentials<BalanceCredentials>(CREDENTIAL_TYPE);
	const check = checkBalanceUrl(credentials.balanceUrl);
	if (!check.ok)
		return { ok: false, failure: { kind: 'setup', reached: false, problem: check.problem }, balanceUrl: '' };
	const balanceUrl = check.baseUrl;
	const key = typeof credentials.apiKey === 'string' ? credentials.apiKey.trim() : '';
	if (!key) {
		const problem = 'The credential has no API key: paste your CometAPI key (sk-...)';
		return { ok: false, failure: { kind: 'setup', reached: false, problem }, balanceUrl };
	}
	const url = new URL(`${balanceUrl}${QUOTA_PATH}`);
	url.searchParams.set('key', key);
	if (request.startDate) url.searchParams.set('start_date', request.startDate);
	if (request.endDate) url.searchParams.set('end_date', request.endDate);

	const transfer = new AbortController();
	const options: IHttpRequestOptions = {
		method: 'GET',
		url: url.toString(),
		headers: { Accept: 'application/json' },
		// Raw text in, our own parsing: an HTML page must not crash the node.
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: Math.max(1000, request.deadline - Date.now()),
		abortSignal: transfer.signal,
	};
	try {
		const settled = await settleBy(
			ctx.helpers.httpRequest(options) as Promise<{ statusCode: number; body: unknown }>,
			request.deadline,
			request.signal,
		);
		if (!settled.done) {
			transfer.abort();
			if (settled.reason === 'aborted' && request.signal) throwIfAborted(request.signal);
			return { ok: false, failure: { kind: 'timeout', reached: true }, balanceUrl };
		}
		return { ...parseQuotaAnswer(settled.value.statusCode, settled.value.body), balanceUrl };
	} catch (error) {
		transfer.abort();
		if (request.signal?.aborted) throwIfAborted(request.signal);
		// Only the code is kept: n8n's and axios' errors carry the request URL, and with it the key.
		const { networkCode, reached } = describeRequestError(error);
		return { ok: false, failure: { kind: 'network', networkCode, reached }, balanceUrl };
	}
}

/** USD as people read it: up to 6 decimals, no trailing zeros. */
export function formatUsd(value: number): string {
	return `${Number(value.toFixed(6))} USD`;
}
