/**
 * A real browser on the editor that `npm run dev` sets up: each operation shows the right
 * parameters. Read-only: the README's screenshots come from `npm run screenshots`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { Editor } from '../../tools/editor';
import { openEditor } from '../../tools/editor';
import { startDevEnvironment, type DevEnvironment } from '../../tools/n8n/dev-environment';

describe('the node in the n8n editor (real browser)', () => {
	let env: DevEnvironment;
	let editor: Editor;
	let userFolder: string;

	beforeAll(async () => {
		userFolder = mkdtempSync(path.join(tmpdir(), 'kling-editor-'));
		env = await startDevEnvironment({ userFolder });
		editor = await openEditor(env.url);
	});

	afterAll(async () => {
		await editor?.close();
		await env?.stop();
		rmSync(userFolder, { recursive: true, force: true });
	});

	it('Create Video (waiting) shows the prompt, the model and the wait settings, not Task ID', async () => {
		const labels = (await editor.openNode('klingTextToVideo01', 'Create video')).join(' | ');
		for (const label of ['Prompt', 'Model', 'Wait Mode', 'Poll Interval', 'Timeout', 'Download Video'])
			expect(labels).toContain(label);
		expect(labels).not.toContain('Task ID');
	});

	it('Get Task shows Task ID and no prompt', async () => {
		const labels = (await editor.openNode('klingCreateThenGet1', 'Collect video')).join(' | ');
		expect(labels).toContain('Task ID');
		expect(labels).toContain('Wait Mode');
		expect(labels).not.toContain('Prompt');
	});

	it('Create Video with "Return Task Immediately" hides the poll and download settings', async () => {
		const labels = (await editor.openNode('klingCreateThenGet1', 'Start video')).join(' | ');
		expect(labels).toContain('Prompt');
		expect(labels).not.toContain('Poll Interval');
		expect(labels).not.toContain('Timeout');
		expect(labels).not.toContain('Download Video');
	});

	it('Create Video from Image shows the image source and binary field, the end frame switch, and no Aspect Ratio', async () => {
		const labels = (await editor.openNode('klingImageToVideo1', 'Create video from image')).join(' | ');
		for (const label of ['Prompt', 'Model', 'Image Source', 'Image Binary Field', 'End Frame Source', 'Wait Mode'])
			expect(labels).toContain(label);
		expect(labels).not.toContain('Image URL');
		expect(labels).not.toContain('Task ID');
	});

	// Terms a new user types; n8n 2.x leaves AI-category nodes out of search unless they are AI root nodes.
	const TERMS = ['kling', 'cometapi', 'Kling (CometAPI)', 'video', 'text to video', 'image to video'];

	it.each(TERMS)('the node panel of a workflow with a trigger finds the node by "%s"', async (term) => {
		const found = await editor.searchNodes('klingTextToVideo01', term);
		const entry = found.find((item) => item.name === 'Kling (CometAPI)');
		expect(entry).toBeDefined();
		// The action entry describes the action node, not the Trigger.
		expect(entry!.description).not.toMatch(/^Starts the workflow/);
	});

	it.each(TERMS)('the trigger panel of an empty workflow finds the Trigger by "%s"', async (term) => {
		const found = await editor.searchNodes('new', term);
		expect(found.map((item) => item.name)).toContain('Kling (CometAPI)');
	});

	it('Get Task shows Task Kind', async () => {
		const labels = (await editor.openNode('klingCreateThenGet1', 'Collect video')).join(' | ');
		expect(labels).toContain('Task Kind');
	});
});
