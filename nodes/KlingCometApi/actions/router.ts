/**
 * Runs the chosen operation for every input item. All items are validated before the first
 * request; then they run side by side, so N videos take about as long as the slowest one.
 * Owns the run's task ledger and is the one exit for output and errors, which it redacts.
 */
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { cancellationError } from '../helpers/cancellation';
import { createLimiter } from '../helpers/concurrency';
import type { LedgerEntry } from '../helpers/ledger';
import { TaskLedger } from '../helpers/ledger';
import { credentialSecrets, Redactor } from '../helpers/redaction';
import { isFinalStatus } from '../helpers/polling';
import { signCallbackUrl } from '../helpers/signing';
import type { CometApiCredentials, KlingTask, TaskKind } from '../transport';
import { checkCredentials, CREDENTIAL_TYPE } from '../transport';
import * as account from './account';
import type { AwaitingCallback, ItemContext, Operation } from './types';
import { isAwaitingCallback } from './types';
import * as video from './video';
import { runProgress } from './progress';
import { pauseUntilCallback, resumedTasks } from './video/callback';

/** Parallel downloads: enough to overlap, few enough not to saturate a line or disk. */
const DOWNLOADS_AT_ONCE = 3;

interface ItemError extends Error {
	description?: string | null;
	context?: { taskId?: string; taskStatus?: string; itemIndex?: number };
}

type ItemResult = INodeExecutionData | AwaitingCallback;

/** The pause's limit for one item: its Timeout. */
const waitTimeoutOf = (prepared: unknown) => (prepared as { wait?: { timeoutMs: number } }).wait?.timeoutMs ?? 0;

/** Every resource's operations; a workflow saved without a resource is on Video (the parameter's default). */
const RESOURCES: Record<string, Record<string, Operation<unknown>> | undefined> = {
	video: video.operations as Record<string, Operation<unknown>>,
	account: account.operations as Record<string, Operation<unknown>>,
};

