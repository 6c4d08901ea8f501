import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Limiter } from '../helpers/concurrency';
import type { TaskLedger } from '../helpers/ledger';

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
}

/** One operation: its UI, a validation step with no I/O, and the work itself. */
export interface Operation<Prepared> {
	description: INodeProperties[];
	prepare(this: IExecuteFunctions, itemIndex: number): Prepared;
	execute(this: IExecuteFunctions, prepared: Prepared, item: ItemContext): Promise<INodeExecutionData>;
	/** How many create requests may be in flight for this run; operations that create nothing omit it. */
	createRequestsAtOnce?(this: IExecuteFunctions): number;
}
