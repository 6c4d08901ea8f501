/**
 * The contributor's n8n: the CometAPI simulator and an n8n editor on localhost with the node loaded
 * from dist/ (reloaded on every rebuild), a ready "CometAPI (local simulator)" credential, the
 * example workflows, and an owner account so the editor opens without a sign-up form.
 * Used by `npm run dev`, the editor test and `npm run screenshots`.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { readExample, ROOT } from '../paths';
import type { Simulator } from '../simulator/server';
import { createSimulator } from '../simulator/server';
import { N8nInstance } from './instance';
import { N8N_VERSIONS, provisionN8n } from './provision';

export const DEV_CREDENTIAL = { id: 'cometapi-kling', name: 'CometAPI (local simulator)' };

export interface DevEnvironment {
	n8n: N8nInstance;
	sim: Simulator;
	url: string;
	stop(): Promise<void>;
}

/** Everything but the watcher; the browser check uses this too. */
export async function startDevEnvironment(
	options: {
		port?: number;
		userFolder?: string;
		/** The n8n release to run (default: the current one). */
		version?: string;
		/**
		 * Import the credential and the example workflows (default true). Each import boots n8n's CLI
		 * once, so a check that needs neither (the node-panel search) starts faster without.
		 */
		examples?: boolean;
		log?: (line: string) => void;
		/** Each line n8n's server prints (its log at info: the node's "item 0 has task …" lines among them). */
		n8nLog?: (line: string) => void;
	} = {},
): Promise<DevEnvironment> {
	const log = options.log ?? (() => {});
	const sim = await createSimulator({
		port: Number(process.env.SIM_PORT || 0),
		taskMs: Number(process.env.SIM_TASK_MS || 15_000),
		submittedMs: 3000,
	});
	// If n8n does not come up, the simulator must not outlive the attempt (it would keep jest alive).
	let n8n: N8nInstance | undefined;
	try {
		const instance = new N8nInstance(await provisionN8n(options.version ?? N8N_VERSIONS.current, log), {
			userFolder: options.userFolder,
			customExtensions: path.join(ROOT, 'dist'),
			// Reload the node when dist/ changes.
			env: { N8N_DEV_RELOAD: 'true' },
		});
		n8n = instance;
		if (options.examples !== false) {
			await instance.importCredentials([
				{
					...DEV_CREDENTIAL,
					type: 'cometApiKlingApi',
					data: { apiKey: sim.apiKey, baseUrl: sim.url, balanceUrl: sim.quotaUrl },
				},
			]);
			const examples = readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json'));
			await instance.importWorkflows(
				examples.map((file) => {
					const wf = readExample(file);
					for (const node of wf.nodes)
						if (node.credentials?.cometApiKlingApi) node.credentials.cometApiKlingApi = DEV_CREDENTIAL;
					return wf;
				}),
			);
		}
		const url = await instance.start(options.port, options.n8nLog);
		await instance.setupOwnerAndLogin();
		return {
			n8n: instance,
			sim,
			url,
			stop: async () => {
				await instance.stop();
				await sim.close();
			},
		};
	} catch (error) {
		await n8n?.stop();
		await sim.close();
		throw error;
	}
}
