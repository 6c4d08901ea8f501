import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Limiter } from '../helpers/concurrency';

/** What the router hands to each item: shared limits, and the item's own stop signal. */
export interface RunContext {
	/** Aborted when the execution is cancelled or, without Continue On Fail, when a sibling item fails. */
	signal: AbortSignal;
	/** Bounds create requests in flight. */
	createSlots: Limiter;
	/** Bounds parallel video downloads. */
	downloadSlots: Limiter;
	/** Only for redacting it from messages. */
	apiKey?: string;
	/** Remembers that an item has a task on the server, so no error can lose its id. */
	trackTask(itemIndex: number, taskId: string, taskStatus?: string): void;
}

/** One operation: its UI, a validation step with no I/O, and the work itself. */
export interface Operation<Prepared> {
	description: INodeProperties[];
	prepare(this: IExecuteFunctions, itemIndex: number): Prepared;
	execute(this: IExecuteFunctions, prepared: Prepared, itemIndex: number, run: RunContext): Promise<INodeExecutionData>;
}
