/**
 * A real browser on the editor that `npm run dev` sets up: each operation shows the right
 * parameters, and a run started with "Execute workflow" shows the task ids in the browser console
 * and n8n's hints over the output (current release); the node panel's search finds both nodes
 * (every tested release).
 * Writes nothing to docs/: the README's screenshots come from `npm run screenshots`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Editor } from '../../tools/editor';
import { openEditor } from '../../tools/editor';
import { startDevEnvironment, type DevEnvironment } from '../../tools/n8n/dev-environment';
import { N8N_VERSIONS, TESTED_N8N_VERSIONS } from '../../tools/n8n/provision';

/**
 * The dev environment of one n8n release with a signed-in browser on it, for a describe block.
 * Without the examples, a workflow holding only a Manual Trigger is created through n8n's API.
 */
function editorOn(version: string, examples: boolean): { editor: () => Editor; workflowWithTrigger: () => string } {
	let env: DevEnvironment;
	let editor: Editor;
	let userFolder: string;
	let workflowId = 'klingTextToVideo01';
	beforeAll(async () => {
		userFolder = mkdtempSync(path.join(tmpdir(), 'kling-editor-'));
		env = await startDevEnvironment({ userFolder, version, examples });
		if (!examples) {
			const created = await env.n8n.rest('POST', '/workflows', {
				name: 'Search',
				active: false,
				settings: {},
				connections: {},
				nodes: [
					{
						id: 'manual-1',
						name: 'Start',
						type: 'n8n-nodes-base.manualTrigger',
						typeVersion: 1,
						position: [0, 0],
						parameters: {},
					},
				],
			});
			workflowId = String(created.json?.data?.id ?? created.json?.id ?? '');
			if (!workflowId) throw new Error(`n8n ${version} did not create the workflow: ${JSON.stringify(created.json)}`);
		}
		editor = await openEditor(env.url);
	});
	afterAll(async () => {
		await editor?.close();
		await env?.stop();
		rmSync(userFolder, { recursive: true, force: true });
	});
	return { editor: () => editor, workflowWithTrigger: () => workflowId };
}

describe(`the node's panel in the n8n ${N8N_VERSIONS.current} editor (real browser)`, () => {
	const { editor } = editorOn(N8N_VERSIONS.current, true);

	it('Create Video (waiting) shows the prompt, the model and the wait settings, not Task ID', async () => {
		const labels = (await editor().openNode('klingTextToVideo01', 'Create video')).join(' | ');
		for (const label of ['Prompt', 'Model', 'Wait Mode', 'Poll Interval', 'Timeout', 'Download Video'])
			expect(labels).toContain(label);
		expect(labels).not.toContain('Task ID');
	});

	it('Get Task shows Task ID, Task Kind and no prompt', async () => {
		const labels = (await editor().openNode('klingCreateThenGet1', 'Collect video')).join(' | ');
		expect(labels).toContain('Task ID');
		expect(labels).toContain('Task Kind');
		expect(labels).toContain('Wait Mode');
		expect(labels).not.toContain('Prompt');
	});

	it('Create Video with "Return Task Immediately" hides the poll and download settings', async () => {
		const labels = (await editor().openNode('klingCreateThenGet1', 'Start video')).join(' | ');
		expect(labels).toContain('Prompt');
		expect(labels).not.toContain('Poll Interval');
		expect(labels).not.toContain('Timeout');
		expect(labels).not.toContain('Download Video');
	});

	it('Create Video from Image shows the image source and binary field, the end frame switch, and no Aspect Ratio', async () => {
		const labels = (await editor().openNode('klingImageToVideo1', 'Create video from image')).join(' | ');
		for (const label of ['Prompt', 'Model', 'Image Source', 'Image Binary Field', 'End Frame Source', 'Wait Mode'])
			expect(labels).toContain(label);
		expect(labels).not.toContain('Image URL');
		expect(labels).not.toContain('Task ID');
	});

	// What a user running by hand sees (issue 16): the task ids and status changes in the browser
	// console (the node's sendMessageToUI lines) and n8n's execution hints over the output.
	it('a manual run of "Return Task Immediately" names the task in the console and in a hint over the output', async () => {
		const seen = editor().consoleMessages.length;
		await editor().runWorkflow('klingCreateThenGet1', { until: 'done', timeoutMs: 180_000 });
		const lines = editor().consoleMessages.slice(seen);
		const created = lines.find((line) => line.includes('node "Start video": item 0 has task'));
		expect(created).toBeDefined();
		const taskId = /has task (\S+) \(submitted\)/.exec(created!)?.[1];
		expect(taskId).toBeTruthy();
		// The Get Task node after it follows the same task to the end, each status on its own line.
		expect(lines.some((line) => line.includes(`node "Collect video": item 0, task ${taskId} is succeed`))).toBe(true);

		await editor().openNodeHere('Start video');
		const hints = (await editor().outputHints()).join('\n');
		expect(hints).toContain('Still running on CometAPI, not waited for');
		expect(hints).toContain(`task ${taskId}`);
		expect(hints).toContain('Get Task');
		await editor().closeNode();
	});

	it('a manual run of "Pause Until Callback" names every task in the console and shows the pause hint while waiting', async () => {
		const seen = editor().consoleMessages.length;
		await editor().runWorkflow('klingPauseUntilCb1', { until: 'waiting', timeoutMs: 180_000 });
		const lines = editor().consoleMessages.slice(seen);
		// The example creates three videos, one task per item, then pauses.
		const taskIds = [0, 1, 2].map((item) => {
			const line = lines.find((text) => text.includes(`node "Create videos": item ${item} has task`));
			expect(line).toBeDefined();
			return /has task (\S+)/.exec(line!)![1];
		});
		expect(new Set(taskIds).size).toBe(3);
		const pausing = lines.find((line) =>
			line.includes('node "Create videos": pausing the execution until CometAPI calls back'),
		);
		expect(pausing).toBeDefined();
		for (const taskId of taskIds) expect(pausing).toContain(taskId);

		// n8n shows the node's hints while it waits, over its "Waiting for input" output.
		await editor().openNodeHere('Create videos');
		const hints = (await editor().outputHints()).join('\n');
		expect(hints).toContain('Paused until CometAPI calls back');
		for (const taskId of taskIds) expect(hints).toContain(taskId);
		await expect(
			editor().page.locator('[data-test-id="ndv"] [data-test-id="output-panel"]').innerText(),
		).resolves.toContain('Waiting for input');
		await editor().closeNode();
	});
});

// Terms a new user types; n8n leaves AI-category nodes out of search unless they are AI root nodes.
const TERMS = ['kling', 'cometapi', 'Kling (CometAPI)', 'video', 'text to video', 'image to video'];

describe.each(TESTED_N8N_VERSIONS.map((version) => [version]))(
	'the node panel search of the n8n %s editor (real browser)',
	(version) => {
		const { editor, workflowWithTrigger } = editorOn(version, false);

		it.each(TERMS)('in a workflow with a trigger, "%s" finds the node', async (term) => {
			const found = await editor().searchNodes(workflowWithTrigger(), term);
			const entry = found.find((item) => item.name === 'Kling (CometAPI)');
			expect(entry).toBeDefined();
			// The action entry describes the action node, not the Trigger (releases before 2.9 show no description).
			expect(entry!.description).not.toMatch(/^Starts the workflow/);
		});

		it.each(TERMS)('in an empty workflow (triggers), "%s" finds the Trigger', async (term) => {
			const found = await editor().searchNodes('new', term);
			expect(found.map((item) => item.name)).toContain('Kling (CometAPI)');
		});
	},
);
