import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import type { ApiFailure } from './index';

/** Kling codes and HTTP statuses that say "not now", never "not ever". */
const TRANSIENT_CODES = new Set([1302, 1303, 5000, 5001, 5002]);
const TRANSIENT_HTTP = new Set([429, 500, 502, 503, 504, 520, 522, 524]);
const SAFE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** A read can be repeated at no cost when the failure is temporary. */
export function isTransient(failure: ApiFailure): boolean {
	if (failure.kind === 'network' || failure.kind === 'malformed') return true;
	// A specific code is the server's verdict and wins over the HTTP status
	// (CometAPI answers an unknown model with a 503 and code "model_not_found").
	if (typeof failure.code === 'string') return false;
	if (typeof failure.code === 'number') return TRANSIENT_CODES.has(failure.code);
	return failure.httpStatus !== undefined && TRANSIENT_HTTP.has(failure.httpStatus) && !isGatewayQuotaError(failure);
}

/**
 * A create may be sent again only when the server said it did not create the task:
 * rate limited (429, 1302, 1303) or the connection was never made.
 */
export function isSafeToResubmit(failure: ApiFailure): boolean {
	if (failure.kind === 'network') return !failure.bodySent || SAFE_NETWORK_CODES.has(failure.networkCode ?? '');
	if (failure.kind !== 'http') return false;
	const code = typeof failure.code === 'number' ? failure.code : undefined;
	if (code === 1302 || code === 1303) return true;
	if (code !== undefined || typeof failure.code === 'string') return false;
	return failure.httpStatus === 429 && !isGatewayQuotaError(failure);
}

/** The create was sent and no verdict came back: the task may exist and be billed. */
export function isOutcomeUnknown(failure: ApiFailure): boolean {
	return failure.bodySent && isTransient(failure) && !isSafeToResubmit(failure);
}

function isGatewayQuotaError(failure: ApiFailure): boolean {
	return /quota|balance|insufficient|额度|余额/i.test(failure.apiMessage ?? '');
}

const KEY_PATTERN = /\b(sk-[A-Za-z0-9_-]{4,})/g;
/** The API sometimes echoes the token in its message; never pass it on. */
export function redact(text: string, apiKey?: string): string {
	let result = text;
	if (apiKey && apiKey.length >= 4) result = result.split(apiKey).join('***');
	return result.replace(KEY_PATTERN, 'sk-***');
}

/** A sentence a person understands, by Kling code, gateway code or HTTP status. */
export function explainFailure(failure: ApiFailure): string {
	const code = typeof failure.code === 'number' ? failure.code : undefined;
	const gatewayCode = typeof failure.code === 'string' ? failure.code : undefined;
	const status = failure.httpStatus;
	if (failure.kind === 'network') {
		return failure.bodySent
			? 'The connection to CometAPI broke before an answer arrived'
			: 'CometAPI could not be reached: check the Base URL in the credential and your network';
	}
	if (failure.kind === 'malformed') {
		if (failure.bodyKind === 'html') {
			return `CometAPI answered with a web page instead of JSON (HTTP ${status}): the service may be down, or the credential's Base URL is wrong (it should be https://api.cometapi.com)`;
		}
		return `CometAPI sent an answer that is not valid JSON (HTTP ${status}): the service may be having trouble`;
	}
	if ((code !== undefined && code >= 1000 && code <= 1004) || status === 401) {
		return "CometAPI rejected the API key: check the key in the node's CometAPI (Kling) credential";
	}
	if ((code !== undefined && code >= 1100 && code <= 1102) || status === 402 || isGatewayQuotaError(failure)) {
		return 'Your CometAPI account cannot pay for this task (no balance left, account in arrears or resource pack used up): top up your CometAPI account';
	}
	if (code === 1103) return 'This API key has no access to this Kling API or model: pick another model or enable it for your account';
	if (gatewayCode === 'model_not_found' || code === 1202 || code === 1203) {
		return 'CometAPI does not know this model or resource: choose a model from the list or check the model name';
	}
	if (code === 1300 || code === 1301) {
		return "Kling's content safety check refused the request: rephrase the prompt or negative prompt";
	}
	if (code === 1302) return 'Rate limited by CometAPI: requests are coming too fast';
	if (code === 1303) return 'Your account has too many Kling tasks running at once: wait for some to finish or lower Options → Create Requests at Once';
	if (code === 1304) return 'CometAPI refused the request because of an IP allow-list policy on your account';
	if ((code !== undefined && code >= 1200 && code <= 1201) || status === 400 || gatewayCode === 'invalid_request') {
		return 'CometAPI refused the parameters of this request';
	}
	if (status === 429) return 'Rate limited by CometAPI: too many requests';
	if (status === 403) return 'CometAPI refused access (HTTP 403): the key may lack permission for this model';
	if (status === 404) return 'CometAPI did not find this task or path: check the task id and the credential Base URL';
	if (code === 5001 || status === 503) return 'Kling is under maintenance or unavailable: try again later';
	if (code === 5002) return 'Kling has a backlog and cannot take this request now: try again later';
	if ((status !== undefined && status >= 500) || code === 5000) return `CometAPI or Kling had a server error (HTTP ${status})`;
	return `CometAPI answered with an error (HTTP ${status}${code !== undefined ? `, code ${code}` : ''})`;
}

