/**
 * `npm run bench -- --images`: memory of Create Video from Image with large images, by *Create Requests
 * at Once*. 20 input items each hold a 9.5 MB PNG (filesystem binary mode, as n8n 2.x uses by
 * default); the simulator holds every create 1.5 s after reading it, so all allowed creates are in
 * flight together. Each setting runs in a fresh Node process in n8n's real engine; the number is
 * that process's peak RSS (kernel VmHWM) above its RSS just before the run. Ratios between the
 * settings of one run are the claim, not the absolute numbers.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ITEMS = 20;
const IMAGE_BYTES = Math.round(9.5 * 1024 * 1024);
const SETTINGS = (process.env.BENCH_SETTINGS ?? '1,5,20').split(',').map(Number);

const kb = (field: string) =>
	Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]);

async function child(concurrency: number, simUrl: string, apiKey: string, image: string) {
	const { runKlingNode } = await import('../tools/engine');
	// Warm the engine (binary storage, modules) with one small run, so the baseline includes them.
	const small = path.join(__dirname, '..', 'test', 'fixtures', 'images', 'square.png');
	const warm = { resource: 'video', operation: 'imageToVideo', model: 'kling-v2-6', waitMode: 'none' };
	await runKlingNode({
		parameters: warm,
		credentials: { apiKey, baseUrl: simUrl },
		files: [{ data: { path: small } }],
	});
	global.gc?.();
	const before = kb('VmRSS');
	const started = Date.now();
	const result = await runKlingNode({
		parameters: { ...warm, options: { createConcurrency: concurrency } },
		credentials: { apiKey, baseUrl: simUrl },
		items: Array.from({ length: ITEMS }, () => ({})),
		files: Array.from({ length: ITEMS }, () => ({ data: { path: image, mimeType: 'image/png' } })),
	});
	const peak = kb('VmHWM');
	const created = result.items.filter((item) => item.json.task_id).length;
	if (!created) console.error(JSON.stringify(result.error ?? result.items[0]?.json).slice(0, 600));
	console.log(
		JSON.stringify({
			concurrency,
			created,
			seconds: (Date.now() - started) / 1000,
			peakAboveMb: (peak - before) / 1024,
		}),
	);
}

async function main() {
	if (process.argv[2] === '--child') {
		const [, , , concurrency, simUrl, apiKey, image] = process.argv;
		await child(Number(concurrency), simUrl, apiKey, image);
		process.exit(0);
	}
	const { createSimulator } = await import('../tools/simulator/server');
	const sim = await createSimulator({ submittedMs: 100, taskMs: 60_000 });
	const dir = mkdtempSync(path.join(tmpdir(), 'kling-bench-images-'));
	const image = path.join(dir, 'big.png');
	// A 2000×1500 PNG header, then filler up to 9.5 MB: valid for every check the node and the simulator make.
	const header = Buffer.from(
		readFileSync(path.join(__dirname, '..', 'test', 'fixtures', 'images', 'square.png')).subarray(0, 33),
	);
	header.writeUInt32BE(2000, 16);
	header.writeUInt32BE(1500, 20);
	const fd = openSync(image, 'w');
	writeSync(fd, header);
	ftruncateSync(fd, IMAGE_BYTES);
	closeSync(fd);
	console.log(
		`${ITEMS} items × ${(IMAGE_BYTES / 1024 / 1024).toFixed(1)} MB PNG, creates held 1.5 s each by the simulator`,
	);
	console.log('| Create Requests at Once | tasks created | seconds | peak RSS above start (MB) |');
	console.log('|---|---|---|---|');
	const rows: Array<{ concurrency: number; peakAboveMb: number }> = [];
	try {
		for (const concurrency of SETTINGS) {
			sim.reset();
			sim.fault({ on: 'create', type: 'slow', times: 1000, delayMs: 1500 });
			// Not execFileSync: the simulator answers from this process's event loop.
			const { stdout: out } = await promisify(execFile)(
				process.execPath,
				[
					'--expose-gc',
					'-r',
					'./tools/ts-register.js',
					__filename,
					'--child',
					String(concurrency),
					sim.url,
					sim.apiKey,
					image,
				],
				{ cwd: path.join(__dirname, '..'), encoding: 'utf8', env: { ...process.env, N8N_LOG_LEVEL: 'error' } },
			);
			const row = JSON.parse(out.trim().split('\n').pop()!);
			rows.push(row);
			console.log(
				`| ${row.concurrency} | ${row.created} | ${row.seconds.toFixed(1)} | ${row.peakAboveMb.toFixed(0)} |`,
			);
		}
		const base = rows[0].peakAboveMb;
		console.log(
			`Peak above start relative to 1 at once: ${rows.map((r) => `${r.concurrency}: ${(r.peakAboveMb / base).toFixed(1)}×`).join(', ')}`,
		);
	} finally {
		await sim.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
