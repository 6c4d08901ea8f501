/**
 * `npm run screenshots`: the node's panels in a real editor, saved to docs/ for the README.
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
