/**
 * The n8n editor in a real browser (Debian's chromium, driven by playwright-core; no browser
 * download): sign in as the owner, open a node's panel, run a workflow with the canvas's "Execute
 * workflow" button and read what the browser console and the output pane then show. Used by the
 * editor test and by `npm run screenshots`. The sign-in, node and search selectors hold on every
 * tested n8n; running a workflow, the console lines and the output hints are checked on the current one.
 */
import { existsSync } from 'node:fs';

import { chromium, type Browser, type Page } from 'playwright-core';

import { OWNER } from './n8n/instance';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where the output pane sits: `output-panel` from n8n 2.9 on, `ndv-output-panel` before. */
const OUTPUT_PANE = '[data-test-id="ndv"] :is([data-test-id="output-panel"], [data-test-id="ndv-output-panel"])';

export interface Editor {
	browser: Browser;
	page: Page;
	/**
	 * Every message the page printed to its console since it opened, as devtools shows it. A manual
	 * run's `sendMessageToUI` lines arrive as `[Node: "<name>"] <message>`.
	 */
	consoleMessages: string[];
	/** Opens a workflow, double-clicks a node, and returns the labels its panel shows. */
	openNode(workflowId: string, nodeName: string): Promise<string[]>;
	/**
	 * Double-clicks a node of the workflow already open, without loading the page again (so the
	 * last run's data stays), and returns the labels its panel shows.
	 */
	openNodeHere(nodeName: string): Promise<string[]>;
	/** Closes the node's panel, back to the canvas. */
	closeNode(): Promise<void>;
	/**
	 * Opens a workflow and runs it as a user does: a click on the canvas's "Execute workflow" button
	 * (a manual run, so the node's console lines come to this page). Resolves when the run has
	 * ended (`until: 'done'`, the default: the Stop button is gone) or when a node waits
	 * (`until: 'waiting'`: an execution paused by Pause Until Callback, as the canvas marks it).
	 */
	runWorkflow(workflowId: string, options?: { until?: 'done' | 'waiting'; timeoutMs?: number }): Promise<void>;
	/** The hints (n8n's execution hints and the node's own) over the output of the open panel. */
	outputHints(): Promise<string[]>;
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
	const consoleMessages: string[] = [];
	page.on('console', (message) => consoleMessages.push(message.text()));
	// Sign in through the form, as a person would: the owner exists, so there is no sign-up.
	await page.goto(`${baseUrl}/signin`);
	await page.locator('[data-test-id="emailOrLdapLoginId"] input').fill(OWNER.email);
	await page.locator('[data-test-id="password"] input').fill(OWNER.password);
	await page.locator('[data-test-id="form-submit-button"]').click();
	await page.waitForURL((url) => !url.pathname.includes('signin'), { timeout: 60_000 });

	const openNodeHere = async (nodeName: string): Promise<string[]> => {
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
	};

	return {
		browser,
		page,
		consoleMessages,
		openNodeHere,
		async openNode(workflowId, nodeName) {
			await page.goto(`${baseUrl}/workflow/${workflowId}`);
			return await openNodeHere(nodeName);
		},
		async closeNode() {
			await page.locator('[data-test-id="ndv-close-button"]').first().click();
			await page.locator('[data-test-id="ndv"]').waitFor({ state: 'hidden' });
		},
		async runWorkflow(workflowId, { until = 'done', timeoutMs = 120_000 } = {}) {
			await page.goto(`${baseUrl}/workflow/${workflowId}`);
			await page.locator('[data-test-id="canvas-node"]').first().waitFor({ timeout: 60_000 });
			// The button of the canvas, not the one on each trigger node ("execute-workflow-button-<name>").
			await page.locator('[data-test-id="execute-workflow-button"]').click();
			if (until === 'waiting') {
				// The canvas marks a waiting node with its CSS module's "waiting" class (n8n 1.x has no plain one).
				await page
					.locator('[data-test-id="canvas-node"] [data-test-id="canvas-default-node"][class*="waiting"]')
					.first()
					.waitFor({ timeout: timeoutMs });
				return;
			}
			// A run shows the Stop button until it ends; a run shorter than this wait may end unseen.
			const stop = page.locator('[data-test-id="stop-execution-button"]');
			await stop.waitFor({ timeout: 5000 }).catch(() => {});
			await stop.waitFor({ state: 'hidden', timeout: timeoutMs });
		},
		async outputHints() {
			const hints = page.locator(`${OUTPUT_PANE} [data-test-id="node-hint"]`);
			return (await hints.allInnerTexts()).map((text) => text.trim());
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
