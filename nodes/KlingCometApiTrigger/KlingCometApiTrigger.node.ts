/**
 * Kling (CometAPI) Trigger: starts a workflow when a task created with its signed URL finishes;
 * a callback is only a hint, the task is read with the credential (ARCHITECTURE.md).
 */
import type {
	IDataObject,
	INodeType,
	INodeTypeDescription,
	IWebhookDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { firstVideoUrl } from '../KlingCometApi/actions/video/wait';
import { ExpiringKeys } from '../KlingCometApi/helpers/expiring-keys';
import { isFinalStatus } from '../KlingCometApi/helpers/polling';
import { ReadThrottle } from '../KlingCometApi/helpers/read-throttle';
import { credentialSecrets, Redactor, redactorFor } from '../KlingCometApi/helpers/redaction';
import { checkCallbackSignature, signedSegments } from '../KlingCometApi/helpers/signing';
import { respond } from '../KlingCometApi/helpers/webhook';
import type { CometApiCredentials, KlingTask } from '../KlingCometApi/transport';
import type { TaskKind } from '../KlingCometApi/transport';
import { checkCredentials, CREDENTIAL_TYPE, klingRequest, TASK_KINDS, taskPath } from '../KlingCometApi/transport';
import { callbackTask } from '../KlingCometApi/transport/response';
import { isTaskNotFound, isTransientRead } from '../KlingCometApi/transport/verdicts';

/** All reads of one callback (one per task kind at most), answered well within the few seconds a sender waits. */
const READ_MS = 8_000;
/** Task statuses remembered per trigger node (in workflow static data) to drop repeated callbacks. */
const EMITTED_KEPT = 2000;

type Events = 'finished' | 'succeed' | 'failed' | 'any';

/**
 * CometAPI has no webhook registry (the URL travels with each task), so there is nothing to
 * create or delete when the workflow is activated: like n8n's own Webhook node, this only listens.
 */
const CALLBACK_WEBHOOKS: IWebhookDescription[] = [
	// responseData '': answer with webhookResponse (n8n's default, 'firstEntryJson', is sent as that literal text).
	{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: 'kling' },
];

/**
 * Statuses emitted by this n8n instance in the last day: the guarantee against duplicates while n8n
 * runs. Static data is a best-effort backup across restarts: each webhook call loads its own copy
 * and n8n saves each execution's copy, so overlapping executions drop each other's records.
 */
const recentlyEmitted = new ExpiringKeys(24 * 60 * 60_000, 50_000);

/** Task ids CometAPI did not know, remembered so that repeating one costs no read. */
const unknownTasks = new ExpiringKeys(10 * 60_000, 10_000);

/** False "finished" claims for a running task cost about one read per 5 s, however many arrive. */
type Read = { answer: Awaited<ReturnType<typeof klingRequest>>; kind: TaskKind };
const reads = new ReadThrottle<Read>(5_000, (read) => !read.answer.ok || isFinalStatus(read.answer.data.task_status));

export class KlingCometApiTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kling (CometAPI) Trigger',
		name: 'klingCometApiTrigger',
		icon: { light: 'file:kling.svg', dark: 'file:kling.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ { finished: "Task finished", succeed: "Task succeeded", failed: "Task failed", any: "Any status change" }[$parameter["events"]] }}',
		// n8n's node panel lists this Trigger and the action node as one entry and shows this text for it.
		description:
			'Make videos with Kling through CometAPI from a prompt or images, and start workflows when a task finishes',
		defaults: { name: 'Kling (CometAPI) Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'cometApiKlingApi', required: true }],
		webhooks: CALLBACK_WEBHOOKS,
		properties: [
			{
				displayName:
					'Copy the Production URL above into Kling (CometAPI) → Create Video → Additional Fields → Callback URL (with Wait Mode "Return Task Immediately"), then activate this workflow. Create Video signs the URL with the credential\'s key: use the same credential here. Every callback is checked by reading the task.',
				name: 'notice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Trigger On',
				name: 'events',
				type: 'options',
				options: [
					{
						name: 'Task Finished',
						value: 'finished',
						description: 'Once per task, when it succeeds or fails',
					},
					{ name: 'Task Succeeded', value: 'succeed', description: 'Once per task that has a video' },
					{ name: 'Task Failed', value: 'failed', description: 'Once per task that failed' },
					{
						name: 'Any Status Change',
						value: 'any',
						description: 'Once per task and status: submitted, processing, succeed, failed',
					},
				],
				default: 'finished',
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Accept Unsigned Callbacks',
						name: 'acceptUnsigned',
						type: 'boolean',
						default: false,
						description:
							'Whether to also accept callbacks of tasks created outside this node (for example with an HTTP Request node), which carry no signature. Anyone who knows this URL can then make the node read tasks with your key.',
					},
				],
			},
		],
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		try {
			return await onCallback(this);
		} catch (error) {
			const redactor = await redactorFor(async () => await this.getCredentials(CREDENTIAL_TYPE));
			this.logger.warn(redactor.text(`Kling (CometAPI) Trigger: callback not handled: ${(error as Error).message}`));
			return respond(this, { status: 503, body: { received: true, started: false, reason: 'try again later' } });
		}
	}
}

