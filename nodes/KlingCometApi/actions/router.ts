import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { createLimiter } from '../helpers/concurrency';
import { cancellationError } from '../helpers/cancellation';
import { CREDENTIAL_TYPE } from '../transport';
import { redact } from '../transport/errors';
import type { Operation, RunContext } from './types';
import { DEFAULT_CREATE_CONCURRENCY } from './video/create.operation';
import { operations } from './video';

/** Parallel downloads: enough to overlap, few enough not to saturate a line or disk. */
const DOWNLOADS_AT_ONCE = 3;

interface ItemError extends Error {
	description?: string | null;
	context?: { taskId?: string; taskStatus?: string };
}

/**
 * Runs the chosen operation for every input item. All items are validated before the first
 * request; then they run side by side, so N videos take about as long as the slowest one.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as keyof typeof operations;
	const op = operations[operation] as Operation<unknown> | undefined;
	if (!op) throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	const continueOnFail = this.continueOnFail();
	const results: INodeExecutionData[] = new Array(items.length);

	// 1. Validate everything first: one bad item must not leave its siblings' tasks half created.
	const prepared: unknown[] = new Array(items.length);
	for (let i = 0; i < items.length; i++) {
		try {
			prepared[i] = op.prepare.call(this, i);
		} catch (error) {
			// prepare() raises NodeOperationErrors; this returns the same error unchanged.
			const itemError = new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			if (!continueOnFail) throw itemError;
			results[i] = errorItem(itemError, i);
		}
	}

	// 2. Run the valid items side by side.
	const credentials = await this.getCredentials<{ apiKey?: string }>(CREDENTIAL_TYPE);
	const executionSignal = this.getExecutionCancelSignal();
	// One controller per item, so that no single signal collects a listener per waiting item.
	const controllers = prepared.map(() => new AbortController());
	const abort = () => controllers.forEach((controller) => controller.abort(executionSignal?.reason));
	if (executionSignal?.aborted) abort();
	executionSignal?.addEventListener('abort', abort, { once: true });

	const openTasks = new Map<number, { taskId: string; taskStatus?: string }>();
	const run: Omit<RunContext, 'signal'> = {
		createSlots: createLimiter(this.getNodeParameter('options.createConcurrency', 0, DEFAULT_CREATE_CONCURRENCY) as number),
		downloadSlots: createLimiter(DOWNLOADS_AT_ONCE),
		apiKey: credentials.apiKey,
		trackTask: (i, taskId, taskStatus) => openTasks.set(i, { taskId, taskStatus }),
	};

	let firstFailure: ItemError | undefined;
	await Promise.all(
		prepared.map(async (itemPrepared, i) => {
			if (results[i]) return;
			try {
				results[i] = await op.execute.call(this, itemPrepared, i, { ...run, signal: controllers[i].signal });
				openTasks.delete(i);
			} catch (caught) {
				const error = caught as ItemError;
				// The error's own task state is the freshest; the tracked one fills the gaps.
				error.context = { ...openTasks.get(i), ...error.context };
				// After a cancel or a sibling's failure, the other items only report that they stopped.
				if (executionSignal?.aborted || firstFailure) return;
				openTasks.delete(i);
				if (continueOnFail) {
					results[i] = errorItem(error, i, run.apiKey);
					return;
				}
				firstFailure = error;
				// Stop the siblings: their sleeps end at once, and no queued item creates a task.
				abort();
			}
		}),
	);
	executionSignal?.removeEventListener('abort', abort);

	// A cancelled run must end as "canceled": raise n8n's own cancellation error.
	if (executionSignal?.aborted) throw cancellationError(executionSignal);
	if (firstFailure) throw withTaskIds(firstFailure, openTasks);
	return [results.map((result, i) => ({ ...result, pairedItem: { item: i } }))];
}

/** A paid task is never lost: the error names its own task and any siblings left running. */
function withTaskIds(error: ItemError, openTasks: Map<number, { taskId: string }>): ItemError {
	const notes: string[] = [];
	const own = error.context?.taskId;
	if (own && !`${error.message} ${error.description ?? ''}`.includes(own)) notes.push(`Task ID: ${own}.`);
	if (openTasks.size) {
		const others = [...openTasks.entries()].map(([i, t]) => `item ${i}: task ${t.taskId}`).join(', ');
		notes.push(`Other tasks of this run were left running on CometAPI and can be collected with Get Task: ${others}.`);
	}
	if (notes.length) error.description = [error.description, ...notes].filter(Boolean).join(' ');
	return error;
}

/** Continue On Fail: the error becomes the item's output, keeping the task id of a paid task. */
function errorItem(error: ItemError, itemIndex: number, apiKey?: string): INodeExecutionData {
	return {
		json: {
			error: redact(error.message, apiKey),
			...(error.description ? { description: redact(error.description, apiKey) } : {}),
			task_id: error.context?.taskId ?? null,
			task_status: error.context?.taskStatus ?? null,
		},
		pairedItem: { item: itemIndex },
	};
}
