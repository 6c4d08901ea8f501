/**
 * The n8n editor in a real browser (Debian's chromium, driven by playwright-core; no browser
 * download): sign in as the owner and open a node's panel. Used by the editor test and by
 * `npm run screenshots`.
 */
import { existsSync } from 'node:fs';

import { chromium, type Browser, type Page } from 'playwright-core';

import { OWNER } from './n8n/instance';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface Editor {
	browser: Browser;
	page: Page;
	/** Opens a workflow, double-clicks a node, and returns the labels its panel shows. */
	openNode(workflowId: string, nodeName: string): Promise<string[]>;
	/**
	 * Opens the node panel (the canvas "+" button) of a workflow ("new": an empty one, where the
	 * panel lists triggers), types `term` into its search box and returns the listed entries.
	 */
	searchNodes(workflowId: string, term: string): Promise<Array<{ name: string; description: string }>>;
	close(): Promise<void>;
}

export async function openEditor(baseUrl: string): Promise<Editor> {
	if (!existsSync(CHROMIUM))
		throw new Error(`${CHROMIUM} is missing: apt-get install chromium (CI does this in .ci/run)`);
	const browser = await chromium.launch({
		executablePath: CHROMIUM,
		args: [
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	});
	const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
	const page = await context.newPage();
	// Sign in through the form, as a person would: the owner exists, so there is no sign-up.
	await page.goto(`${baseUrl}/signin`);
	await page.locator('[data-test-id="emailOrLdapLoginId"] input').fill(OWNER.email);
	await page.locator('[data-test-id="password"] input').fill(OWNER.password);
	await page.locator('[data-test-id="form-submit-button"]').click();
	await page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: 60_000 });

	return {
		browser,
		page,
		async openNode(workflowId, nodeName) {
			await page.goto(`${baseUrl}/workflow/${workflowId}`);
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
		},
		async searchNodes(workflowId, term) {
			await page.goto(`${baseUrl}/workflow/${workflowId}`);
			await page.locator('[data-test-id="canvas-wrapper"]').waitFor({ timeout: 60_000 });
			await page.locator('[data-test-id="node-creator-plus-button"]').click();
			const search = page.locator(
				'[data-test-id="node-creator-search-bar"] input, input[data-test-id="node-creator-search-bar"]',
			);
			await search.first().fill(term);
			// The search is debounced: give the list a moment to settle.
			await page.waitForTimeout(1500);
			const items = page.locator('[data-test-id="node-creator"] [data-test-id="item-iterator-item"]');
			const found: Array<{ name: string; description: string }> = [];
			for (const item of await items.all()) {
				const names = item.locator('[data-test-id="node-creator-item-name"]');
				if (!(await names.count())) continue;
				const name = (await names.first().innerText()).trim();
				// Older editors (1.x, 2.8) show no description in search results: do not wait for one.
				const descriptions = item.locator('[data-test-id="node-creator-item-description"]');
				const description = (await descriptions.count()) ? await descriptions.first().innerText() : '';
				found.push({ name, description: description.trim() });
			}
			return found;
		},
		close: () => browser.close(),
	};
}
