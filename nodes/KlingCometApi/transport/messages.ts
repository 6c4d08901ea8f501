/** Readable errors: by Kling code, gateway code or HTTP status, for a create or a read. */
import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { describeValue } from '../helpers/format';
import type { ApiFailure } from './response';
import { isQuotaMessage, isWrongAddress } from './verdicts';

export type RequestKind = 'create' | 'read';

/** A sentence a person understands. `baseUrl` is named where the address may be at fault. */
export function explainFailure(failure: ApiFailure, kind: RequestKind, baseUrl: string): string {
	const code = typeof failure.code === 'number' ? failure.code : undefined;
	const gatewayCode = typeof failure.code === 'string' ? failure.code : undefined;
	const status = failure.httpStatus;
	if (failure.kind === 'network') {
		return failure.reached
			? 'The connection to CometAPI broke before an answer arrived'
			: `CometAPI could not be reached at ${baseUrl}: nothing was sent`;
	}
	if (failure.kind === 'timeout') return 'CometAPI did not answer in time';
	if (isWrongAddress(failure)) {
		return `Nothing at ${baseUrl} answers like CometAPI (HTTP ${status}, ${failure.bodyKind === 'html' ? 'a web page' : 'not JSON'}): the credential's Base URL is wrong (it should be https://api.cometapi.com); nothing was sent to Kling`;
	}
	if (failure.kind === 'malformed') {
		if (failure.bodyKind === 'no-task') return `CometAPI answered HTTP ${status} without a task`;
		if (failure.bodyKind === 'html')
			return `CometAPI answered with a web page instead of JSON (HTTP ${status}): the service may be down`;
		return `CometAPI sent an answer that is not valid JSON (HTTP ${status}): the service may be having trouble`;
	}
	if ((code !== undefined && code >= 1000 && code <= 1004) || status === 401) {
		return "CometAPI rejected the API key: check the key in the node's CometAPI (Kling) credential";
	}
	if ((code !== undefined && code >= 1100 && code <= 1102) || status === 402 || isQuotaMessage(failure)) {
		return 'Your CometAPI account cannot pay for this task (no balance left, account in arrears or resource pack used up): top up your CometAPI account';
	}
	if (code === 1103)
		return 'This API key has no access to this Kling API or model: pick another model or enable it for your account';
	if (kind === 'read' && (code === 1202 || code === 1203 || (status === 404 && code === undefined && !gatewayCode))) {
		return 'CometAPI has no task with this id: check the Task ID (it must come from a task created with this account)';
	}
	if (gatewayCode === 'model_not_found' || code === 1202 || code === 1203) {
		return 'CometAPI does not know this model or resource: choose a model from the list or check the model name';
	}
	if (code === 1300 || code === 1301)
		return "Kling's content safety check refused the request: rephrase the prompt or negative prompt";
	if (code === 1302) return 'Rate limited by CometAPI: requests are coming too fast';
	if (code === 1303) {
		return kind === 'create'
			? 'Your account has too many Kling tasks running at once: wait for some to finish or lower Options → Create Requests at Once'
			: 'CometAPI is busy (code 1303) and did not answer the status read';
	}
	if (code === 1304) return 'CometAPI refused the request because of an IP allow-list policy on your account';
	if ((code !== undefined && code >= 1200 && code <= 1201) || status === 400 || gatewayCode === 'invalid_request') {
		return 'CometAPI refused the parameters of this request';
	}
	if (status === 429) return 'Rate limited by CometAPI: too many requests';
	if (status === 403) return 'CometAPI refused access (HTTP 403): the key may lack permission for this model';
	if (status === 404) return `CometAPI did not find this path: check the credential's Base URL (${baseUrl})`;
	if (code === 5001 || status === 503) return 'Kling is under maintenance or unavailable: try again later';
	if (code === 5002) return 'Kling has a backlog and cannot take this request now: try again later';
	if ((status !== undefined && status >= 500) || code === 5000)
		return `CometAPI or Kling had a server error (HTTP ${status ?? 'unknown'})`;
	const codeText = failure.code !== undefined ? `, code ${describeValue(failure.code, 60)}` : '';
	return `CometAPI answered with an error (HTTP ${status ?? 'unknown'}${codeText})`;
}

/**
 * A read of an id the API knows under none of the kinds read: one sentence, since no task exists
 * there that a later read could find. `everyKind`: every task kind was read.
 */
export function taskNotFoundMessage(taskId: string, kindNames: string[], everyKind: boolean): string {
	if (!kindNames.length)
		return `CometAPI has no task with this id (${taskId}) for this API key: check the Task ID and the credential`;
	return everyKind
		? `CometAPI has no task with this id (${taskId}) under any task kind for this API key: check the Task ID and the credential`
		: `CometAPI has no task with this id (${taskId}) under the ${kindNames.join(', ')} kind${kindNames.length === 1 ? '' : 's'} for this API key: check the Task ID, the Task Kind and the credential`;
}

/** What the API said, for the error's details panel. */
export function describeFailure(failure: ApiFailure): string {
	const parts: string[] = [];
	if (failure.apiMessage) parts.push(`API message: ${describeValue(failure.apiMessage, 500)}`);
	if (failure.code !== undefined) parts.push(`code: ${describeValue(failure.code, 60)}`);
	if (failure.httpStatus !== undefined) parts.push(`HTTP status: ${failure.httpStatus}`);
	if (failure.networkCode) parts.push(`network error: ${failure.networkCode}`);
	if (failure.requestId) parts.push(`request id: ${failure.requestId}`);
	return parts.join('; ');
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
 * and carries the task, so Continue On Fail output and the ledger keep its id.
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

/** Errors raised after a task exists carry its id and status in `context`. */
export function tagTask<E extends Error & { context?: Record<string, unknown> }>(
	error: E,
	taskId?: string,
	taskStatus?: string,
): E {
	const ctx = (error.context ??= {});
	if (taskId) ctx.taskId = taskId;
	if (taskStatus) ctx.taskStatus = taskStatus;
	return error;
}

export interface FailureErrorOptions {
	itemIndex: number;
	kind: RequestKind;
	baseUrl: string;
	taskId?: string;
	taskStatus?: string;
	/** Replaces the explained message, e.g. "the task may exist" for an unknown create outcome. */
	message?: string;
	/** Put in front of the details: what to do next. */
	hint?: string;
}

/** The one way an API failure becomes a node error: readable message, task id, API details. */
export function failureError(node: INode, failure: ApiFailure, options: FailureErrorOptions): NodeApiError {
	const base = options.message ?? explainFailure(failure, options.kind, options.baseUrl);
	const message = options.taskId && !base.includes(options.taskId) ? `${base} (task ${options.taskId})` : base;
	return taskApiError(node, {
		message,
		description: [options.hint, describeFailure(failure)].filter(Boolean).join('. ') || undefined,
		httpStatus: failure.httpStatus,
		apiCode: failure.code,
		itemIndex: options.itemIndex,
		taskId: options.taskId,
		taskStatus: options.taskStatus,
	});
}
