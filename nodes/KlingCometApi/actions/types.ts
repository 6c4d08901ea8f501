import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Limiter } from '../helpers/concurrency';
import type { TaskLedger } from '../helpers/ledger';
import type { KlingTask, TaskKind } from '../transport';

/** What the router hands to each item. No secrets: redaction happens where output leaves the node. */
export interface ItemContext {
	itemIndex: number;
	/** Aborted on Stop or, without Continue On Fail, when a sibling item fails. */
	signal: AbortSignal;
	/** The credential's Base URL, checked. */
	baseUrl: string;
	/** Bounds create requests in flight (not backoff waits). */
	createSlots: Limiter;
	/** Bounds parallel video downloads. */
	downloadSlots: Limiter;
	/** Where every task id goes the moment it is known. */
	ledger: TaskLedger;
	/** A debug log line, redacted. */
	log(message: string): void;
	/** Adds the credential's signature to a callback URL (see helpers/signing.ts); the key stays with the router. */
	signCallbackUrl(url: string, kind: TaskKind): string;
}

/** What the router knows before any item runs. */
export interface RunContext {
	/** The credential's Base URL, checked. */
	baseUrl: string;
}

/**
 * Pause Until Callback: the item's task exists and was read once. The router either finishes
 * every such item at once (all done) or pauses the execution until CometAPI calls back.
 */
export interface AwaitingCallback {
	awaitingCallback: KlingTask;
	taskKind: TaskKind;
}

export function isAwaitingCallback(result: unknown): result is AwaitingCallback {
	return typeof result === 'object' && result !== null && 'awaitingCallback' in result;
}

/** One operation: its UI, a validation step with no I/O, and the work itself. */
export interface Operation<Prepared> {
	description: INodeProperties[];
	/** May read binary metadata and image headers (never the API). */
	prepare(this: IExecuteFunctions, itemIndex: number, run: RunContext): Prepared | Promise<Prepared>;
	execute(
		this: IExecuteFunctions,
		prepared: Prepared,
		item: ItemContext,
	): Promise<INodeExecutionData | AwaitingCallback>;
	/** Turns a finished task of an awaiting item into its output (download, or the task's error). */
	finishAwaited?(
		this: IExecuteFunctions,
		prepared: Prepared,
		task: KlingTask,
		item: ItemContext,
	): Promise<INodeExecutionData>;
	/** How many create requests may be in flight for this run; operations that create nothing omit it. */
	createRequestsAtOnce?(this: IExecuteFunctions): number;
	/**
	 * Once per execution, after every item is validated and before the first request (not on a
	 * resume): the items that must not run, each with its error (Minimum Balance). Sends nothing billable.
	 */
	beforeRequests?(
		this: IExecuteFunctions,
		itemIndices: number[],
		run: BeforeRequestsContext,
	): Promise<Map<number, Error>>;
}

/** What `beforeRequests` may use. */
export interface BeforeRequestsContext {
	/** Aborted on Stop. */
	signal?: AbortSignal;
	/** A debug log line, redacted. */
	log(message: string): void;
}
