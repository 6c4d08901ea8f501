/**
 * Small workflows around one Kling node, for the suites and the benchmark that drive real n8n:
 * a trigger (manual, or a production webhook), optionally a Code node that makes the items, the
 * Kling node, and optionally a NoOp after it. Node ids derive from the workflow id.
 */
type Workflow = Record<string, any>;

export interface KlingWorkflowSpec {
	id: string;
	/** A Manual Trigger, or a Webhook node answering POST /webhook/<path> at once. */
	trigger: { kind: 'manual' } | { kind: 'webhook'; path: string };
	/** A Code node (named `codeName`) between the trigger and the Kling node. */
	code?: string;
	codeName?: string;
	/** A Read Files From Disk node (by this name) after the Code node, reading `{{ $json.imagePath }}` into `data`. */
	readFile?: string;
	/** The Kling node's parameters (resource `video` and model `kling-v1` unless given). */
	kling: Record<string, unknown>;
	klingName?: string;
	onError?: string;
	/** A NoOp node after the Kling node, by this name. */
	after?: string;
	credential: { id: string; name: string };
}

const connect = (from: string, to: string) => ({ [from]: { main: [[{ node: to, type: 'main', index: 0 }]] } });

export function klingWorkflow(spec: KlingWorkflowSpec): Workflow {
	const { id } = spec;
	const klingName = spec.klingName ?? 'Kling';
	const codeName = spec.codeName ?? 'Items';
	const trigger =
		spec.trigger.kind === 'webhook'
			? {
					id: `${id}-t`,
					name: 'Start',
					type: 'n8n-nodes-base.webhook',
					typeVersion: 2,
					position: [0, 0],
					webhookId: `${id}-hook`,
					parameters: { httpMethod: 'POST', path: spec.trigger.path, responseMode: 'onReceived' },
				}
			: {
					id: `${id}-t`,
					name: 'Start',
					type: 'n8n-nodes-base.manualTrigger',
					typeVersion: 1,
					position: [0, 0],
					parameters: {},
				};
	const nodes: Workflow[] = [trigger];
	const chain = ['Start'];
	if (spec.code !== undefined) {
		nodes.push({
			id: `${id}-c`,
			name: codeName,
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [200, 0],
			parameters: { jsCode: spec.code },
		});
		chain.push(codeName);
	}
	if (spec.readFile) {
		nodes.push({
			id: `${id}-r`,
			name: spec.readFile,
			type: 'n8n-nodes-base.readWriteFile',
			typeVersion: 1,
			position: [300, 0],
			parameters: { fileSelector: '={{ $json.imagePath }}', options: {} },
		});
		chain.push(spec.readFile);
	}
	nodes.push({
		id: `${id}-k`,
		name: klingName,
		type: 'n8n-nodes-cometapi-kling.klingCometApi',
		typeVersion: 1,
		position: [400, 0],
		parameters: { resource: 'video', model: 'kling-v1', ...spec.kling },
		credentials: { cometApiKlingApi: spec.credential },
		...(spec.onError ? { onError: spec.onError } : {}),
	});
	chain.push(klingName);
	if (spec.after) {
		nodes.push({
			id: `${id}-p`,
			name: spec.after,
			type: 'n8n-nodes-base.noOp',
			typeVersion: 1,
			position: [600, 0],
			parameters: {},
		});
		chain.push(spec.after);
	}
	const connections = Object.assign({}, ...chain.slice(1).map((to, i) => connect(chain[i], to)));
	return { id, name: id, active: false, settings: { executionOrder: 'v1' }, nodes, connections };
}

/** Code that makes one item per prompt. */
export const itemsFromPrompts = (prompts: string[]) =>
	`return ${JSON.stringify(prompts)}.map((prompt) => ({ json: { prompt } }));`;
