/**
 * Wait Mode "Pause Until Callback": the execution waits saved (no memory, no slot) and CometAPI's
 * signed callbacks resume it once every task has finished (how and why: ARCHITECTURE.md).
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { throwIfAborted } from '../../helpers/cancellation';
import { hostOf, isPrivateHost } from '../../helpers/hosts';
import { isFinalStatus, readTask } from '../../helpers/polling';
import { ReadThrottle } from '../../helpers/read-throttle';
import { credentialSecrets, Redactor, redactorFor } from '../../helpers/redaction';
import { checkCallbackSignature } from '../../helpers/signing';
import { ParameterError } from '../../helpers/validation';
import { respond } from '../../helpers/webhook';
import type { CometApiCredentials, KlingTask } from '../../transport';
import type { TaskKind } from '../../transport';
import { checkCredentials, CREDENTIAL_TYPE, isTaskKind, taskPath } from '../../transport';
import { callbackTask } from '../../transport/response';
import type { ItemContext } from '../types';

/** The field each input item carries while the execution waits (and after the wait limit). */
export const PENDING_TASK_FIELD = 'kling_pending_task';
/** One read before pausing, and each read a callback triggers. */
const READ_MS = 20_000;

/**
 * The paused execution's own webhook, as n8n's Wait and send-and-wait nodes declare it: n8n routes
 * `<resume URL>/<node id>` here only while this execution waits. Nothing is registered anywhere
 * (the URL travels with each task), so there is no webhook lifecycle to manage.
 */
export const RESUME_WEBHOOKS: IWebhookDescription[] = [
	{
		name: 'default',
		httpMethod: 'POST',
		responseMode: 'onReceived',
		responseData: '',
		path: '={{ $nodeId }}',
		restartWebhook: true,
		isFullPath: true,
		ndvHideUrl: true,
		ndvHideMethod: true,
	},
];

export interface PendingTask {
	/** "waiting" while paused (and when the wait limit passed); "finished" in the items that resume the node. */
	state: 'waiting' | 'finished';
	node: string;
	node_id: string;
	execution_id: string;
	item: number;
	task_id: string | null;
	/**
	 * The status our last read saw before pausing, and when. Items handed on at the Timeout keep
	 * these (n8n passes them through without running the node), so they say "before", not "now".
	 */
	status_before_pause: string | null;
	status_read_at: string;
	/** Which path reads the task (text2video, image2video, multi-image2video). */
	task_kind: TaskKind;
	/** When the wait limit passes and the items are handed on unfinished. */
	timeout_at: string;
	/** The task was created with a signed callback URL: unsigned callbacks for it are refused unread. */
	signed_callback?: boolean;
	/** The task once it has finished, as CometAPI answered our own read. */
	task?: IDataObject;
	/** Continue On Fail: the item failed before its task existed or before the pause. */
	error?: { message: string; description?: string };
	/** What happened if this item left the node like this, and what to do. */
	note: string;
}

/**
 * The callback URL for this execution, refused (before any request) where it cannot work: with the
 * user's own Callback URL, or when CometAPI could never reach n8n's webhook address.
 */
