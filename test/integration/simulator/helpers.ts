/**
 * The simulator on loopback, spoken to over raw HTTP (node's fetch): no node, no n8n. For the
 * tests of the task kinds in tools/simulator/kinds/. Everything a test checks of a file (PNG,
 * MP3, WAV, MP4 headers) is parsed here, independently of the simulator's own media.js.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import type { Simulator, SimulatorOptions } from '../../../tools/simulator/server';
import { createSimulator } from '../../../tools/simulator/server';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;

const DEFAULTS: SimulatorOptions = {
	submittedMs: 60,
	taskMs: 300,
	omniReadShape: 'standard',
	lipSyncReadPath: 'advanced-lip-sync',
	ttsMode: 'immediate',
};

/** One simulator per test file, reset (tasks, log, faults and every option) between tests. */
export function useSim(options: SimulatorOptions = {}) {
	const handle = {} as { sim: Simulator; initial: Simulator['config'] };
	beforeAll(async () => {
		handle.sim = await createSimulator({ ...DEFAULTS, ...options });
		handle.initial = structuredClone(handle.sim.config);
	});
	afterEach(() => {
		handle.sim.reset();
		Object.assign(handle.sim.config, structuredClone(handle.initial));
	});
	afterAll(async () => {
		await handle.sim.close();
	});
	return handle;
}

export interface Answer {
	status: number;
	headers: Headers;
	text: string;
	body: Json;
}

async function answer(response: Response): Promise<Answer> {
	const text = await response.text();
	let body: Json;
	try {
		body = JSON.parse(text);
	} catch {
		body = undefined;
	}
	return { status: response.status, headers: response.headers, text, body };
}

/** POST /kling/v1/<path> with the key. */
export async function post(sim: Simulator, apiPath: string, body: unknown): Promise<Answer> {
	return answer(
		await fetch(`${sim.url}/kling/v1/${apiPath}`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${sim.apiKey}`, 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		}),
	);
}

/** GET /kling/v1/<path> with the key. */
export async function get(sim: Simulator, apiPath: string): Promise<Answer> {
	return answer(await fetch(`${sim.url}/kling/v1/${apiPath}`, { headers: { Authorization: `Bearer ${sim.apiKey}` } }));
}

/** POST /__sim/<path> (the control API). */
export async function control(sim: Simulator, controlPath: string, body: unknown): Promise<Answer> {
	return answer(
		await fetch(`${sim.url}/__sim/${controlPath}`, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		}),
	);
}

/** Creates a task and insists on a 200 with a task id. */
export async function createOk(sim: Simulator, apiPath: string, body: unknown): Promise<string> {
	const created = await post(sim, apiPath, body);
	if (created.status !== 200 || !created.body?.data?.task_id)
		throw new Error(`create ${apiPath} answered ${created.status} ${created.text}`);
	return created.body.data.task_id;
}

/** Reads `<readPath>/<id>` every 25 ms until the task is final (standard envelope); the last answer. */
export async function readUntilFinal(sim: Simulator, readPath: string, id: string, ms = 5000): Promise<Answer> {
	const end = Date.now() + ms;
	for (;;) {
		const read = await get(sim, `${readPath}/${id}`);
		if (read.status !== 200) throw new Error(`read ${readPath}/${id} answered ${read.status} ${read.text}`);
		const status = read.body.data.task_status;
		if (status === 'succeed' || status === 'failed') return read;
		if (Date.now() > end) throw new Error(`task ${id} still ${status}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

/** The refusal a create must get: exact HTTP status, Kling code and message. */
export async function expectRefusal(
	sim: Simulator,
	apiPath: string,
	body: unknown,
	message: string | RegExp,
	{ status = 400, code = 1201 }: { status?: number; code?: number } = {},
): Promise<void> {
	const refused = await post(sim, apiPath, body);
	expect({ status: refused.status, code: refused.body?.code }).toEqual({ status, code });
	if (typeof message === 'string') expect(refused.body.message).toBe(message);
	else expect(refused.body.message).toMatch(message);
}

export async function download(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
	const response = await fetch(url);
	return {
		status: response.status,
		type: response.headers.get('content-type'),
		bytes: Buffer.from(await response.arrayBuffer()),
	};
}

export const fixture = (name: string) => readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'images', name));
export const base64 = (name: string) => fixture(name).toString('base64');

/** A PNG's IHDR size, or undefined when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } | undefined {
	const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
	if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature) || bytes.toString('latin1', 12, 16) !== 'IHDR')
		return undefined;
	return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** An MP4 starts with an ftyp box. */
export const isMp4 = (bytes: Buffer) => bytes.length > 12 && bytes.toString('latin1', 4, 8) === 'ftyp';

/** An MPEG audio frame sync (11 bits set) with layer III, or an ID3 tag. */
export const isMp3 = (bytes: Buffer) =>
	bytes.toString('latin1', 0, 3) === 'ID3' ||
	(bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0 && ((bytes[1] >> 1) & 3) === 1);

/** A RIFF/WAVE file's length in seconds (data size over byte rate), or undefined. */
export function wavSeconds(bytes: Buffer): number | undefined {
	if (bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE') return undefined;
	return bytes.readUInt32LE(40) / bytes.readUInt32LE(28);
}

/** A silent 8 kHz 8-bit mono WAV of `seconds`, for sound_file. */
export function makeWav(seconds: number): Buffer {
	const size = Math.round(seconds * 8000);
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(36 + size, 4);
	header.write('WAVEfmt ', 8, 'latin1');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20);
	header.writeUInt16LE(1, 22);
	header.writeUInt32LE(8000, 24);
	header.writeUInt32LE(8000, 28);
	header.writeUInt16LE(1, 32);
	header.writeUInt16LE(8, 34);
	header.write('data', 36, 'latin1');
	header.writeUInt32LE(size, 40);
	return Buffer.concat([header, Buffer.alloc(size, 0x80)]);
}

/** Makes a finished text2video task and returns its video id (v-<task_id>). */
export async function madeVideo(sim: Simulator, body: Json = {}): Promise<{ taskId: string; videoId: string }> {
	const taskId = await createOk(sim, 'videos/text2video', { prompt: 'A lighthouse at dusk', ...body });
	const done = await readUntilFinal(sim, 'videos/text2video', taskId);
	return { taskId, videoId: done.body.data.task_result.videos[0].id };
}

/** A loopback receiver for callbacks: every body posted to it, in arrival order. */
export async function callbackReceiver(): Promise<{ url: string; bodies: Json[]; close: () => Promise<void> }> {
	const bodies: Json[] = [];
	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
			res.writeHead(200).end();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/hook`,
		bodies,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}

/** Waits (polling every 20 ms, at most `ms`) until `condition` holds. */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
	const end = Date.now() + ms;
	while (!condition()) {
		if (Date.now() > end) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}
