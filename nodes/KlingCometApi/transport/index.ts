/**
 * The one way to talk to CometAPI (https://api.cometapi.com/doc): authenticated through n8n's
 * helper, raw text parsed by us, every request raced against a deadline.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	IWebhookFunctions,
} from 'n8n-workflow';

import { settleBy, throwIfAborted } from '../helpers/cancellation';
import { describeRequestError } from './network';
import type { ApiOutcome, KlingTask } from './response';
import { interpretResponse } from './response';

export type { ApiFailure, ApiOutcome, KlingTask } from './response';

export const CREDENTIAL_TYPE = 'cometApiKlingApi';
const DEFAULT_BASE_URL = 'https://api.cometapi.com';

/** The Kling video task kinds this package creates; each is created and read under its own path. */
export const TASK_KINDS = ['text2video', 'image2video', 'multi-image2video'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];
export const isTaskKind = (value: unknown): value is TaskKind => TASK_KINDS.includes(value as TaskKind);
/** Create with POST, read with GET `<path>/<task_id>`: a task is known only under the path it was created with. */
export const taskPath = (kind: TaskKind) => `/kling/v1/videos/${kind}`;
export const TEXT2VIDEO_PATH = taskPath('text2video');
/** How users see each kind. */
export const TASK_KIND_NAMES: Record<TaskKind, string> = {
	text2video: 'text-to-video',
	image2video: 'image-to-video',
	'multi-image2video': 'multi-image-to-video',
};

export interface CometApiCredentials {
	apiKey?: string;
	baseUrl?: string;
}

/** What a request needs: execute() and webhook() (pause mode, trigger) both qualify. */
export type ApiContext = IExecuteFunctions | IWebhookFunctions;

export type CredentialCheck = { ok: true; baseUrl: string } | { ok: false; problem: string };

/**
 * The Base URL as the node will use it. User info would make axios send Basic auth instead of
 * the key (and echo the password); a query or fragment would corrupt every path.
 */
export function checkBaseUrl(raw: unknown): CredentialCheck {
	const text = (typeof raw === 'string' ? raw : '').trim() || DEFAULT_BASE_URL;
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return { ok: false, problem: `The credential's Base URL "${text}" is not a URL: use https://api.cometapi.com` };
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		return {
			ok: false,
			problem: `The credential's Base URL must start with https:// (or http:// for a local proxy), not "${url.protocol}"`,
		};
	}
	if (url.username || url.password) {
		return {
			ok: false,
			problem:
				"The credential's Base URL must not contain a user name or password: put only the API key in the API Key field",
		};
	}
	if (url.search || url.hash || /[?#]/.test(text)) {
		return {
			ok: false,
			problem: "The credential's Base URL must not contain a query (?…) or fragment (#…): use https://api.cometapi.com",
		};
	}
	return { ok: true, baseUrl: `${url.origin}${url.pathname}`.replace(/\/+$/, '') };
}

/** Everything about the credential that can be checked without a request. */
export function checkCredentials(credentials: CometApiCredentials): CredentialCheck {
	const key = typeof credentials.apiKey === 'string' ? credentials.apiKey : '';
	if (!key.trim()) return { ok: false, problem: 'The credential has no API key: paste your CometAPI key (sk-...)' };
	// Printable ASCII without spaces: anything else cannot go into an HTTP header intact.
	if (/[^\u0021-\u007e]/.test(key)) {
		return {
			ok: false,
			problem:
				'The API key in the credential contains a space, line break or other character that keys never have: copy it again from your CometAPI console',
		};
	}
	return checkBaseUrl(credentials.baseUrl);
}

async function getBaseUrl(ctx: ApiContext): Promise<string> {
	const credentials = await ctx.getCredentials<CometApiCredentials>(CREDENTIAL_TYPE);
	const check = checkBaseUrl(credentials.baseUrl);
	// The router refuses a bad Base URL before any request; this is only reached with a good one.
	return check.ok ? check.baseUrl : DEFAULT_BASE_URL;
}

export interface RequestLimits {
	/** ms epoch: the answer must be complete by then (not an idle timer). */
	deadline: number;
	/** Ends the wait at once. Not given for creates: their answer must be heard out (it may carry a task id). */
	signal?: AbortSignal;
}

export interface KlingRequest {
	method: IHttpRequestMethods;
	path: string;
	body?: IDataObject;
	/** For reads: the id asked for, when the answer's data lacks one. */
	taskId?: string;
}

/**
 * One authenticated request. Never throws for HTTP or network trouble: it returns a failure so
 * each caller can decide what is safe to retry (a read almost always, a create almost never).
 * Throws only n8n's cancellation error when `limits.signal` aborts.
 */
export async function klingRequest<T extends KlingTask = KlingTask>(
	ctx: ApiContext,
	request: KlingRequest,
	limits: RequestLimits,
): Promise<ApiOutcome<T>> {
	const options: IHttpRequestOptions = {
		method: request.method,
		baseURL: await getBaseUrl(ctx),
		url: request.path,
		headers: { Accept: 'application/json', ...(request.body ? { 'Content-Type': 'application/json' } : {}) },
		body: request.body,
		// Raw text in, our own parsing: HTML pages and cut-off JSON must not crash the node.
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		// An idle guard only; the deadline race below bounds the whole answer.
		timeout: Math.max(1000, limits.deadline - Date.now()),
		// Video links live on another host; the key goes to the API's base URL only.
		sendCredentialsOnCrossOriginRedirect: false,
	};
	const sent = (ctx as IExecuteFunctions).helpers.httpRequestWithAuthentication.call(
		ctx as IExecuteFunctions,
		CREDENTIAL_TYPE,
		options,
	) as Promise<{
		statusCode: number;
		headers: IDataObject;
		body: unknown;
	}>;
	try {
		const settled = await settleBy(sent, limits.deadline, limits.signal);
		if (!settled.done) {
			if (settled.reason === 'aborted' && limits.signal) throwIfAborted(limits.signal);
			return { ok: false, failure: { kind: 'timeout', reached: true } };
		}
		const response = settled.value;
		return interpretResponse<T>(response.statusCode, response.headers ?? {}, response.body, request.taskId);
	} catch (error) {
		if (limits.signal?.aborted) throwIfAborted(limits.signal);
		return { ok: false, failure: describeRequestError(error) };
	}
}