export function callbackUrlForPause(ctx: IExecuteFunctions, userCallbackUrl: unknown, baseUrl: string): string {
	if (typeof userCallbackUrl === 'string' && userCallbackUrl.trim()) {
		throw new ParameterError(
			'callbackUrl',
			'Additional Fields → Callback URL cannot be used with Wait Mode "Pause Until Callback", which sets its own: remove it, or choose "Return Task Immediately"',
		);
	}
	// An AI Agent waits for its tool's answer; it cannot be paused and resumed by a callback.
	if (/Tool$/.test(ctx.getNode().type)) {
		throw new ParameterError(
			'waitMode',
			'Wait Mode "Pause Until Callback" cannot be used when the node is an AI Agent tool: choose "Return Task Immediately" or "Wait Until Done"',
		);
	}
	const resumeUrl = String(ctx.evaluateExpression('{{ $execution.resumeUrl }}', 0) ?? '');
	const host = hostOf(resumeUrl);
	if (!host) {
		throw new ParameterError('waitMode', 'This n8n has no resume URL for waiting executions: use "Wait Until Done"');
	}
	const apiHost = hostOf(baseUrl) ?? '';
	if (isPrivateHost(host) && !isPrivateHost(apiHost)) {
		throw new ParameterError(
			'waitMode',
			`CometAPI (${baseUrl}) could never reach n8n's webhook address ${new URL(resumeUrl).origin}, a local or private address: set n8n's WEBHOOK_URL environment variable to the public https address of this n8n, or use "Wait Until Done"`,
		);
	}
	const url = new URL(resumeUrl);
	url.pathname = `${url.pathname.replace(/\/+$/, '')}/${ctx.getNode().id}`;
	return url.toString();
}

/** One read before pausing. A failed read is no loss: the callbacks will tell. */
export async function readOnceBeforePause(
	ctx: IExecuteFunctions,
	created: KlingTask,
	taskKind: TaskKind,
	item: ItemContext,
	deadline: number,
): Promise<KlingTask> {
	if (isFinalStatus(created.task_status)) return created;
	try {
		return await readTask(ctx, created.task_id, {
			itemIndex: item.itemIndex,
			path: taskPath(taskKind),
			baseUrl: item.baseUrl,
			signal: item.signal,
			deadline: Math.min(deadline, Date.now() + READ_MS),
			log: item.log,
			onDeadline: () => new Error('no answer in time'),
		});
	} catch (error) {
		throwIfAborted(item.signal);
		item.log(`Kling task ${created.task_id}: read before pausing failed (${(error as Error).message})`);
		return created;
	}
}

/** Items paused before task kinds existed carry none: they were text-to-video. */
const kindOfEntry = (entry: PendingTask): TaskKind => (isTaskKind(entry?.task_kind) ? entry.task_kind : 'text2video');

function pendingOf(value: unknown): PendingTask | undefined {
	const pending = (value as IDataObject | undefined)?.[PENDING_TASK_FIELD] as PendingTask | undefined;
	return pending && typeof pending === 'object' && typeof pending.node_id === 'string' ? pending : undefined;
}

const collectNote = (nodeName: string, timeoutAt: string) =>
	`NOT DELIVERED: if this item left the "${nodeName}" node like this, no callback confirmed its task before the Timeout (${timeoutAt}). The task may have finished since or may still be running on CometAPI; nothing was lost. Collect it with Kling (CometAPI) → Get Task, Task ID {{ $json.${PENDING_TASK_FIELD}.task_id }}, Wait Mode "Wait Until Done" (route such items there with an IF on {{ $json.${PENDING_TASK_FIELD} !== undefined }}).`;

/**
 * Marks every input item with its pending task and saves the execution as waiting until `waitUntil`.
 * `outcomes[i]` is the task (awaiting) or the Continue On Fail error item of item i.
 */
export async function pauseUntilCallback(
	ctx: IExecuteFunctions,
	outcomes: Array<{ task?: KlingTask; taskKind: TaskKind; error?: IDataObject }>,
	waitUntil: number,
	redactor: Redactor,
): Promise<INodeExecutionData[][]> {
	const items = ctx.getInputData();
	const node = ctx.getNode();
	const timeoutAt = new Date(waitUntil).toISOString();
	const readAt = new Date().toISOString();
	items.forEach((item, i) => {
		const { task, taskKind, error } = outcomes[i];
		const pending: PendingTask = {
			state: 'waiting',
			node: node.name,
			node_id: node.id,
			execution_id: String(ctx.getExecutionId()),
			item: i,
			task_id: task?.task_id ?? (error?.task_id as string | undefined) ?? null,
			status_before_pause: task?.task_status ?? (error?.task_status as string | undefined) ?? null,
			status_read_at: readAt,
			task_kind: taskKind,
			timeout_at: timeoutAt,
			signed_callback: true,
			...(task && isFinalStatus(task.task_status) ? { task: { ...task } } : {}),
			...(error
				? {
						error: {
							message: String(error.error),
							...(error.description ? { description: String(error.description) } : {}),
						},
					}
				: {}),
			note: collectNote(node.name, timeoutAt),
		};
		// In place, on purpose: the input items are what n8n stores with the waiting execution.
		item.json[PENDING_TASK_FIELD] = redactor.deep(pending) as unknown as IDataObject;
	});
	await ctx.putExecutionToWait(new Date(waitUntil));
	return [items.map((item, i) => ({ json: item.json, pairedItem: { item: i } }))];
}

