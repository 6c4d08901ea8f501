/**
 * Kling (CometAPI) Trigger: starts a workflow when a Kling task finishes. Its production URL is
 * what users paste into Create Video → Callback URL; CometAPI posts every status change there.
 *
 * A callback is only a hint: the task is read with the credential and the workflow gets what the
 * API says. Spoofed callbacks (unknown task, another account's task) start nothing, and a task's
 * status starts at most one execution per n8n instance (see `claimRecent`). The video is not downloaded here,
 * so CometAPI gets its answer within seconds whatever the file size.
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
import { isFinalStatus } from '../KlingCometApi/helpers/polling';
import { credentialSecrets, Redactor } from '../KlingCometApi/helpers/redaction';
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
	{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'kling' },
];

/**
 * Statuses emitted by this n8n instance in the last day: the guarantee against duplicates while n8n
 * runs. Static data is a best-effort backup across restarts: each webhook call loads its own copy
 * and n8n saves each execution's copy, so overlapping executions drop each other's records.
 */
const recentlyEmitted = new Map<string, number>();
const RECENT_MS = 24 * 60 * 60_000;
const RECENT_KEPT = 50_000;

/** True the first time a key is claimed within RECENT_MS in this n8n instance. */
function claimRecent(key: string, now = Date.now()): boolean {
	for (const [old, expires] of recentlyEmitted) {
		if (expires > now && recentlyEmitted.size < RECENT_KEPT) break;
		recentlyEmitted.delete(old);
	}
	if (recentlyEmitted.has(key)) return false;
	recentlyEmitted.set(key, now + RECENT_MS);
	return true;
}

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
					'Copy the Production URL above into Kling (CometAPI) → Create Video → Additional Fields → Callback URL (with Wait Mode "Return Task Immediately"), then activate this workflow. Every callback is checked by reading the task with this credential.',
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
		],
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		try {
			return await onCallback(this);
		} catch (error) {
			this.logger.warn(`Kling (CometAPI) Trigger: callback not handled: ${(error as Error).message}`);
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

	// A callback does not say which kind of task it is about: each kind is read under its own path.
	const deadline = Date.now() + READ_MS;
	let answer: Awaited<ReturnType<typeof klingRequest>> | undefined;
	let taskKind: TaskKind = TASK_KINDS[0];
	for (const kind of TASK_KINDS) {
		taskKind = kind;
		answer = await klingRequest(
			ctx,
			{ method: 'GET', path: `${taskPath(kind)}/${encodeURIComponent(hint.taskId)}`, taskId: hint.taskId },
			{ deadline },
		);
		if (answer.ok || !isTaskNotFound(answer.failure)) break;
	}
	if (!answer!.ok) {
		if (isTransientRead(answer!.failure)) {
			return respond(ctx, { status: 503, body: { received: true, started: false, reason: 'could not read the task' } });
		}
		// CometAPI does not know this task for this credential: a spoof, or another account's task.
		ctx.logger.info(redactor.text(`Kling (CometAPI) Trigger: ignored a callback for unknown task ${hint.taskId}`));
		return ignore('unknown task');
	}
	const task: KlingTask = { ...answer!.data, task_id: hint.taskId, task_kind: taskKind };
	if (typeof task.task_status !== 'string' || !wanted(events, task.task_status)) return ignore('status not wanted');

	const key = `${task.task_id}:${task.task_status}`;
	const emitted = emittedStore(ctx);
	if (emitted[key] || !claimRecent(`${ctx.getWorkflow().id}/${ctx.getNode().id}/${key}`)) {
		return ignore('already started a workflow for this');
	}
	emitted[key] = Date.now();
	const keys = Object.keys(emitted);
	for (const old of keys.slice(0, Math.max(0, keys.length - EMITTED_KEPT))) delete emitted[old];
	const url = firstVideoUrl(task);
	const json = redactor.deep(url ? { ...task, video_url: url } : task) as IDataObject;
	return { webhookResponse: { received: true, started: true }, workflowData: [[{ json }]] };
}
