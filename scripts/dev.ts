/**
 * `npm run dev`: the contributor's loop. Builds and watches the node, and starts the simulator and
 * an n8n editor with the node (tools/n8n/dev-environment.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

import { OWNER } from '../tools/n8n/instance';
import type { DevEnvironment } from '../tools/n8n/dev-environment';
import { startDevEnvironment } from '../tools/n8n/dev-environment';
import { ROOT } from '../tools/paths';

async function main() {
	const say = (line: string) => console.log(`[dev] ${line}`);
	const npx = (args: string[]): ChildProcess => spawn('npx', args, { cwd: ROOT, stdio: 'inherit' });
	say('building ...');
	await new Promise<void>((resolve, reject) =>
		spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).on('exit', (code) =>
			code === 0 ? resolve() : reject(new Error('build failed')),
		),
	);
	const watcher = npx(['tsc', '-p', 'tsconfig.json', '--watch', '--preserveWatchOutput']);
	let env: DevEnvironment;
	try {
		env = await startDevEnvironment({
			port: Number(process.env.N8N_PORT || 5678),
			userFolder: path.join(ROOT, '.n8n-dev'),
			log: say,
			// n8n's own log at info, so the node's "item 0 has task …" and pause lines show here.
			n8nLog: (chunk) => chunk.split('\n').forEach((line) => line.trim() && console.log(`[n8n] ${line}`)),
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