/**
 * The items that resumed this node, when this run is the resume: every item carries a finished
 * pending task of this node and this execution (set only by `webhook()`).
 */
export function resumedTasks(ctx: IExecuteFunctions, items: INodeExecutionData[]): PendingTask[] | undefined {
	const pending = items.map((item) => pendingOf(item.json));
	if (!pending.length || pending.some((entry) => entry?.state !== 'finished')) return undefined;
	const node = ctx.getNode();
	const executionId = String(ctx.getExecutionId());
	const ours = pending.every(
		(entry) => entry?.state === 'finished' && entry.node_id === node.id && entry.execution_id === executionId,
	);
	return ours ? (pending as PendingTask[]) : undefined;
}

/**
 * Tasks this n8n instance has itself read as finished, per paused node. Only our own reads go in
 * (a final task never changes), so it is a cache, not a source of truth: after a restart, or on
 * another webhook instance, the tasks are simply read again. Without it every callback would read
 * every finished task again, and a burst of callbacks would read the same tasks many times.
 */
const confirmedByNode = new Map<string, Map<string, KlingTask>>();
const CONFIRMED_NODES_KEPT = 500;
/**
 * Task reads caused by callbacks in this n8n instance: simultaneous callbacks share one read per
 * task, and false "finished" claims for a running task cost about one read per 5 s however many
 * arrive. The first final callback of every task still reads the others, so a lost final callback
 * is caught by the next task's.
 */
const reads = new ReadThrottle<KlingTask>(5_000, (task) => isFinalStatus(task.task_status));

/**
 * Executions this n8n instance has resumed, for a minute: n8n refuses a second resume with an
 * error, so duplicates that were already on their way get a plain 200 instead. After the minute
 * a callback can resume again, should the first resume have failed to start.
 */
const resumedAt = new Map<string, number>();
const RESUMED_MS = 60_000;

function claimResume(key: string, now = Date.now()): boolean {
	for (const [old, at] of resumedAt) {
		if (at > now - RESUMED_MS) break;
		resumedAt.delete(old);
	}
	if (resumedAt.has(key)) return false;
	resumedAt.set(key, now);
	return true;
}

/** Tasks whose own final callback this n8n instance has confirmed (bounded; forgetting one costs a read). */
const finalCallbacksHandled = new Set<string>();
const HANDLED_KEPT = 50_000;

function rememberFinalCallback(key: string): void {
	if (finalCallbacksHandled.has(key)) return;
	if (finalCallbacksHandled.size >= HANDLED_KEPT) {
		finalCallbacksHandled.delete(finalCallbacksHandled.values().next().value as string);
	}
	finalCallbacksHandled.add(key);
}

function confirmedFor(key: string): Map<string, KlingTask> {
	let confirmed = confirmedByNode.get(key);
	if (!confirmed) {
		if (confirmedByNode.size >= CONFIRMED_NODES_KEPT) {
			confirmedByNode.delete(confirmedByNode.keys().next().value as string);
		}
		confirmed = new Map();
		confirmedByNode.set(key, confirmed);
	}
	return confirmed;
}

