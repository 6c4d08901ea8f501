/**
 * What a failure of a CometAPI request means for the money: may a create be sent again, is its
 * outcome unknown, may a read be repeated. Downloads from the CDN have their own rule
 * (helpers/download.ts); the balance query is one request, never repeated (transport/balance.ts).
 */
import { isTransientNotSent } from './network';
import type { ApiFailure } from './response';

/** Kling codes and HTTP statuses that say "not now", never "not ever". */
const TRANSIENT_CODES = new Set([1302, 1303, 5000, 5001, 5002]);
const TRANSIENT_HTTP = new Set([408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524]);

export function isQuotaMessage(failure: ApiFailure): boolean {
	return /quota|balance|insufficient|额度|余额/i.test(failure.apiMessage ?? '');
}

/** A 4xx that is not the API's JSON: the Base URL or path is wrong; nothing was processed. */
export function isWrongAddress(failure: ApiFailure): boolean {
	return (
		failure.kind === 'malformed' &&
		failure.bodyKind !== 'no-task' &&
		failure.httpStatus !== undefined &&
		failure.httpStatus >= 400 &&
		failure.httpStatus < 500 &&
		!TRANSIENT_HTTP.has(failure.httpStatus)
	);
}

/** A read can be repeated at no cost when the failure is temporary. */
export function isTransientRead(failure: ApiFailure): boolean {
	if (failure.kind === 'timeout') return true;
	if (failure.kind === 'network') return failure.reached || isTransientNotSent(failure);
	if (failure.kind === 'malformed') return !isWrongAddress(failure);
	// A specific code is the server's verdict and wins over the HTTP status
	// (CometAPI answers an unknown model with a 503 and code "model_not_found").
	if (typeof failure.code === 'string') return false;
	if (typeof failure.code === 'number' && failure.code !== 0) return TRANSIENT_CODES.has(failure.code);
	return failure.httpStatus !== undefined && TRANSIENT_HTTP.has(failure.httpStatus) && !isQuotaMessage(failure);
}

/**
 * The server said no task was created, or nothing reached it: the create may be sent again
 * when the reason is temporary (rate limit, too many tasks, a refused connection).
 */
export function isRefusedForNow(failure: ApiFailure): boolean {
	if (failure.kind === 'network') return isTransientNotSent(failure);
	if (failure.kind === 'malformed') return failure.httpStatus === 429;
	if (failure.kind !== 'http') return false;
	if (typeof failure.code === 'number' && failure.code !== 0) return failure.code === 1302 || failure.code === 1303;
	if (typeof failure.code === 'string') return false;
	return failure.httpStatus === 429 && !isQuotaMessage(failure);
}

/**
 * The create may have made (and billed) a task: it was sent and no verdict came back.
 * Such a create is never sent again.
 */
export function isCreateOutcomeUnknown(failure: ApiFailure): boolean {
	if (!failure.reached) return false;
	if (failure.kind === 'timeout' || failure.kind === 'network') return true;
	if (failure.kind === 'malformed') return !isWrongAddress(failure) && failure.httpStatus !== 429;
	// The API's own error JSON: a client error or a refusal code is a verdict (not created);
	// a server error may have come after the task was made.
	if (typeof failure.code === 'number' && failure.code !== 0) return failure.code >= 5000;
	if (typeof failure.code === 'string') return (failure.httpStatus ?? 0) >= 500 && failure.code !== 'model_not_found';
	return (failure.httpStatus ?? 0) >= 500;
}

/**
 * The API's verdict that it knows no such task (under this path, for this key). A task is read
 * under the path of its kind, so this is also how a read under the wrong kind answers.
 */
export function isTaskNotFound(failure: ApiFailure): boolean {
	if (failure.kind !== 'http' || isTransientRead(failure)) return false;
	return (
		failure.httpStatus === 404 ||
		failure.code === 1203 ||
		/not\s*found|not exist|不存在/i.test(failure.apiMessage ?? '')
	);
}
