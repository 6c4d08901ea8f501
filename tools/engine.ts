/**
 * A small harness that runs the built node inside n8n's real engine (n8n-core's WorkflowExecute),
 * in-process: real parameter resolution, real HTTP helpers, real binary data on disk, real
 * continueOnFail and cancellation. n8n's own NodeTestHarness is not published, so this is ours.
 */
import 'reflect-metadata';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const STORAGE_ROOT = mkdtempSync(path.join(tmpdir(), 'kling-engine-'));
// n8n-core reads its settings from the environment when its classes are first created.
process.env.N8N_USER_FOLDER ??= STORAGE_ROOT;
process.env.N8N_BINARY_DATA_STORAGE_PATH ??= path.join(STORAGE_ROOT, 'binary');
process.env.N8N_DEFAULT_BINARY_DATA_MODE ??= 'filesystem';
process.env.N8N_DIAGNOSTICS_ENABLED = 'false';

import { Logger } from '@n8n/backend-common';
import { Container } from '@n8n/di';
import { BinaryDataService, ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
// Not exported from the package root.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SSHClientsManager } = require('n8n-core/dist/execution-engine/ssh-clients-manager');
import type {
	IBinaryData,
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IWorkflowExecuteAdditionalData,
	NodeExecutionHint,
	Workflow as WorkflowType,
} from 'n8n-workflow';
import { createDeferredPromise, createRunExecutionData, ICredentialsHelper, NodeHelpers, Workflow } from 'n8n-workflow';

// KLING_DIST: run the suite against another build (e.g. an older commit's) to show what it catches.
const DIST = process.env.KLING_DIST ?? path.resolve(__dirname, '..', 'dist');
// The shipped artefact, not the sources: what the tests pass is what users install.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { KlingCometApi } = require(path.join(DIST, 'nodes/KlingCometApi/KlingCometApi.node.js'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CometApiKlingApi } = require(path.join(DIST, 'credentials/CometApiKlingApi.credentials.js'));

export const KLING_TYPE = 'n8n-nodes-cometapi-kling.klingCometApi';
const TRIGGER_TYPE = 'n8n-nodes-base.manualTrigger';

/** The Manual Trigger, reduced to what the tests need: it emits the items it is given. */
class TestTrigger implements INodeType {
	description = {
		displayName: 'When clicking "Test workflow"',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: '',
		defaults: { name: 'Trigger' },
		inputs: [],
		outputs: ['main'],
		properties: [
			{ displayName: 'Items', name: 'items', type: 'json', default: '[{}]' },
			{ displayName: 'Files', name: 'files', type: 'json', default: '[]' },
		],
	} as unknown as INodeType['description'];

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = JSON.parse(this.getNodeParameter('items', 0) as string) as IDataObject[];
		const files = JSON.parse(this.getNodeParameter('files', 0, '[]') as string) as Array<Record<string, InputFile>>;
		return [
			await Promise.all(
				items.map(async (json, i) => {
					const binary: Record<string, IBinaryData> = {};
					// Streamed in, as Read Files From Disk does: in filesystem mode the file never sits in memory.
					for (const [property, file] of Object.entries(files[i] ?? {})) {
						binary[property] = await this.helpers.prepareBinaryData(
							createReadStream(file.path),
							file.fileName ?? path.basename(file.path),
							file.mimeType,
						);
					}
					return { json, ...(Object.keys(binary).length ? { binary } : {}), pairedItem: { item: i } };
				}),
			),
		];
	}
}

const nodeTypes: INodeTypes = {
	getByName: (type) => (type === KLING_TYPE ? new KlingCometApi() : new TestTrigger()),
	getByNameAndVersion: (type) =>
		NodeHelpers.getVersionedNodeType(type === KLING_TYPE ? new KlingCometApi() : new TestTrigger()),
	getKnownTypes: () => ({}),
};