function shuffled<T>(values: T[]): T[] {
	const copy = [...values];
	for (let i = copy.length - 1; i > 0; i--) {
		const j = Math.floor(Math.random() * (i + 1));
		[copy[i], copy[j]] = [copy[j], copy[i]];
	}
	return copy;
}

/**
 * `webhook()` of the paused node. Never throws (a throw would end the execution in error and
 * run the rest of the workflow with an empty item): every problem becomes an answer.
 */
export async function resumeOnCallback(this: IWebhookFunctions): Promise<IWebhookResponseData> {
	try {
		return await handleCallback(this);
	} catch (error) {
		const redactor = await redactorFor(async () => await this.getCredentials(CREDENTIAL_TYPE));
		this.logger.warn(redactor.text(`Kling (CometAPI) callback could not be handled: ${(error as Error).message}`));
		return respond(this, { status: 503, body: { received: true, resumed: false, reason: 'try again later' } });
	}
}

async function handleCallback(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const node = ctx.getNode();
	const hint = callbackTask(ctx.getBodyData());
	const ignore = (reason: string) => respond(ctx, { status: 200, body: { received: true, resumed: false, reason } });
	if (!hint) return ignore('not a Kling task');
	// Only a final status can complete the set; earlier updates cost no read.
	if (!isFinalStatus(hint.status)) return ignore('not finished yet');

	const input = (ctx.evaluateExpression('{{ $input.all() }}', 0) ?? []) as INodeExecutionData[];
	const pending = input.map((item) => pendingOf(item?.json));
	if (!pending.length || pending.some((entry) => entry?.node_id !== node.id)) return ignore('not waiting here');
	const index = pending.findIndex((entry) => entry?.task_id === hint.taskId);
	if (index < 0) return ignore('not a task of this node');

	const credentials = await ctx.getCredentials<CometApiCredentials>(CREDENTIAL_TYPE);
	const redactor = new Redactor(credentialSecrets(credentials as Record<string, unknown>));
	const check = checkCredentials(credentials);
	if (!check.ok) return ignore('the credential is not usable');
	const nodeKey = `${pending[index]!.execution_id}/${node.id}`;
	// Tasks created with a signed URL (all since signing exists) accept only signed callbacks, unread otherwise.
	if (pending[index]!.signed_callback) {
		const signature = checkCallbackSignature(
			ctx.getQueryData() as Record<string, unknown>,
			String(credentials.apiKey),
			nodeKey,
		);
		if (!signature.ok || signature.kind !== kindOfEntry(pending[index]!)) {
			return respond(ctx, {
				status: 403,
				body: { received: true, resumed: false, reason: signature.ok ? 'bad signature' : signature.reason },
			});
		}
	}
	const signal = new AbortController().signal;
	const confirmed = confirmedFor(nodeKey);
	const kindOf = (i: number): TaskKind => kindOfEntry(pending[i]!);
	const readNow = (taskId: string, itemIndex: number) => () =>
		readTask(ctx, taskId, {
			itemIndex,
			path: taskPath(kindOf(itemIndex)),
			baseUrl: check.baseUrl,
			signal,
			deadline: Date.now() + READ_MS,
			onDeadline: () => new Error(`task ${taskId} could not be read in time`),
		});
	/** `claim`: the callback says this task finished; undefined when such a claim was refuted moments ago. */
	const read = async (taskId: string, itemIndex: number, claim = false): Promise<KlingTask | undefined> => {
		// Another callback may have confirmed it meanwhile.
		const known = confirmed.get(taskId);
		if (known) return known;
		const key = `${nodeKey}/${taskId}`;
		const task = claim
			? await reads.checkClaim(key, readNow(taskId, itemIndex), (read) => isFinalStatus(read.task_status))
			: await reads.read(key, readNow(taskId, itemIndex));
		if (task && isFinalStatus(task.task_status)) confirmed.set(taskId, task);
		return task;
	};

	const finished: Array<IDataObject | undefined> = pending.map((entry) => {
		if (entry?.task && isFinalStatus(entry.task.task_status)) return entry.task;
		const known = entry?.task_id ? confirmed.get(entry.task_id) : undefined;
		return known ? { ...known } : undefined;
	});
	// A repeat of a final callback this n8n instance already confirmed (a duplicate or a retry).
	const repeated = finalCallbacksHandled.has(`${nodeKey}/${hint.taskId}`);
	if (!finished[index]) {
		let task: KlingTask | undefined;
		try {
			task = await read(hint.taskId, index, true);
		} catch (error) {
			ctx.logger.info(
				redactor.text(`Kling callback for task ${hint.taskId}: reading it failed (${(error as Error).message})`),
			);
			return respond(ctx, {
				status: 503,
				body: { received: true, resumed: false, reason: 'could not confirm the task' },
			});
		}
		// A claim like this was refuted moments ago: no read now; a genuine sender calls again.
		if (!task)
			return respond(ctx, { status: 503, body: { received: true, resumed: false, reason: 'not confirmed yet' } });
		// The callback said "finished"; CometAPI is the judge.
		if (!isFinalStatus(task.task_status)) return ignore('not finished yet');
		finished[index] = { ...task };
	}
	rememberFinalCallback(`${nodeKey}/${hint.taskId}`);

	// Check the others in random order, stopping at the first unfinished one.
	const open = shuffled(pending.map((_, i) => i).filter((i) => !finished[i] && pending[i]?.task_id));
	// A repeat need not look again at a task just seen running; a first confirmation always looks.
	if (repeated && open.some((i) => reads.recentlyUnfinished(`${nodeKey}/${pending[i]!.task_id}`))) {
		return ignore('waiting for other tasks');
	}
	for (const i of open) {
		let task: KlingTask | undefined;
		try {
			task = await read(pending[i]!.task_id!, i);
		} catch {
			return ignore('waiting for other tasks');
		}
		if (!task || !isFinalStatus(task.task_status)) {
			ctx.logger.debug(`Kling callback: task ${pending[i]!.task_id} is still running, staying paused`);
			return ignore('waiting for other tasks');
		}
		finished[i] = { ...task };
	}

	// Simultaneous duplicates reach this point together: one resumes, the others get a plain answer.
	if (!claimResume(nodeKey)) return ignore('already resumed');
	ctx.logger.info(
		redactor.text(`Kling (CometAPI) node "${node.name}": all ${pending.length} tasks finished, resuming the execution`),
	);
	runAgainOnResume(ctx);
	const items: INodeExecutionData[] = input.map((item, i) => ({
		json: redactor.deep({
			...item.json,
			[PENDING_TASK_FIELD]: { ...pending[i], state: 'finished', ...(finished[i] ? { task: finished[i] } : {}) },
		}) as IDataObject,
		// The node runs again on these items: an image operation checks its input images again.
		...(item.binary ? { binary: item.binary } : {}),
		pairedItem: { item: i },
	}));
	return { webhookResponse: { received: true, resumed: true }, workflowData: [items] };
}

/**
 * n8n resumes a waiting node by passing the webhook's items through it as its output, with the
 * node disabled. Re-enabling it makes n8n run execute() on those items instead (checked on every
 * supported n8n version by the end-to-end suite), so downloads and errors happen there, after the
 * callback was answered. Should a future n8n lack this field, the items still pass through,
 * each with its finished task under `kling_pending_task.task`.
 */
function runAgainOnResume(ctx: IWebhookFunctions): void {
	const internal = ctx as unknown as {
		runExecutionData?: {
			executionData?: { nodeExecutionStack?: Array<{ node?: { name?: string; disabled?: boolean } }> };
		};
	};
	const waiting = internal.runExecutionData?.executionData?.nodeExecutionStack?.[0]?.node;
	if (waiting && waiting.name === ctx.getNode().name) waiting.disabled = false;
}
