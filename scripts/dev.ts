/**
 * `npm run dev`: the contributor's loop. Builds and watches the node, starts the CometAPI
 * simulator and an n8n editor on localhost with the node loaded from dist/ (reloaded on every
 * rebuild), a ready "CometAPI (local simulator)" credential, the example workflows, and an owner
 * account so the editor opens without a sign-up form.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

import type { Simulator } from '../test/simulator/server';
import { createSimulator } from '../test/simulator/server';
import { N8N_VERSIONS, N8nInstance, OWNER, provisionN8n, readExample, ROOT } from './n8n-host';

export const DEV_CREDENTIAL = { id: 'cometapi-kling', name: 'CometAPI (local simulator)' };

export interface DevEnvironment {
	n8n: N8nInstance;
	sim: Simulator;
	url: string;
	stop(): Promise<void>;
}

/** Everything but the watcher; the browser check uses this too. */
export async function startDevEnvironment(
	options: { port?: number; userFolder?: string; log?: (line: string) => void } = {},
): Promise<DevEnvironment> {
	const log = options.log ?? (() => {});
	const sim = await createSimulator({
		port: Number(process.env.SIM_PORT || 0),
		taskMs: Number(process.env.SIM_TASK_MS || 15_000),
		submittedMs: 3000,
	});
	const n8n = new N8nInstance(await provisionN8n(N8N_VERSIONS.current, log), {
		userFolder: options.userFolder,
		customExtensions: path.join(ROOT, 'dist'),
		// Reload the node when dist/ changes.
		env: { N8N_DEV_RELOAD: 'true' },
	});
	await n8n.importCredentials([{ ...DEV_CREDENTIAL, type: 'cometApiKlingApi', data: { apiKey: sim.apiKey, baseUrl: sim.url } }]);
	const examples = readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json'));
	await n8n.importWorkflows(
		examples.map((file) => {
			const wf = readExample(file);
			for (const node of wf.nodes) if (node.credentials?.cometApiKlingApi) node.credentials.cometApiKlingApi = DEV_CREDENTIAL;
			return wf;
		}),
	);
	const url = await n8n.start(options.port);
	await n8n.setupOwnerAndLogin();
	return {
		n8n,
		sim,
		url,
		stop: async () => {
			await n8n.stop();
			await sim.close();
		},
	};
}

async function main() {
	const say = (line: string) => console.log(`[dev] ${line}`);
	const npx = (args: string[]): ChildProcess => spawn('npx', args, { cwd: ROOT, stdio: 'inherit' });
	say('building ...');
	await new Promise<void>((resolve, reject) =>
		spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).on('exit', (code) => (code === 0 ? resolve() : reject(new Error('build failed')))),
	);
	const watcher = npx(['tsc', '-p', 'tsconfig.json', '--watch', '--preserveWatchOutput']);
	let env: DevEnvironment;
	try {
		env = await startDevEnvironment({
			port: Number(process.env.N8N_PORT || 5678),
			userFolder: path.join(ROOT, '.n8n-dev'),
			log: say,
		});
	} catch (error) {
		watcher.kill('SIGTERM');
		throw error;
	}
	say(`CometAPI simulator: ${env.sim.url} (key ${env.sim.apiKey}); prompt directives such as [sim:fail] steer tasks`);
	say(`n8n editor:        ${env.url}`);
	say(`login:             ${OWNER.email} / ${OWNER.password}`);
	say('Credential "CometAPI (local simulator)" and the example workflows are ready. Ctrl-C stops everything.');
	const stop = async () => {
		watcher.kill('SIGTERM');
		await env.stop();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

if (require.main === module) {
	main().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}
