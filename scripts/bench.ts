/**
 * `npm run bench`: how long N videos take and what it costs, against the simulator, in n8n's
 * in-process engine. Ratios within one run, because these machines are shared and noisy.
 *
 * Then "Wait Until Done" vs "Pause Until Callback" in a real n8n server (skip with --skip-n8n).
 *
 *   --items 20 --task-ms 3000 --interval 1 --video-mb 500 --wait-task-ms 30000 --wait-interval 5
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { removeEngineStorage, runKlingNode } from '../tools/engine';
import { createSimulator } from '../tools/simulator/server';
import { benchWaitModes, describeWaitModes } from './bench-wait-modes';

const arg = (name: string, fallback: number) => {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ITEMS = arg('items', 20);
const TASK_MS = arg('task-ms', 3000);
const INTERVAL_S = arg('interval', 1);
const VIDEO_MB = arg('video-mb', 500);
const WAIT_TASK_MS = arg('wait-task-ms', 30_000);
const WAIT_INTERVAL_S = arg('wait-interval', 5);
const SKIP_N8N = process.argv.includes('--skip-n8n');

interface SimProcess {
	url: string;
	apiKey: string;
	log(): Promise<{ requests: Array<{ kind: string; taskId?: string }> }>;
	reset(): Promise<void>;
	stop(): void;
}

/** The simulator runs in its own process so that its memory does not count as ours. */
function startSimulator(): Promise<SimProcess> {
	const child = spawn(
		process.execPath,
		[path.join(__dirname, 'simulator.js'), '--task-ms', String(TASK_MS), '--submitted-ms', '200'],
		{
			stdio: ['ignore', 'pipe', 'inherit'],
		},
	);
	return new Promise((resolve, reject) => {
		let out = '';
		child.stdout.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const url = /listening on (http:\/\/[\d.:]+)/.exec(out)?.[1];
			const apiKey = /API key (\S+)/.exec(out)?.[1];
			if (url && apiKey) {
				resolve({
					url,
					apiKey,
					log: async () => (await fetch(`${url}/__sim/log`)).json() as never,
					reset: async () => void (await fetch(`${url}/__sim/reset`, { method: 'POST' })),
					stop: () => child.kill('SIGTERM'),
				});
			}
		});
		child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
	});
}

function memory(field: 'VmHWM' | 'VmRSS'): number {
	const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync('/proc/self/status', 'utf8'));
	return Number(match![1]) * 1024;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main() {
	const sim = await startSimulator();
	const credentials = { apiKey: sim.apiKey, baseUrl: sim.url };
	const parameters = (extra: object = {}) => ({
		resource: 'video',
		operation: 'create',
		prompt: '={{ $json.prompt }}',
		model: 'kling-v1',
		pollInterval: INTERVAL_S,
		...extra,
	});
	const items = (n: number) => Array.from({ length: n }, (_, i) => ({ prompt: `bench clip ${i}` }));
	const timed = async (n: number) => {
		const result = await runKlingNode({ parameters: parameters(), credentials, items: items(n) });
		if (result.status !== 'success' || result.items.length !== n)
			throw new Error(`run failed: ${JSON.stringify(result.error)}`);
		return result.durationMs;
	};

	try {
		console.log(`Kling (CometAPI) benchmark: ${ITEMS} items, tasks of ${TASK_MS / 1000} s, poll every ${INTERVAL_S} s`);
		await timed(1); // warm-up: module loading, first connections

		const one = await timed(1);
		await sim.reset();
		const batch = await timed(ITEMS);
		const { requests } = await sim.log();
		const reads = new Map<string, number>();
		for (const r of requests) if (r.kind === 'read' && r.taskId) reads.set(r.taskId, (reads.get(r.taskId) ?? 0) + 1);
		const maxReads = Math.max(...reads.values());
		const readBudget = Math.ceil(TASK_MS / 1000 / INTERVAL_S) + 1;

		// What every existing video node does: one item at a time, each waiting for its video.
		let sequential = 0;
		for (let i = 0; i < ITEMS; i++) sequential += await timed(1);

		// One large video, streamed to disk by n8n's filesystem binary-data mode.
		const size = VIDEO_MB * 1024 * 1024;
		const before = memory('VmRSS');
		writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
		const big = await runKlingNode({
			parameters: parameters({ pollInterval: 0.5 }),
			credentials,
			items: [{ prompt: `large clip [sim:size=${size}] [sim:ms=500]` }],
		});
		const peakGrowth = memory('VmHWM') - before;
		const bytes = big.items[0]?.binary?.data?.bytes;
		if (bytes !== size) throw new Error(`large download returned ${bytes} bytes, expected ${size}`);

		const rows = [
			['1 item', `${(one / 1000).toFixed(2)} s`, ''],
			[
				`${ITEMS} items at once`,
				`${(batch / 1000).toFixed(2)} s`,
				`${(batch / one).toFixed(2)} x one item (goal <= 1.3)`,
			],
			[
				`${ITEMS} items one after another`,
				`${(sequential / 1000).toFixed(2)} s`,
				`${(sequential / batch).toFixed(1)} x slower than at once`,
			],
			['status reads per task', `max ${maxReads}`, `budget ceil(T/interval)+1 = ${readBudget}`],
			[
				`${VIDEO_MB} MB video download`,
				`${(big.durationMs / 1000).toFixed(2)} s`,
				`peak memory growth ${mb(peakGrowth)} MB (goal <= 64 MB)`,
			],
		];
		for (const [what, value, note] of rows) console.log(`  ${what.padEnd(30)} ${value.padStart(10)}   ${note}`);
		let ok = batch / one <= 1.3 && maxReads <= readBudget && peakGrowth <= 64 * 1024 * 1024;

		if (!SKIP_N8N) {
			// Callbacks need a simulator that can reach n8n: an in-process one (its memory is not n8n's).
			const callbackSim = await createSimulator({ submittedMs: 1000, taskMs: WAIT_TASK_MS });
			try {
				const options = { items: ITEMS, taskMs: WAIT_TASK_MS, pollIntervalS: WAIT_INTERVAL_S };
				ok = describeWaitModes(await benchWaitModes(callbackSim, options), options) && ok;
			} finally {
				await callbackSim.close();
			}
		}
		console.log(ok ? 'All goals met.' : 'Some goals were missed (see above).');
		process.exitCode = ok ? 0 : 1;
	} finally {
		sim.stop();
		removeEngineStorage();
	}
}

// `npm run bench -- --images`: the memory of large images in flight, its own script.
// eslint-disable-next-line @typescript-eslint/no-require-imports
if (process.argv.includes('--images')) require('./bench-images');
else void main();
