/**
 * Part of `npm run bench`: "Wait Until Done" (polling) vs "Pause Until Callback" in a real n8n
 * server (the current release), N items against the simulator: status reads per task, n8n's
 * memory while the tasks run, and whether the execution holds n8n (running) or waits in the
 * database. Both runs in one n8n, one after the other, so the ratios compare like with like.
 */
import { freePort, N8nInstance } from '../tools/n8n/instance';
import { N8N_VERSIONS, provisionN8n } from '../tools/n8n/provision';
import { klingWorkflow } from '../tools/n8n/workflows';
import type { Simulator } from '../tools/simulator/server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CREDENTIAL = { id: 'bench-cometapi', name: 'CometAPI (bench)' };

function workflow(id: string, items: number, taskMs: number, kling: Record<string, unknown>) {
	return klingWorkflow({
		id,
		trigger: { kind: 'manual' },
		code: `return Array.from({ length: ${items} }, (_, i) => ({ json: { prompt: 'bench clip ' + i + ' [sim:ms=${taskMs}]' } }));`,
		codeName: 'Prompts',
		kling: { operation: 'create', prompt: '={{ $json.prompt }}', ...kling },
		klingName: 'Create video',
		credential: CREDENTIAL,
	});
}

export interface WaitModeResult {
	mode: string;
	seconds: number;
	readsPerTask: number;
	/** n8n's RSS while the tasks ran, above its idle RSS (MB): median and peak of 4 samples a second. */
	rssMedianMb: number;
	rssPeakMb: number;
	/** The execution's status while the tasks ran. */
	statusWhileWaiting: string;
}

export async function benchWaitModes(
	sim: Simulator,
	options: { items: number; taskMs: number; pollIntervalS: number },
): Promise<WaitModeResult[]> {
	const n8n = new N8nInstance(await provisionN8n(N8N_VERSIONS.current));
	// Warms n8n up (module loading, the Code node's sandbox, first connections) so neither mode pays for it.
	const warmUps = [
		workflow('benchWarmPoll0001', 2, 500, { waitMode: 'poll', pollInterval: 0.5, timeout: 5 }),
		workflow('benchWarmPause001', 2, 500, { waitMode: 'callback', timeout: 5 }),
	];
	const flows = {
		poll: workflow('benchPollMode0001', options.items, options.taskMs, {
			waitMode: 'poll',
			pollInterval: options.pollIntervalS,
			timeout: 30,
		}),
		callback: workflow('benchPauseMode001', options.items, options.taskMs, { waitMode: 'callback', timeout: 30 }),
	};
	try {
		await n8n.installPackage();
		await n8n.importCredentials([
			{ ...CREDENTIAL, type: 'cometApiKlingApi', data: { apiKey: sim.apiKey, baseUrl: sim.url } },
		]);
		await n8n.importWorkflows([...warmUps, ...Object.values(flows)]);
		await n8n.start(await freePort());
		await n8n.setupOwnerAndLogin();
		for (const warmUp of warmUps) {
			await n8n.waitForExecution(await n8n.runManually(warmUp.id, 'Start'), ['success'], 60_000);
		}
		await sleep(3000);
		const results: WaitModeResult[] = [];
		for (const [mode, flow] of Object.entries(flows)) {
			sim.reset();
			const idle = n8n.rssKb() ?? 0;
			const started = Date.now();
			const id = await n8n.runManually(flow.id, 'Start');
			const samples: number[] = [];
			let statusWhileWaiting = '';
			for (;;) {
				const execution = await n8n.execution(id);
				if (['success', 'error', 'crashed', 'canceled'].includes(execution.status)) {
					if (execution.status !== 'success') throw new Error(`${mode} run ended ${execution.status}`);
					break;
				}
				const tasks = [...sim.tasks.values()];
				if (tasks.length === options.items && tasks.every((t) => t.status === 'processing')) {
					statusWhileWaiting = execution.status;
					samples.push(((n8n.rssKb() ?? idle) - idle) / 1024);
				}
				await sleep(250);
			}
			const reads = sim.requestsOf('read').length;
			samples.sort((a, b) => a - b);
			results.push({
				mode: mode === 'poll' ? 'Wait Until Done' : 'Pause Until Callback',
				seconds: (Date.now() - started) / 1000,
				readsPerTask: reads / options.items,
				rssMedianMb: Math.round(samples[Math.floor(samples.length / 2)] ?? 0),
				rssPeakMb: Math.round(samples[samples.length - 1] ?? 0),
				statusWhileWaiting,
			});
		}
		return results;
	} finally {
		await n8n.stop();
		n8n.cleanup();
	}
}

const signed = (mb: number) => (mb >= 0 ? `+${mb}` : `${mb}`);

/** Prints the comparison; true when pause mode met its goals (read budget, execution waiting). */
export function describeWaitModes(
	results: WaitModeResult[],
	options: { items: number; taskMs: number; pollIntervalS: number },
) {
	const [poll, pause] = results;
	console.log(
		`\nWait modes in real n8n ${N8N_VERSIONS.current}: ${options.items} items, tasks of ${options.taskMs / 1000} s, polling every ${options.pollIntervalS} s`,
	);
	for (const r of results) {
		console.log(
			`  ${r.mode.padEnd(22)} ${r.seconds.toFixed(1).padStart(6)} s   status reads per task ${r.readsPerTask.toFixed(2).padStart(5)}   n8n RSS while tasks run ${signed(r.rssMedianMb)} MB (peak ${signed(r.rssPeakMb)} MB)   execution "${r.statusWhileWaiting}"`,
		);
	}
	const budget = 3 + Math.log(options.items);
	console.log(
		`  pause mode reads ${(pause.readsPerTask / poll.readsPerTask).toFixed(2)} x the reads of polling (budget 3 + ln N = ${budget.toFixed(2)} per task)`,
	);
	return pause.readsPerTask <= budget && pause.statusWhileWaiting === 'waiting';
}