function wanted(events: Events, status: string): boolean {
	if (events === 'any') return true;
	if (events === 'finished') return isFinalStatus(status);
	return status === events;
}

/** The statuses already emitted by this trigger node, newest last, kept in workflow static data. */
function emittedStore(ctx: IWebhookFunctions): Record<string, number> {
	const data = ctx.getWorkflowStaticData('node') as IDataObject;
	if (!data.emitted || typeof data.emitted !== 'object') data.emitted = {};
	return data.emitted as Record<string, number>;
}

async function onCallback(ctx: IWebhookFunctions): Promise<IWebhookResponseData> {
	const events = ctx.getNodeParameter('events', 'finished') as Events;
	const ignore = (reason: string) => respond(ctx, { status: 200, body: { received: true, started: false, reason } });
	const hint = callbackTask(ctx.getBodyData());
	if (!hint) return ignore('not a Kling task');
	// What the callback claims decides only whether a read is worth it.
	if (events !== 'any' && hint.status && !isFinalStatus(hint.status)) return ignore('not finished yet');

	const credentials = await ctx.getCredentials<CometApiCredentials>(CREDENTIAL_TYPE);
	const check = checkCredentials(credentials);
	if (!check.ok) return ignore('the credential is not usable');
	const redactor = new Redactor(credentialSecrets(credentials as Record<string, unknown>));

	// The signature Create Video added to this URL: checked before anything costs a read.
	const request = ctx.getRequestObject();
	const path = new URL(request.originalUrl ?? request.url ?? '/', 'http://n8n').pathname;
	const signature = checkCallbackSignature(
		ctx.getQueryData() as Record<string, unknown>,
		String(credentials.apiKey),
		signedSegments(path),
	);
	const acceptUnsigned = ctx.getNodeParameter('options.acceptUnsigned', false) === true;
	if (!signature.ok && (signature.reason !== 'unsigned' || !acceptUnsigned)) {
		return respond(ctx, {
			status: 403,
			body: {
				received: true,
				started: false,
				reason: `${signature.reason} callback: only tasks created by Kling (CometAPI) → Create Video with this URL start this workflow`,
			},
		});
	}
	const scope = `${ctx.getWorkflow().id}/${ctx.getNode().id}/${hint.taskId}`;
	if (unknownTasks.has(scope)) return ignore('unknown task');

	// A signed URL names the task's kind; an unsigned callback does not, so each kind is tried.
	const kinds = signature.ok ? [signature.kind] : TASK_KINDS;
	const read = await reads.checkClaim(
		scope,
		async () => {
			const deadline = Date.now() + READ_MS;
			let read: Read | undefined;
			for (const kind of kinds) {
				const path = `${taskPath(kind)}/${encodeURIComponent(hint.taskId)}`;
				read = { answer: await klingRequest(ctx, { method: 'GET', path, taskId: hint.taskId }, { deadline }), kind };
				if (read.answer.ok || !isTaskNotFound(read.answer.failure)) break;
			}
			return read!;
		},
		// A claim is borne out when the task has the claimed status (a final one when none was claimed).
		(read) =>
			!read.answer.ok ||
			(hint.status ? read.answer.data.task_status === hint.status : isFinalStatus(read.answer.data.task_status)),
	);
	// The same claim was refuted moments ago: no read now; a genuine sender calls again.
	if (!read)
		return respond(ctx, { status: 503, body: { received: true, started: false, reason: 'not confirmed yet' } });
	const { answer, kind: taskKind } = read;
	if (!answer.ok) {
		if (isTransientRead(answer.failure)) {
			return respond(ctx, { status: 503, body: { received: true, started: false, reason: 'could not read the task' } });
		}
		// CometAPI does not know this task for this credential: a spoof, or another account's task.
		unknownTasks.add(scope);
		ctx.logger.info(redactor.text(`Kling (CometAPI) Trigger: ignored a callback for unknown task ${hint.taskId}`));
		return ignore('unknown task');
	}
	const task: KlingTask = { ...answer.data, task_id: hint.taskId, task_kind: taskKind };
	if (typeof task.task_status !== 'string' || !wanted(events, task.task_status)) return ignore('status not wanted');

	const key = `${task.task_id}:${task.task_status}`;
	const emitted = emittedStore(ctx);
	if (emitted[key] || !recentlyEmitted.claim(`${ctx.getWorkflow().id}/${ctx.getNode().id}/${key}`)) {
		return ignore('already started a workflow for this');
	}
	emitted[key] = Date.now();
	const keys = Object.keys(emitted);
	for (const old of keys.slice(0, Math.max(0, keys.length - EMITTED_KEPT))) delete emitted[old];
	const url = firstVideoUrl(task);
	const json = redactor.deep(url ? { ...task, video_url: url } : task) as IDataObject;
	return { webhookResponse: { received: true, started: true }, workflowData: [[{ json }]] };
}
