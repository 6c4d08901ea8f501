/** What CometAPI answers, turned into a task or a described failure. Pure, for tests. */
import type { IDataObject } from 'n8n-workflow';
import { isValidTaskId } from '../helpers/validation';

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

/** Everything known about a request that did not bring a task back. Never holds the key. */
export interface ApiFailure {
	/** http: the API's own error answer; malformed: an answer that is not the API's JSON; network: no answer; timeout: none in time. */
	kind: 'http' | 'malformed' | 'network' | 'timeout';
	httpStatus?: number;
	/** Kling's numeric code, or the gateway's string code. */
	code?: number | string;
	apiMessage?: string;
	requestId?: string;
	retryAfterMs?: number;
	/** Network error code such as ECONNRESET. */
	networkCode?: string;
	/** False only when the request provably never reached the server (refused, bad URL, TLS, bad header). */
	reached: boolean;
	/** What the body looked like when it was not the API's JSON, or a 2xx without a task. */
	bodyKind?: 'html' | 'truncated-json' | 'empty' | 'other' | 'no-task';
}

export type ApiOutcome<T> = { ok: true; data: T; requestId?: string } | { ok: false; failure: ApiFailure };

/** `Retry-After` is seconds or an HTTP date. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
	if (Array.isArray(value)) value = value[0];
	if (typeof value !== 'string' && typeof value !== 'number') return undefined;
	if (typeof value === 'string' && !value.trim()) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(String(value));
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Task ids beyond 2^53 sent as JSON numbers would be rounded by JSON.parse: keep their digits. */
function quoteLongTaskIds(text: string): string {
	return text.replace(/("task_id"\s*:\s*)(-?\d{16,})(?=\s*[,}])/g, '$1"$2"');
}

function bodyKindOf(text: string): ApiFailure['bodyKind'] {
	const trimmed = text.trim();
	if (!trimmed) return 'empty';
	if (trimmed.startsWith('<')) return 'html';
	if (trimmed.startsWith('{') || trimmed.startsWith('[')) return 'truncated-json';
	return 'other';
}

/** Kling's codes are numbers; anything else (e.g. "success") stays text for display only. */
function normaliseCode(value: unknown): number | string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	const text = String(value).trim();
	return /^-?\d+$/.test(text) ? Number(text) : text.slice(0, 100);
}

function isObject(value: unknown): value is IDataObject {
	return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}

function taskIdOf(data: IDataObject): string | undefined {
	const id = data.task_id;
	if (typeof id === 'string' && id.trim()) return id.trim();
	if (typeof id === 'number' && Number.isFinite(id)) return String(id);
	return undefined;
}

/**
 * Any 2xx answer whose `data` carries a task id is a task, whatever `code` says (missing, 200,
 * "success"): a created task must never be reported as "not created". A 2xx without a task id
 * is a `no-task` failure, which a create treats as "outcome unknown".
 */
export function interpretResponse<T extends KlingTask = KlingTask>(
	statusCode: number,
	headers: IDataObject,
	rawBody: unknown,
	requestedTaskId?: string,
): ApiOutcome<T> {
	const retryAfterMs = parseRetryAfter(headers['retry-after']);
	const text =
		typeof rawBody === 'string' ? rawBody : rawBody === undefined || rawBody === null ? '' : JSON.stringify(rawBody);
	const ok2xx = statusCode >= 200 && statusCode < 300;
	let parsed: unknown;
	try {
		parsed = text.trim() ? JSON.parse(quoteLongTaskIds(text)) : undefined;
	} catch {
		parsed = undefined;
	}
	if (!isObject(parsed)) {
		const bodyKind = parsed === undefined ? bodyKindOf(text) : 'other';
		return { ok: false, failure: { kind: 'malformed', httpStatus: statusCode, bodyKind, retryAfterMs, reached: true } };
	}
	const requestId = typeof parsed.request_id === 'string' ? parsed.request_id.slice(0, 200) : undefined;
	const gatewayError = parsed.error;
	if (isObject(gatewayError)) {
		return {
			ok: false,
			failure: {
				kind: 'http',
				httpStatus: statusCode,
				// An empty code says nothing; the HTTP status decides then.
				code: normaliseCode(gatewayError.code),
				apiMessage: typeof gatewayError.message === 'string' ? gatewayError.message : undefined,
				retryAfterMs,
				reached: true,
			},
		};
	}
	const data = parsed.data;
	if (ok2xx && isObject(data)) {
		const taskId =
			taskIdOf(data) ?? (requestedTaskId && typeof data.task_status === 'string' ? requestedTaskId : undefined);
		if (taskId) return { ok: true, data: { ...data, task_id: taskId } as T, requestId };
	}
	const code = normaliseCode(parsed.code);
	const isVerdict = !ok2xx || (typeof code === 'number' && code !== 0);
	return {
		ok: false,
		failure: {
			kind: isVerdict ? 'http' : 'malformed',
			httpStatus: statusCode,
			code: isVerdict ? code : undefined,
			apiMessage: typeof parsed.message === 'string' ? parsed.message : undefined,
			requestId,
			retryAfterMs,
			reached: true,
			bodyKind: isVerdict ? undefined : 'no-task',
		},
	};
}

/**
 * What a callback (CometAPI's `callback_url` post) claims: the bare task, or the task wrapped as
 * {code, message, data}. Only a hint of which task to read: nothing else in it is trusted.
 */
export function callbackTask(body: unknown): { taskId: string; status: string } | undefined {
	if (!body || typeof body !== 'object') return undefined;
	const record = body as Record<string, unknown>;
	const task = (record.data && typeof record.data === 'object' ? record.data : record) as Record<string, unknown>;
	const taskId =
		typeof task.task_id === 'number' && Number.isSafeInteger(task.task_id) ? String(task.task_id) : task.task_id;
	if (typeof taskId !== 'string' || !isValidTaskId(taskId)) return undefined;
	return { taskId, status: typeof task.task_status === 'string' ? task.task_status : '' };
}