/** What the API said, for the error's details panel. */
function describeFailure(failure: ApiFailure): string {
	const parts: string[] = [];
	if (failure.apiMessage) parts.push(`API message: ${failure.apiMessage}`);
	if (failure.code !== undefined) parts.push(`code: ${failure.code}`);
	if (failure.httpStatus !== undefined) parts.push(`HTTP status: ${failure.httpStatus}`);
	if (failure.networkCode) parts.push(`network error: ${failure.networkCode}`);
	if (failure.requestId) parts.push(`request id: ${failure.requestId}`);
	return parts.join('; ');
}

export interface ErrorContext {
	itemIndex: number;
	taskId?: string;
	taskStatus?: string;
	/** Replaces the explained message, e.g. for "the task may exist" on an unknown create outcome. */
	message?: string;
	/** Added in front of the details, e.g. what to do next. */
	hint?: string;
	apiKey?: string;
}

/** The one way an API failure becomes a node error: readable message, task id, no secrets. */
export function toNodeApiError(node: INode, failure: ApiFailure, context: ErrorContext): NodeApiError {
	const base = context.message ?? explainFailure(failure);
	const message = context.taskId && !base.includes(context.taskId) ? `${base} (task ${context.taskId})` : base;
	const safe = (s: string) => redact(s, context.apiKey);
	return taskApiError(node, {
		message: safe(message),
		description: safe([context.hint, describeFailure(failure)].filter(Boolean).join('. ')) || undefined,
		httpStatus: failure.httpStatus,
		apiCode: failure.code,
		itemIndex: context.itemIndex,
		taskId: context.taskId,
		taskStatus: context.taskStatus,
	});
}

export interface TaskErrorDetails {
	message: string;
	description?: string;
	httpStatus?: number;
	apiCode?: number | string;
	itemIndex: number;
	taskId?: string;
	taskStatus?: string;
}

/**
 * A NodeApiError that keeps our message (n8n would swap in its generic text for a status code)
 * and carries the task, so continueOnFail output and logs keep its id.
 */
export function taskApiError(node: INode, details: TaskErrorDetails): NodeApiError {
	const errorResponse: JsonObject = {
		message: details.message,
		...(details.httpStatus !== undefined ? { httpStatus: details.httpStatus } : {}),
		...(details.apiCode !== undefined ? { apiCode: details.apiCode } : {}),
		...(details.taskId ? { task_id: details.taskId } : {}),
	};
	const error = new NodeApiError(node, errorResponse, {
		message: details.message,
		description: details.description,
		httpCode: details.httpStatus !== undefined ? String(details.httpStatus) : undefined,
		itemIndex: details.itemIndex,
	});
	error.message = details.message;
	return tagTask(error, details.taskId, details.taskStatus);
}

/** Errors raised after a task exists carry its id, so continueOnFail output and logs keep it. */
export function tagTask<E extends Error & { context?: Record<string, unknown> }>(error: E, taskId?: string, taskStatus?: string): E {
	const ctx = (error.context ??= {});
	if (taskId) ctx.taskId = taskId;
	if (taskStatus) ctx.taskStatus = taskStatus;
	return error;
}
