/**
 * A small fake IExecuteFunctions for unit tests of the router, the operations and the helpers:
 * parameters per item, a scripted CometAPI (and CDN), and a record of every request, log line
 * and custom-data write. One builder for every unit test, so no test re-declares a parameter map.
 * Real behaviour (n8n's engine, HTTP, binary data) is covered by test/integration.
 */
import { Readable } from 'node:stream';

import type {
	IBinaryData,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
} from 'n8n-workflow';

export const UNIT_KEY = 'sk-unit-secret-0123456789';
export const UNIT_BASE_URL = 'https://api.example.test';

export interface HttpAnswer {
	statusCode: number;
	body?: unknown;
	headers?: Record<string, string>;
}
/** An answer, a thrown error, or a request that never answers (until aborted). */
export type Scripted = HttpAnswer | Error | 'hang';

export interface RecordedRequest {
	method: string;
	url: string;
	body?: unknown;
	authenticated: boolean;
	options: IHttpRequestOptions;
	at: number;
}

export interface FakeOptions {
	/** Node parameters (dotted names such as options.createConcurrency are looked up inside). */
	parameters?: IDataObject;
	/** Per-item values of some parameters, by item index. */
	itemParameters?: Record<string, unknown[]>;
	items?: IDataObject[];
	credentials?: IDataObject;
	/** Answers to authenticated API requests, in order, or computed per request. */
	api?: Scripted[] | ((request: RecordedRequest, n: number) => Scripted | Promise<Scripted>);
	/** Answers to plain (download) requests; bodies become streams. */
	cdn?: Scripted[] | ((request: RecordedRequest, n: number) => Scripted | Promise<Scripted>);
	continueOnFail?: boolean;
	cancelSignal?: AbortSignal;
	nodeName?: string;
	/** What `$execution.resumeUrl` evaluates to (Pause Until Callback). */
	resumeUrl?: string;
	executionId?: string;
}

export const unitNode = (name = 'Kling'): INode => ({
	id: 'node-1',
	name,
	type: 'klingCometApi',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
});

function lookup(parameters: IDataObject, name: string): unknown {
	let value: unknown = parameters;
	for (const part of name.split('.'))
		value = value && typeof value === 'object' ? (value as IDataObject)[part] : undefined;
	return value;
}

function pick(script: FakeOptions['api'], request: RecordedRequest, n: number): Scripted | Promise<Scripted> {
	if (typeof script === 'function') return script(request, n);
	const list = script ?? [];
	if (!list.length) throw new Error(`fake context: no scripted answer for ${request.method} ${request.url}`);
	return list[Math.min(n - 1, list.length - 1)];
}

/** Resolves a scripted answer as n8n's helper would: full response, or throw, or wait for abort. */
async function answer(scripted: Scripted, options: IHttpRequestOptions, asStream: boolean) {
	if (scripted === 'hang') {
		return await new Promise((_, reject) => {
			const signal = options.abortSignal as AbortSignal | undefined;
			signal?.addEventListener('abort', () => reject(Object.assign(new Error('canceled'), { code: 'ERR_CANCELED' })), {
				once: true,
			});
		});
	}
	if (scripted instanceof Error) throw scripted;
	if (scripted.body instanceof Readable)
		return { statusCode: scripted.statusCode, headers: scripted.headers ?? {}, body: scripted.body };
	const body =
		scripted.body === undefined
			? ''
			: typeof scripted.body === 'string' || Buffer.isBuffer(scripted.body)
				? scripted.body
				: JSON.stringify(scripted.body);
	return {
		statusCode: scripted.statusCode,
		headers: scripted.headers ?? {},
		body: asStream ? Readable.from(Buffer.from(body as string)) : body,
	};
}

