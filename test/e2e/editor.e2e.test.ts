/**
 * A real browser (Debian's chromium, driven by playwright-core; no browser download) on the
 * editor that `npm run dev` sets up: each operation shows the right parameters. Screenshots of
 * the node panel go to docs/ and are used in the README.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { startDevEnvironment, type DevEnvironment } from '../../tools/n8n/dev-environment';
import { OWNER } from '../../tools/n8n/instance';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DOCS = path.resolve(__dirname, '..', '..', 'docs');

describe('the node in the n8n editor (real browser)', () => {
	let env: DevEnvironment;
	let browser: Browser;
	let page: Page;
	let userFolder: string;

	beforeAll(async () => {
		if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (CI does this in .ci/run)`);
		userFolder = mkdtempSync(path.join(tmpdir(), 'kling-editor-'));
		env = await startDevEnvironment({ userFolder });
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
		page = await context.newPage();
		// Sign in through the form, as a person would: the owner exists, so there is no sign-up.
		await page.goto(`${env.url}/signin`);
		await page.locator('[data-test-id="emailOrLdapLoginId"] input').fill(OWNER.email);
		await page.locator('[data-test-id="password"] input').fill(OWNER.password);
		await page.locator('[data-test-id="form-submit-button"]').click();
		await page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: 60_000 });
		mkdirSync(DOCS, { recursive: true });
	});

	afterAll(async () => {
		await browser?.close();
		await env?.stop();
		rmSync(userFolder, { recursive: true, force: true });
	});

	/** Opens a workflow, double-clicks a node, and returns the labels its panel shows. */
	async function openNode(workflowId: string, nodeName: string): Promise<string[]> {
		await page.goto(`${env.url}/workflow/${workflowId}`);
		const node = page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName}"]`);
		await node.waitFor({ timeout: 60_000 });
		await node.dblclick();
		const panel = page.locator('[data-test-id="ndv"]');
		await panel.waitFor();
		await panel.locator('.parameter-item').first().waitFor();
		// Let the collapsed option lists and hints settle before reading and taking a picture.
		await page.waitForTimeout(500);
		// Each parameter row starts with its label.
		const rows = await panel.locator('.parameter-item').allInnerTexts();
		return rows.map((row) => row.split('\n')[0].trim()).filter(Boolean);
	}

	it('Create Video (waiting) shows the prompt, the model and the wait settings, not Task ID', async () => {
		const labels = (await openNode('klingTextToVideo01', 'Create video')).join(' | ');
		for (const label of ['Prompt', 'Model', 'Wait Mode', 'Poll Interval', 'Timeout', 'Download Video']) expect(labels).toContain(label);
		expect(labels).not.toContain('Task ID');
		await page.screenshot({ path: path.join(DOCS, 'create-video-panel.png') });
	});

	it('Get Task shows Task ID and no prompt', async () => {
		const labels = (await openNode('klingCreateThenGet1', 'Collect video')).join(' | ');
		expect(labels).toContain('Task ID');
		expect(labels).toContain('Wait Mode');
		expect(labels).not.toContain('Prompt');
		await page.screenshot({ path: path.join(DOCS, 'get-task-panel.png') });
	});

	it('Create Video with "Return Task Immediately" hides the poll and download settings', async () => {
		const labels = (await openNode('klingCreateThenGet1', 'Start video')).join(' | ');
		expect(labels).toContain('Prompt');
		expect(labels).not.toContain('Poll Interval');
		expect(labels).not.toContain('Timeout');
		expect(labels).not.toContain('Download Video');
		await page.screenshot({ path: path.join(DOCS, 'create-no-wait-panel.png') });
	});
});
