/** Answering a webhook call (a CometAPI callback) from `webhook()`. */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

export interface WebhookAnswer {
	status: number;
	body: IDataObject;
}

/**
 * 200 with a JSON body, or another status (503: "call again later", which senders that retry
 * will do). Never starts or resumes a workflow: callers add `workflowData` for that.
 */
export function respond(ctx: IWebhookFunctions, answer: WebhookAnswer): IWebhookResponseData {
	if (answer.status === 200) return { webhookResponse: answer.body };
	ctx.getResponseObject().status(answer.status).json(answer.body);
	return { noWebhookResponse: true };
}
