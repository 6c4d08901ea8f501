/**
 * `npm run demo [-- "your prompt"]`: the main job in one command. Runs the text-to-video example
 * in a real n8n with the packed node, and saves the video to demo-output/<task_id>.mp4.
 * `npm run demo -- --image photo.jpg ["what should happen"]` runs the image-to-video example
 * instead: n8n reads the file with Read Files From Disk and the node animates it.
 *
 * Without COMETAPI_KEY it uses the local CometAPI simulator (nothing leaves the machine);
 * with COMETAPI_KEY it calls the real CometAPI (billed), at COMETAPI_BASE_URL if set.
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

import { createSimulator } from '../tools/simulator/server';
import { N8nInstance } from '../tools/n8n/instance';
import { N8N_VERSIONS, provisionN8n } from '../tools/n8n/provision';
import { readExample, ROOT } from '../tools/paths';

const say = (line: string) => console.log(line);

/** `--image <path>` anywhere in the arguments; the rest is the prompt. */
function parseArguments(args: string[]): { prompt: string; image?: string } {
	const at = args.indexOf('--image');
	if (at < 0) return { prompt: args.join(' ').trim() };
	const image = args[at + 1];
	if (!image || image.startsWith('--')) throw new Error('--image needs a path, e.g. npm run demo -- --image photo.jpg');
	const rest = [...args.slice(0, at), ...args.slice(at + 2)];
	return { prompt: rest.join(' ').trim(), image: path.resolve(image) };
}

async function main() {
	const { prompt, image } = parseArguments(process.argv.slice(2));
	if (image && !existsSync(image)) throw new Error(`--image: no file at ${image}`);
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
		// n8n 2.x reads files only below ~/.n8n-files unless told otherwise: allow the image's folder.
		env: { N8N_LOG_LEVEL: 'debug', ...(image ? { N8N_RESTRICT_FILE_ACCESS_TO: path.dirname(image) } : {}) },
	});
	try {
		say(`Starting n8n ${version} with the node installed as a community package ...`);
		await n8n.installPackage();
		await n8n.importCredentials([
			{ id: 'cometapi-kling', name: 'CometAPI (Kling) account', type: 'cometApiKlingApi', data: credentials },
		]);
		const workflow = readExample(image ? 'image-to-video.json' : 'text-to-video.json');
		const idea = workflow.nodes.find((n: { name: string }) => n.name === (image ? 'Image and idea' : 'Video idea'));
		const fields = idea.parameters.assignments.assignments as Array<{ name: string; value: string }>;
		const field = (name: string) => fields.find((f) => f.name === name)!;
		if (prompt) field('prompt').value = prompt;
		if (image) field('imagePath').value = image;
		await n8n.importWorkflows([workflow]);
		if (image) say(`Image: ${image}`);
		say(`Prompt: "${field('prompt').value}"`);
		const createNode = image ? 'Create video from image' : 'Create video';
		const videoField = image ? 'video' : 'data';

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
		const item = result.run?.data.resultData.runData[createNode]?.[0]?.data?.main?.[0]?.[0];
		const binary = item?.binary?.[videoField];
		if (!result.ok || !item || !binary) {
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
		copyFileSync(n8n.binaryPath(binary.id), target);
		say(`Done in ${elapsed()}: task ${taskId} ${item.json.task_status}.`);
		say(`Video URL: ${item.json.video_url}`);
		say(`Saved ${statSync(target).size} bytes (${binary.mimeType}) to ${path.relative(process.cwd(), target)}`);
	} finally {
		n8n.cleanup();
		await sim?.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
