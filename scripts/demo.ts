/**
 * `npm run demo [-- "your prompt"]`: the main job in one command. Runs the text-to-video example
 * in a real n8n with the packed node, and saves the video to demo-output/<task_id>.mp4.
 *
 * Without COMETAPI_KEY it uses the local CometAPI simulator (nothing leaves the machine);
 * with COMETAPI_KEY it calls the real CometAPI (billed), at COMETAPI_BASE_URL if set.
 */
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { createSimulator } from '../tools/simulator/server';
import { N8nInstance } from '../tools/n8n/instance';
import { N8N_VERSIONS, provisionN8n } from '../tools/n8n/provision';
import { readExample, ROOT } from '../tools/paths';

const say = (line: string) => console.log(line);

async function main() {
	const prompt = process.argv.slice(2).join(' ').trim();
	const realKey = process.env.COMETAPI_KEY?.trim();
	const sim = realKey ? undefined : await createSimulator({ taskMs: 12_000, submittedMs: 3000 });
	const credentials = realKey
		? { apiKey: realKey, baseUrl: process.env.COMETAPI_BASE_URL || 'https://api.cometapi.com' }
		: { apiKey: sim!.apiKey, baseUrl: sim!.url };

	say(
		realKey
			? `Using the REAL CometAPI at ${credentials.baseUrl} (COMETAPI_KEY is set): this creates a billed Kling task.`
			: `Using the local CometAPI SIMULATOR at ${credentials.baseUrl} (set COMETAPI_KEY to use the real API).`,
	);

	const version = process.env.N8N_VERSION || N8N_VERSIONS.current;
	const n8n = new N8nInstance(await provisionN8n(version, (line) => say(`  ${line}`)), {
		env: { N8N_LOG_LEVEL: 'debug' },
	});
	try {
		say(`Starting n8n ${version} with the node installed as a community package ...`);
		await n8n.installPackage();
		await n8n.importCredentials([
			{ id: 'cometapi-kling', name: 'CometAPI (Kling) account', type: 'cometApiKlingApi', data: credentials },
		]);
		const workflow = readExample('text-to-video.json');
		const idea = workflow.nodes.find((n: { name: string }) => n.name === 'Video idea');
		if (prompt) idea.parameters.assignments.assignments[0].value = prompt;
		await n8n.importWorkflows([workflow]);
		say(`Prompt: "${idea.parameters.assignments.assignments[0].value}"`);

		const started = Date.now();
		const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
		// The node logs each status change at debug level; show those lines as they happen.
		const result = await n8n.execute(workflow.id, (line) => {
			// eslint-disable-next-line no-control-regex
			const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
			// "item 0 has task X (submitted)" at info when a task exists; "Kling task X: processing" at debug after.
			const created = /item \d+ has task (\S+)/.exec(plain);
			const status = /Kling task (\S+): (submitted|processing|succeed|failed)\b/.exec(plain);
			if (created) say(`  [${elapsed().padStart(7)}] task ${created[1]}: created`);
			else if (status) say(`  [${elapsed().padStart(7)}] task ${status[1]}: ${status[2]}`);
		});
		const item = result.run?.data.resultData.runData['Create video']?.[0]?.data?.main?.[0]?.[0];
		if (!result.ok || !item?.binary?.data) {
			const error = result.run?.data.resultData.error;
			say(`The workflow failed after ${elapsed()}: ${error?.message ?? 'see the output below'}`);
			if (error?.description) say(`  ${error.description}`);
			if (!error) say((result.stdout + result.stderr).slice(-3000));
			process.exitCode = 1;
			return;
		}
		const taskId = item.json.task_id as string;
		const outDir = path.join(ROOT, 'demo-output');
		mkdirSync(outDir, { recursive: true });
		const target = path.join(outDir, `${taskId}.mp4`);
		copyFileSync(n8n.binaryPath(item.binary.data.id), target);
		say(`Done in ${elapsed()}: task ${taskId} ${item.json.task_status}.`);
		say(`Video URL: ${item.json.video_url}`);
		say(
			`Saved ${statSync(target).size} bytes (${item.binary.data.mimeType}) to ${path.relative(process.cwd(), target)}`,
		);
	} finally {
		n8n.cleanup();
		await sim?.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