const isCancellation = (error: unknown) => /ExecutionCancelledError$/.test((error as Error | undefined)?.name ?? '');

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const resource = this.getNodeParameter('resource', 0, 'video') as string;
	const operationName = this.getNodeParameter('operation', 0) as string;
	const op = RESOURCES[resource]?.[operationName];
	if (!op)
		throw new NodeOperationError(
			this.getNode(),
			`The operation "${operationName}" is not supported on resource "${resource}"`,
			{ itemIndex: 0 },
		);
	const continueOnFail = this.continueOnFail();
	const startedAt = Date.now();
	const results: INodeExecutionData[] = new Array(items.length);

	const credentials = await this.getCredentials<CometApiCredentials>(CREDENTIAL_TYPE);
	const redactor = new Redactor(credentialSecrets(credentials as Record<string, unknown>));
	const baseUrl = checkCredential(this, credentials, redactor);

	// Pause Until Callback: when CometAPI's callbacks resumed this node, its items carry the finished tasks.
	const resumed = resumedTasks(this, items);

	// 1. Validate everything first: one bad item must not leave its siblings' tasks half created.
	const prepared: unknown[] = new Array(items.length);
	for (let i = 0; i < items.length; i++) {
		try {
			prepared[i] = await op.prepare.call(this, i, { baseUrl });
		} catch (error) {
			const itemError = redactor.error(new NodeOperationError(this.getNode(), error as Error, { itemIndex: i }));
			if (!continueOnFail) throw itemError;
			results[i] = errorItem(itemError, i, undefined, redactor);
		}
	}

	// 1b. Once per execution, before the first request: the operation's safeguard (Minimum Balance).
	if (!resumed && op.beforeRequests) {
		const valid = items.map((_, i) => i).filter((i) => !results[i]);
		const refused = await op.beforeRequests.call(this, valid, {
			signal: this.getExecutionCancelSignal(),
			log: (message) => this.logger.debug(redactor.text(message)),
		});
		for (const [i, error] of refused) {
			const itemError = redactor.error(error);
			if (!continueOnFail) throw itemError;
			results[i] = errorItem(itemError, i, undefined, redactor);
		}
	}

	// 2. Run the valid items side by side, each with its own stop signal.
	const executionSignal = this.getExecutionCancelSignal();
	const controllers = prepared.map(() => new AbortController());
	const abortAll = () => controllers.forEach((controller) => controller.abort(executionSignal?.reason));
	if (executionSignal?.aborted) abortAll();
	executionSignal?.addEventListener('abort', abortAll, { once: true });

	const node = this.getNode();
	const log = (message: string) => this.logger.debug(redactor.text(message));
	const progress = runProgress(this, redactor);
	const ledger = new TaskLedger(progress);
	const shared = {
		baseUrl,
		createSlots: createLimiter(op.createRequestsAtOnce?.call(this) ?? 1),
		downloadSlots: createLimiter(DOWNLOADS_AT_ONCE),
		ledger,
		log,
		signCallbackUrl: (url: string, kind: TaskKind) => signCallbackUrl(url, String(credentials.apiKey), kind),
	};

	let firstFailure: ItemError | undefined;
	const awaiting: Array<KlingTask | undefined> = new Array(items.length);
	const awaitingKinds: Array<TaskKind | undefined> = new Array(items.length);
	/** Runs `work` for the given items side by side; an item's failure follows Continue On Fail. */
	const runItems = (indices: number[], work: (i: number, item: ItemContext) => Promise<ItemResult>) =>
		Promise.all(
			indices.map(async (i) => {
				const item: ItemContext = { ...shared, itemIndex: i, signal: controllers[i].signal };
				try {
					const result = await work(i, item);
					if (isAwaitingCallback(result)) {
						awaiting[i] = result.awaitingCallback;
						awaitingKinds[i] = result.taskKind;
					} else results[i] = result;
				} catch (caught) {
					const error = caught as ItemError;
					// Stopped by Stop or by a sibling's failure: its task (if any) is still running.
					if (isCancellation(error) && controllers[i].signal.aborted) return;
					ledger.failed(i, error.message, error.context ?? {});
					if (continueOnFail) {
						results[i] = errorItem(error, i, ledger.get(i), redactor);
						return;
					}
					if (firstFailure || executionSignal?.aborted) return;
					firstFailure = error;
					// Stop the siblings: their waits end at once, and no queued item creates a task.
					abortAll();
				}
			}),
		);
	const notDone = () => items.map((_, i) => i).filter((i) => !results[i]);
	const finishAwaited = (i: number, item: ItemContext, task: KlingTask) => {
		if (!op.finishAwaited)
			throw new NodeOperationError(node, `The operation "${operationName}" cannot wait for callbacks`, {
				itemIndex: i,
			});
		return op.finishAwaited.call(this, prepared[i], task, item);
	};

	if (resumed) {
		await runItems(notDone(), async (i, item) => {
			const { error, task } = resumed[i];
			if (error) throw new NodeOperationError(node, error.message, { itemIndex: i, description: error.description });
			return await finishAwaited(i, item, task as unknown as KlingTask);
		});
	} else {
		await runItems(notDone(), (i, item) => op.execute.call(this, prepared[i], item));
		const waiting = items.map((_, i) => i).filter((i) => awaiting[i]);
		if (waiting.length && !firstFailure && !executionSignal?.aborted) {
			if (waiting.every((i) => isFinalStatus(awaiting[i]!.task_status))) {
				// Every task finished before the pause: no reason to wait.
				await runItems(waiting, (i, item) => finishAwaited(i, item, awaiting[i]!));
			} else {
				executionSignal?.removeEventListener('abort', abortAll);
				const waitUntil = startedAt + Math.max(...waiting.map((i) => waitTimeoutOf(prepared[i])));
				progress.pausing(ledger, waitUntil);
				return await pauseUntilCallback(
					this,
					items.map((_, i) => ({
						task: awaiting[i],
						taskKind:
							awaitingKinds[i] ?? (prepared[i] as { taskKind?: TaskKind } | undefined)?.taskKind ?? 'text2video',
						error: results[i]?.json,
					})),
					waitUntil,
					redactor,
				);
			}
		}
	}
	executionSignal?.removeEventListener('abort', abortAll);

	// A stopped run must end as "canceled": raise n8n's own cancellation error, after saying where the tasks are.
	if (executionSignal?.aborted) {
		progress.stopped(ledger);
		throw cancellationError(executionSignal);
	}
	if (firstFailure) throw redactor.error(withLedger(firstFailure, ledger));
	progress.finished(ledger);
	// The JSON is what the API said and may echo a secret; binary data is the video itself (file names come from checked ids).
	return [results.map((result, i) => ({ ...result, json: redactor.deep(result.json), pairedItem: { item: i } }))];
}

/** Bad credential settings are refused before any request, with what to change. */
function checkCredential(ctx: IExecuteFunctions, credentials: CometApiCredentials, redactor: Redactor): string {
	const check = checkCredentials(credentials);
	if (check.ok) return check.baseUrl;
	throw redactor.error(
		new NodeOperationError(ctx.getNode(), check.problem, {
			itemIndex: 0,
			description:
				'Open the CometAPI (Kling) credential and correct it. Nothing was sent to CometAPI, so nothing was billed.',
		}),
	);
}

/** Without Continue On Fail the run ends with this error: it names every task of the run and its state. */
function withLedger(error: ItemError, ledger: TaskLedger): ItemError {
	const itemIndex = error.context?.itemIndex;
	const own = error.context?.taskId;
	const notes: string[] = [];
	if (own && !`${error.message} ${error.description ?? ''}`.includes(own)) notes.push(`Task ID: ${own}.`);
	const others = ledger.summary(itemIndex);
	if (others) notes.push(`Other tasks of this run (none is lost; collect unfinished ones with Get Task): ${others}.`);
	if (notes.length) error.description = [error.description, ...notes].filter(Boolean).join(' ');
	return error;
}

/** Continue On Fail: the error becomes the item's output, keeping the task id of a paid task. */
function errorItem(
	error: ItemError,
	itemIndex: number,
	entry: LedgerEntry | undefined,
	redactor: Redactor,
): INodeExecutionData {
	redactor.error(error);
	return {
		json: {
			error: error.message,
			...(error.description ? { description: error.description } : {}),
			task_id: entry?.taskId ?? error.context?.taskId ?? null,
			task_status: entry?.taskStatus ?? error.context?.taskStatus ?? null,
		},
		pairedItem: { item: itemIndex },
	};
}
