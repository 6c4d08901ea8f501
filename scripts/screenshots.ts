/**
 * `npm run screenshots`: the node's panels in a real editor, saved to docs/ for the README, and
 * two panels after a run by hand (a task returned immediately; an execution paused until callback).
 * Needs Debian's chromium (apt-get install chromium). The only command that writes docs/*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { openEditor } from '../tools/editor';
import { startDevEnvironment } from '../tools/n8n/dev-environment';
import { ROOT } from '../tools/paths';

const SHOTS: Array<[workflowId: string, nodeName: string, file: string]> = [
	['klingTextToVideo01', 'Create video', 'create-video-panel.png'],
	['klingCreateThenGet1', 'Collect video', 'get-task-panel.png'],
	['klingCreateThenGet1', 'Start video', 'create-no-wait-panel.png'],
	['klingPauseUntilCb1', 'Create videos', 'create-pause-panel.png'],
	['klingCallbackPub01', 'Kling video finished', 'trigger-panel.png'],
	['klingImageToVideo1', 'Create video from image', 'image-to-video-panel.png'],
];

async function main() {
	const docs = path.join(ROOT, 'docs');
	mkdirSync(docs, { recursive: true });
	const userFolder = mkdtempSync(path.join(tmpdir(), 'kling-screenshots-'));
	const env = await startDevEnvironment({ userFolder, log: (line) => console.log(line) });
	const editor = await openEditor(env.url);
	try {
		for (const [workflowId, nodeName, file] of SHOTS) {
			await editor.openNode(workflowId, nodeName);
			await editor.page.screenshot({ path: path.join(docs, file) });
			console.log(`docs/${file}`);
		}
		// A run by hand, as a user starts it: the hint over the output names the task left running.
		await editor.runWorkflow('klingCreateThenGet1', { until: 'done', timeoutMs: 180_000 });
		await editor.openNodeHere('Start video');
		await editor.page.locator('[data-test-id="ndv"] [data-test-id="node-hint"]').first().waitFor();
		await editor.page.screenshot({ path: path.join(docs, 'run-return-immediately.png') });
		console.log('docs/run-return-immediately.png');
		// Pause Until Callback: the node's panel shows "Waiting for input" under the pause hint.
		await editor.runWorkflow('klingPauseUntilCb1', { until: 'waiting', timeoutMs: 180_000 });
		await editor.openNodeHere('Create videos');
		await editor.page.locator('[data-test-id="ndv"] [data-test-id="node-hint"]').first().waitFor();
		await editor.page.screenshot({ path: path.join(docs, 'run-pause-waiting.png') });
		console.log('docs/run-pause-waiting.png');
	} finally {
		await editor.close();
		await env.stop();
		rmSync(userFolder, { recursive: true, force: true });
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
