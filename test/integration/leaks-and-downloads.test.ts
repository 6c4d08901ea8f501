/**
 * Findings 8–11 of the outside review (issue 16), in n8n's engine against the simulator: a key
 * echoed percent-encoded, a video served gzip-encoded, Get Task against a closed port, and the
 * message for an id no task kind knows. Each test failed before its fix.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { engineLogs, readBinary, runKlingNode } from '../../tools/engine';
import { createParams, getParams, run, until, useSimulator, visibleText } from '../helpers/setup';

const FIXTURE = path.resolve(__dirname, '../../tools/simulator/sample.mp4');
const message = (error: IDataObject | undefined) => String(error?.message ?? '');
const description = (error: IDataObject | undefined) => String(error?.description ?? '');

/** Undoes percent-encoding, nested ones too (%252D → %2D → -), so an encoded key shows as the key. */
function percentDecoded(text: string): string {
	let current = text;
	for (let round = 0; round < 4; round++) {
		const next = current.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
		if (next === current) break;
		current = next;
	}
	return current;
}

/** A loopback port with nothing listening: connections are refused. */
async function closedPort(): Promise<number> {
	const server: Server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

describe('8. a key echoed percent-encoded never leaves the node', () => {
	const ctx = useSimulator();

	it.each([false, true])(
		'a failed task echoing the key percent-encoded (Continue On Fail: %s): not in the error, its description or the output',
		async (continueOnFail) => {
			const { sim } = ctx;
			engineLogs.length = 0;
			const result = await run(sim, createParams({ prompt: 'x [sim:echokey]' }), { continueOnFail });
			const shown = continueOnFail
				? JSON.stringify(result.items.map((item) => item.json))
				: `${message(result.error)} ${description(result.error)}`;
			expect(shown).toMatch(/upstream refused Bearer \*\*\*/);
			const everything = percentDecoded(`${shown} ${visibleText(result)} ${JSON.stringify(engineLogs)}`);
			expect(everything).not.toContain(sim.apiKey);
			expect(everything).not.toContain(sim.apiKey.slice(3));
			// The echo is long: where the message was cut ("…"), not even the start of the key is left.
			expect(shown).toMatch(/\*\*\*…/);
			expect(everything).not.toContain(sim.apiKey.slice(0, 12));
		},
	);

	it("Get Task's output JSON of a task whose info echoes the key percent-encoded", async () => {
		const { sim } = ctx;
		const created = await run(sim, createParams({ prompt: 'x [sim:echokey] [sim:ms=200]', waitMode: 'none' }));
		const taskId = created.items[0].json.task_id as string;
		await until(() => sim.tasks.get(taskId)!.status === 'failed');
		const result = await run(sim, getParams(taskId));
		expect(result.status).toBe('success');
		const output = JSON.stringify(result.items[0].json);
		expect(output).toContain('***');
		expect(percentDecoded(output)).not.toContain(sim.apiKey);
	});
});

describe('9. a video served gzip-encoded with its compressed Content-Length', () => {
	const ctx = useSimulator();

	it('Create (Wait Until Done) downloads the exact bytes of the video', async () => {
		const { sim } = ctx;
		const result = await run(sim, createParams({ prompt: 'A fox [sim:gzip]' }));
		expect(message(result.error)).toBe('');
		expect(result.status).toBe('success');
		const binary = result.items[0].binary!.data;
		expect((await readBinary(binary)).equals(readFileSync(FIXTURE))).toBe(true);
		expect(sim.requestsOf('download')).toHaveLength(1);
	});

	it('Get Task (without waiting) downloads it too', async () => {
		const { sim } = ctx;
		const created = await run(sim, createParams({ prompt: 'A fox [sim:gzip] [sim:ms=200]', waitMode: 'none' }));
		const taskId = created.items[0].json.task_id as string;
		await until(() => sim.tasks.get(taskId)!.status === 'succeed');
		const result = await run(sim, getParams(taskId));
		expect(message(result.error)).toBe('');
		expect((await readBinary(result.items[0].binary!.data)).equals(readFileSync(FIXTURE))).toBe(true);
	});

	it('a transfer cut short is still an error saying so', async () => {
		const { sim } = ctx;
		sim.fault({ on: 'download', type: 'short', times: 3 });
		const result = await run(sim, createParams({ prompt: 'A fox' }));
		expect(message(result.error)).toMatch(/Downloading the video of Kling task \S+ failed: the transfer broke off/);
	});
});

describe('10. Get Task against a closed port fails as fast as Create, naming the Base URL', () => {
	const ctx = useSimulator();

	it.each([
		['without waiting, kind unknown', {}],
		['without waiting, Task Kind text-to-video', { taskKind: 'text2video' }],
		['Wait Until Done', { waitMode: 'poll' }],
	])(
		'%s',
		async (_name, extra) => {
			const baseUrl = `http://127.0.0.1:${await closedPort()}`;
			const result = await runKlingNode({
				parameters: getParams('860733404216143937', extra),
				credentials: { apiKey: ctx.sim.apiKey, baseUrl },
			});
			const text = `${message(result.error)} ${description(result.error)}`;
			expect(text).toContain(`CometAPI could not be reached at ${baseUrl}: nothing was sent`);
			expect(text).toContain(`Check the credential's Base URL (${baseUrl})`);
			expect(result.durationMs).toBeLessThan(12_000);
		},
		// Before the fix the read was tried 8 times over about 59 s.
		20_000,
	);
});

describe('11. an id that no task kind knows', () => {
	const ctx = useSimulator();

	it.each([
		['kind unknown (every kind is tried)', {}, [], /text-to-video, image-to-video, multi-image-to-video task/],
		['Task Kind text-to-video', { taskKind: 'text2video' }, [{}], /text-to-video task/],
		['the kind of the input item', {}, [{ task_kind: 'image2video' }], /image-to-video task/],
		['Wait Until Done', { waitMode: 'poll', taskKind: 'text2video' }, [{}], /text-to-video task/],
	])('%s: one message that says so, never "may still be running"', async (_name, extra, items, kinds) => {
		const result = await run(ctx.sim, getParams('nosuchtask123', extra), items.length ? { items } : {});
		const text = `${message(result.error)} ${description(result.error)}`;
		expect(text).not.toMatch(/may still be running|Run Get Task with this id later|failed after/i);
		expect(message(result.error)).toMatch(/^CometAPI has no task with this id \(nosuchtask123\)/);
		expect(message(result.error)).toMatch(/: check the Task ID\b.* and the credential$/);
		expect(text).toMatch(kinds);
	});
});