export function fakeContext(options: FakeOptions = {}) {
	const requests: RecordedRequest[] = [];
	const logs: Array<{ level: string; message: string }> = [];
	const customData: Record<string, string> = {};
	const itemCount = Math.max(
		options.items?.length ?? 1,
		...Object.values(options.itemParameters ?? {}).map((values) => values.length),
	);
	const items: INodeExecutionData[] = (options.items ?? Array.from({ length: itemCount }, () => ({}))).map((json) => ({
		json,
	}));
	const node = unitNode(options.nodeName);
	const credentials = options.credentials ?? { apiKey: UNIT_KEY, baseUrl: UNIT_BASE_URL };
	let apiCount = 0;
	let cdnCount = 0;

	const parameter = (name: string, itemIndex: number, fallback?: unknown) => {
		const perItem = options.itemParameters?.[name];
		const value = perItem ? perItem[itemIndex] : lookup(options.parameters ?? {}, name);
		return value === undefined ? fallback : value;
	};
	const record = (requestOptions: IHttpRequestOptions, authenticated: boolean): RecordedRequest => {
		const url = `${requestOptions.baseURL ?? ''}${requestOptions.url}`;
		const request = {
			method: String(requestOptions.method ?? 'GET'),
			url,
			body: requestOptions.body,
			authenticated,
			options: requestOptions,
			at: Date.now(),
		};
		requests.push(request);
		return request;
	};
	const log = (level: string) => (message: string) => logs.push({ level, message });

	const paused: Date[] = [];
	const ctx = {
		getNode: () => node,
		getExecutionId: () => options.executionId ?? 'exec-1',
		evaluateExpression: (expression: string) =>
			expression.includes('$execution.resumeUrl')
				? (options.resumeUrl ?? 'https://n8n.example.test/webhook-waiting/exec-1?signature=abc')
				: undefined,
		putExecutionToWait: async (until: Date) => {
			paused.push(until);
		},
		getInputData: () => items,
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => parameter(name, itemIndex, fallback),
		continueOnFail: () => Boolean(options.continueOnFail),
		getCredentials: async () => ({ ...credentials }),
		getExecutionCancelSignal: () => options.cancelSignal,
		getWorkflowDataProxy: () => ({
			$execution: { customData: { set: (key: string, value: string) => (customData[key] = value) } },
		}),
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
		helpers: {
			httpRequestWithAuthentication: async (_type: string, requestOptions: IHttpRequestOptions) => {
				const request = record(requestOptions, true);
				return await answer(await pick(options.api, request, ++apiCount), requestOptions, false);
			},
			httpRequest: async (requestOptions: IHttpRequestOptions) => {
				const request = record(requestOptions, false);
				return await answer(await pick(options.cdn, request, ++cdnCount), requestOptions, true);
			},
			prepareBinaryData: async (stream: Readable, fileName: string, mimeType: string): Promise<IBinaryData> => {
				const chunks: Buffer[] = [];
				for await (const chunk of stream) chunks.push(Buffer.from(chunk));
				const data = Buffer.concat(chunks);
				return { data: data.toString('base64'), fileName, mimeType, bytes: data.length };
			},
		},
	} as unknown as IExecuteFunctions;

	return {
		ctx,
		items,
		paused,
		requests,
		logs,
		customData,
		apiRequests: () => requests.filter((r) => r.authenticated),
		downloads: () => requests.filter((r) => !r.authenticated),
	};
}

/** The API's success envelope around a task. */
export const ok = (data: IDataObject, statusCode = 200): HttpAnswer => ({
	statusCode,
	body: { code: 0, message: 'SUCCEED', data },
});
export const task = (status: string, extra: IDataObject = {}): IDataObject => ({
	task_id: 't1',
	task_status: status,
	task_result:
		status === 'succeed' ? { videos: [{ id: 'v1', url: 'https://cdn.example.test/t1.mp4', duration: '5' }] } : null,
	...extra,
});
export const klingError = (statusCode: number, code: number, message = 'error'): HttpAnswer => ({
	statusCode,
	body: { code, message },
});
export const networkError = (code: string, message = code) => Object.assign(new Error(message), { code });
export const video = (bytes = 4096, headers: Record<string, string> = {}): HttpAnswer => ({
	statusCode: 200,
	body: Buffer.alloc(bytes, 1),
	headers: { 'content-type': 'video/mp4', 'content-length': String(bytes), ...headers },
});

/** Create Video parameters (not waiting unless told), shared by the router and operation tests. */
export const createParameters = (extra: Record<string, unknown> = {}): IDataObject => ({
	resource: 'video',
	operation: 'create',
	prompt: 'a fox',
	model: 'kling-v1',
	waitMode: 'none',
	...(extra as IDataObject),
});

/** The balance query's answer documented at apidoc.cometapi.com/tools/balance-api. */
export const DOCUMENTED_QUOTA = {
	username: 'example_user',
	total_quota: 2105.234088,
	total_used_quota: 21.065912,
	request_count: 1221,
	keys: [
		{ name: 'tts_test', remain_quota: 8.93872, used_quota: 2.099206 },
		{ name: 'test_key', remain_quota: 999999999, used_quota: -1 },
	],
};
export const UNIT_QUOTA_URL = 'https://quota.example.test';

/**
 * A fake context (the credential with a Balance Query URL) whose plain httpRequest, the balance
 * query, answers from `quota` in order, as text; `quotaRequests` records what was asked.
 */
export function withQuota(quota: Scripted[], options: FakeOptions = {}) {
	const fake = fakeContext({
		credentials: { apiKey: UNIT_KEY, baseUrl: UNIT_BASE_URL, balanceUrl: UNIT_QUOTA_URL },
		...options,
	});
	const seen: IHttpRequestOptions[] = [];
	(fake.ctx.helpers as unknown as IDataObject).httpRequest = async (request: IHttpRequestOptions) => {
		seen.push(request);
		const scripted = quota[Math.min(seen.length - 1, quota.length - 1)];
		if (scripted instanceof Error) throw scripted;
		if (scripted === 'hang' || !scripted) throw new Error('not scripted');
		const body = typeof scripted.body === 'string' ? scripted.body : JSON.stringify(scripted.body);
		return { statusCode: scripted.statusCode, headers: scripted.headers ?? {}, body };
	};
	return { ...fake, quotaRequests: seen };
}