/**
 * n8n-core ships no credentials helper; the one in n8n's repo ignores header-style credentials.
 * This one applies the credential's own `authenticate` block through n8n's expression engine.
 */
class TestCredentialsHelper extends ICredentialsHelper {
	readonly credentialType: ICredentialType = new CometApiKlingApi();

	constructor(private data: ICredentialDataDecryptedObject) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		_typeName: string,
		requestOptions: IHttpRequestOptions,
		workflow: WorkflowType,
		node: INode,
	): Promise<IHttpRequestOptions> {
		const authenticate = this.credentialType.authenticate as unknown as {
			properties: Record<string, Record<string, string>>;
		};
		const resolve = (value: string) =>
			workflow.expression.getSimpleParameterValue(
				node,
				value,
				'internal',
				{ $credentials: credentials },
				undefined,
				'',
			);
		for (const [section, entries] of Object.entries(authenticate.properties)) {
			const target = ((requestOptions as unknown as Record<string, IDataObject>)[section] ??= {});
			for (const [key, value] of Object.entries(entries)) target[key] = resolve(value) as string;
		}
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}

	getCredentialsProperties() {
		return this.credentialType.properties;
	}

	async getDecrypted(): Promise<ICredentialDataDecryptedObject> {
		return { ...this.data };
	}

	async getCredentials(_details: INodeCredentialsDetails, _type: string) {
		return { getData: () => ({ ...this.data }) } as never;
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}
}

/** Every line n8n's logger got during the tests (nodes log through it), newest last. */
export const engineLogs: Array<{ level: string; message: string }> = [];
const captureLogger = {
	error: (message: string) => engineLogs.push({ level: 'error', message }),
	warn: (message: string) => engineLogs.push({ level: 'warn', message }),
	info: (message: string) => engineLogs.push({ level: 'info', message }),
	debug: (message: string) => engineLogs.push({ level: 'debug', message }),
	scoped: () => captureLogger,
};

/** What the node sent to the editor's browser console in manual runs (n8n's sendMessageToUI), newest last. */
export const editorConsole: Array<{ source: string; messages: unknown[] }> = [];

let initialised: Promise<void> | undefined;
function initialiseEngine(): Promise<void> {
	initialised ??= (async () => {
		// Its 60 s clean-up timer would keep jest alive; nothing here uses SSH.
		Container.set(SSHClientsManager, { getClient: async () => undefined, onShutdown: () => {} } as never);
		Container.set(Logger, captureLogger as never);
		await Container.get(BinaryDataService).init();
	})();
	return initialised;
}

export function removeEngineStorage() {
	rmSync(STORAGE_ROOT, { recursive: true, force: true });
}

/** A file the trigger puts into an input item's binary field. */
export interface InputFile {
	path: string;
	fileName?: string;
	mimeType?: string;
}

export interface RunOptions {
	parameters: IDataObject;
	credentials: { apiKey: string; baseUrl: string };
	/** One input item per entry; defaults to a single empty item. */
	items?: IDataObject[];
	/** Binary fields per input item (by index), e.g. [{ data: { path: 'photo.jpg' } }]. */
	files?: Array<Record<string, InputFile>>;
	continueOnFail?: boolean;
	/** Unique per run by default, as in n8n; a resume passes the paused run's id. */
	executionId?: string;
	/** n8n's node setting "Retry On Fail": this many tries in all, none waited for. */
	retryTries?: number;
	/** Cancels the execution this many ms after it started (the editor's "Stop" button). */
	cancelAfterMs?: number;
	/** Cancels it as soon as this holds (checked every 20 ms): Stop at a stage, whatever the machine's load. */
	cancelWhen?: () => boolean;
}

export interface RunResult {
	status: IRun['status'];
	/** The Kling node's output items (main output 0), when it produced any. */
	items: INodeExecutionData[];
	/** The Kling node's error, as n8n stores it in the run data (a plain object). */
	error?: IDataObject;
	/** The hints n8n shows above the node's output (the node's execution hints). */
	hints: NodeExecutionHint[];
	run: IRun;
	durationMs: number;
}

