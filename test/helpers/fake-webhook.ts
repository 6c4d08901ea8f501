/**
 * A small fake IWebhookFunctions for the callback handlers (pause-mode resume and the Trigger):
 * the callback body, the paused node's input items, a scripted CometAPI, the HTTP answer, the
 * n8n-internal execution stack the resume re-enables, and workflow static data.
 */
import type { IDataObject, INodeExecutionData, IWebhookFunctions } from 'n8n-workflow';

import type { FakeOptions } from './fake-context';
import { fakeContext } from './fake-context';

export interface FakeWebhookOptions extends Pick<FakeOptions, 'api' | 'credentials' | 'nodeName'> {
	body: unknown;
	/** What `$input.all()` evaluates to (the paused node's input items). */
	input?: INodeExecutionData[];
	parameters?: IDataObject;
	staticData?: IDataObject;
	workflowId?: string;
	/** The callback URL's query parameters (where the signature travels). */
	query?: IDataObject;
	/** The path n8n received the callback on. */
	path?: string;
}

export function fakeWebhook(options: FakeWebhookOptions) {
	const base = fakeContext({ api: options.api, credentials: options.credentials, nodeName: options.nodeName });
	const answered: { status?: number; body?: unknown } = {};
	const stackNode = { name: base.ctx.getNode().name, disabled: true };
	const staticData = options.staticData ?? {};
	const ctx = {
		...base.ctx,
		getBodyData: () => options.body,
		getQueryData: () => options.query ?? {},
		getRequestObject: () => ({ originalUrl: options.path ?? '/webhook/hook-1/kling', url: options.path }),
		evaluateExpression: (expression: string) => {
			if (expression.includes('$input.all()')) return options.input ?? [];
			throw new Error(`unexpected expression ${expression}`);
		},
		getNodeParameter: (name: string, fallback?: unknown) => options.parameters?.[name] ?? fallback,
		getResponseObject: () => ({
			status(code: number) {
				answered.status = code;
				return this;
			},
			json(body: unknown) {
				answered.body = body;
				return this;
			},
		}),
		getWorkflowStaticData: () => staticData,
		getWorkflow: () => ({ id: options.workflowId ?? 'wf-1', active: true }),
		runExecutionData: { executionData: { nodeExecutionStack: [{ node: stackNode }] } },
	} as unknown as IWebhookFunctions;
	return { ...base, ctx, answered, stackNode, staticData };
}
