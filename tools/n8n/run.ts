/** Running a command and printing that it is still going (installs take minutes). */
import { spawn } from 'node:child_process';

export type Log = (line: string) => void;
export const defaultLog: Log = (line) => console.log(`[n8n-host] ${line}`);

export function run(
	command: string,
	args: string[],
	options: { cwd?: string; env?: NodeJS.ProcessEnv; log?: Log; label?: string } = {},
) {
	return new Promise<void>((resolve, reject) => {
		const child = spawn(command, args, {
			cwd: options.cwd,
			env: options.env ?? process.env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let tail = '';
		const started = Date.now();
		// The first install takes minutes: say that it is still going.
		const ticker = setInterval(
			() => options.log?.(`${options.label ?? command} ... ${Math.round((Date.now() - started) / 1000)} s`),
			20_000,
		);
		const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		child.on('error', reject);
		child.on('exit', (code) => {
			clearInterval(ticker);
			if (code === 0) resolve();
			else reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${tail}`));
		});
	});
}