let runs = 0;

export async function runKlingNode(options: RunOptions): Promise<RunResult> {
	await initialiseEngine();
	const executionId = options.executionId ?? `exec-${++runs}`;
	const klingNode: INode = {
		id: 'kling',
		name: 'Kling',
		type: KLING_TYPE,
		typeVersion: 1,
		position: [200, 0],
		parameters: options.parameters as INode['parameters'],
		credentials: { cometApiKlingApi: { id: '1', name: 'CometAPI (test)' } },
		...(options.continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
		...(options.retryTries ? { retryOnFail: true, maxTries: options.retryTries, waitBetweenTries: 0 } : {}),
	};
	const trigger: INode = {
		id: 'trigger',
		name: 'Trigger',
		type: TRIGGER_TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters: { items: JSON.stringify(options.items ?? [{}]), files: JSON.stringify(options.files ?? []) },
	};
	const workflow = new Workflow({
		id: 'test',
		nodes: [trigger, klingNode],
		connections: { Trigger: { main: [[{ node: 'Kling', type: 'main', index: 0 }]] } },
		nodeTypes,
		active: false,
		settings: {},
	});

	const hooks = new ExecutionLifecycleHooks('manual', executionId, {
		id: 'test',
		name: 'test',
		nodes: [],
		connections: {},
		active: false,
	} as never);
	const done = createDeferredPromise<IRun>();
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => done.resolve(fullRunData));
	const additionalData = {
		hooks,
		credentialsHelper: new TestCredentialsHelper(options.credentials),
		executionId,
		restApiUrl: 'http://127.0.0.1:1/rest',
		instanceBaseUrl: 'http://127.0.0.1:1/',
		webhookBaseUrl: 'http://127.0.0.1:1/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:1/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:1/webhook-test',
		formWaitingBaseUrl: 'http://127.0.0.1:1/form-waiting',
		currentNodeParameters: undefined,
		variables: {},
		userId: 'user-1',
		setExecutionStatus: () => {},
		sendDataToUI: (type: string, data: { source: string; messages: unknown[] }) => {
			if (type === 'sendConsoleMessage') editorConsole.push(data);
		},
		logAiEvent: () => {},
		executeWorkflow: async () => ({ data: [], executionId: '' }),
		getRunExecutionData: async () => undefined,
	} as unknown as IWorkflowExecuteAdditionalData;

	const runExecutionData = createRunExecutionData({
		executionData: { nodeExecutionStack: [{ node: trigger, data: { main: [[{ json: {} }]] }, source: null }] },
	});

	const started = Date.now();
	const execution = new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
	if (options.cancelAfterMs !== undefined) {
		const timer = setTimeout(() => execution.cancel(), options.cancelAfterMs);
		void done.promise.finally(() => clearTimeout(timer));
	}
	if (options.cancelWhen) {
		const { cancelWhen } = options;
		const timer = setInterval(() => {
			if (!cancelWhen()) return;
			clearInterval(timer);
			execution.cancel();
		}, 20);
		void done.promise.finally(() => clearInterval(timer));
	}
	await execution;
	const run = await done.promise;
	const durationMs = Date.now() - started;
	const taskData = run.data.resultData.runData.Kling?.[0];
	return {
		status: run.status,
		items: (taskData?.data?.main?.[0] ?? []) as INodeExecutionData[],
		error:
			(taskData?.error as unknown as IDataObject | undefined) ??
			(run.data.resultData.error as unknown as IDataObject | undefined),
		hints: taskData?.hints ?? [],
		run,
		durationMs,
	};
}

/** Reads a binary item back through n8n's binary data service (from disk in filesystem mode). */
export async function readBinary(binary: IBinaryData): Promise<Buffer> {
	const service = Container.get(BinaryDataService);
	if (binary.id) return await service.getAsBuffer(binary);
	return Buffer.from(binary.data, 'base64');
}
