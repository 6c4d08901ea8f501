/**
 * Image to video inside n8n's real engine: binary images in (filesystem binary mode, streamed in
 * as Read Files From Disk does), videos out, for both image operations and every wait mode;
 * refusals before any billable request; Get Task finding the task under its own kind.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { PENDING_TASK_FIELD } from '../../nodes/KlingCometApi/actions/video/callback';
import { readBinary } from '../../tools/engine';
import { getParams, run, useSimulator, visibleText } from '../helpers/setup';

const video = readFileSync(path.join(__dirname, '..', '..', 'tools', 'simulator', 'sample.mp4'));
const imagePath = (name: string) => path.join(__dirname, '..', 'fixtures', 'images', name);
const sha256 = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

const imageParams = (extra: IDataObject = {}): IDataObject => ({
	resource: 'video',
	operation: 'imageToVideo',
	prompt: 'The camera slowly circles the product',
	model: 'kling-v2-6',
	pollInterval: 0.5,
	...extra,
});
const multiParams = (images: IDataObject[], extra: IDataObject = {}): IDataObject => ({
	resource: 'video',
	operation: 'multiImageToVideo',
	prompt: 'The two friends meet on the beach',
	model: 'kling-v1-6',
	pollInterval: 0.5,
	images: { image: images },
	...extra,
});

describe('Create Video from Image / from Several Images in the n8n engine', () => {
	const ctx = useSimulator();
	let server: http.Server;
	let imageUrl: string;
	let scratch: string;

	beforeAll(async () => {
		scratch = mkdtempSync(path.join(tmpdir(), 'kling-images-'));
		// Where Kling would download URL images from.
		server = http.createServer((req, res) => {
			const name = path.basename(req.url ?? '');
			try {
				const file = readFileSync(imagePath(name));
				res.writeHead(200, { 'Content-Type': name.endsWith('.png') ? 'image/png' : 'image/jpeg' }).end(file);
			} catch {
				res.writeHead(404).end();
			}
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		imageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
		rmSync(scratch, { recursive: true, force: true });
	});

	it('binary image in, video out: the file goes as base64 to image2video, the task is read there', async () => {
		const { sim } = ctx;
		const result = await run(sim, imageParams({ additionalFields: { duration: 5, negativePrompt: 'blur' } }), {
			items: [{ sku: 'A-1' }],
			files: [{ data: { path: imagePath('product.jpg'), mimeType: 'image/jpeg' } }],
		});
		expect(result.status).toBe('success');
		const [item] = result.items;
		expect(item.json).toMatchObject({ task_status: 'succeed', task_kind: 'image2video' });
		expect(item.pairedItem).toEqual({ item: 0 });
		expect((await readBinary(item.binary!.data)).equals(video)).toBe(true);

		const [create] = sim.requestsOf('create');
		expect(create.path).toBe('/kling/v1/videos/image2video');
		expect(create.body).toEqual({
			external_task_id: expect.stringMatching(/^n8n-[0-9a-f]{8}-exec\d+-kling-0-0$/),
			prompt: 'The camera slowly circles the product',
			model_name: 'kling-v2-6',
			duration: '5',
			negative_prompt: 'blur',
			image: '<image>',
		});
		expect(create.images).toEqual({
			image: {
				base64Bytes: readFileSync(imagePath('product.jpg')).length,
				sha256: sha256(readFileSync(imagePath('product.jpg'))),
				format: 'jpeg',
				width: 640,
				height: 360,
			},
		});
		const reads = sim.requestsOf('read');
		expect(reads.length).toBeGreaterThan(0);
		expect(reads.every((r) => r.path.startsWith('/kling/v1/videos/image2video/'))).toBe(true);
		expect(visibleText(result)).not.toContain(sim.apiKey);
	});

	it('start frame from a URL (Kling downloads it) and end frame from a binary field, in pro mode', async () => {
		const { sim } = ctx;
		const result = await run(
			sim,
			imageParams({
				imageSource: 'url',
				imageUrl: `${imageUrl}/square.png`,
				endFrameSource: 'binary',
				endFrameBinaryProperty: 'last',
				additionalFields: { mode: 'pro' },
			}),
			{ files: [{ last: { path: imagePath('end-frame.png'), mimeType: 'image/png' } }] },
		);
		expect(result.status).toBe('success');
		const [create] = sim.requestsOf('create');
		expect(create.body).toMatchObject({ image: `${imageUrl}/square.png`, image_tail: '<image>', mode: 'pro' });
		expect(create.images).toMatchObject({ image_tail: { format: 'png', width: 640, height: 360 } });
	});

	it('several images: three binary fields of one item → one multi-image2video task → one video', async () => {
		const { sim } = ctx;
		const result = await run(
			sim,
			multiParams(
				[
					{ source: 'binary', binaryProperty: 'a' },
					{ source: 'binary', binaryProperty: 'b' },
					{ source: 'url', url: `${imageUrl}/tall.png` },
				],
				{ additionalFields: { aspectRatio: '9:16' } },
			),
			{
				files: [{ a: { path: imagePath('product.jpg') }, b: { path: imagePath('commented.jpg') } }],
			},
		);
		expect(result.status).toBe('success');
		expect(result.items[0].json.task_kind).toBe('multi-image2video');
		expect((await readBinary(result.items[0].binary!.data)).equals(video)).toBe(true);
		const [create] = sim.requestsOf('create');
		expect(create.path).toBe('/kling/v1/videos/multi-image2video');
		expect(create.body).toMatchObject({
			model_name: 'kling-v1-6',
			aspect_ratio: '9:16',
			image_list: [{ image: '<image>' }, { image: '<image>' }, { image: `${imageUrl}/tall.png` }],
		});
		expect(create.images).toMatchObject({
			'image_list[0].image': { sha256: sha256(readFileSync(imagePath('product.jpg'))) },
			'image_list[1].image': { width: 480, height: 640 },
		});
	});

	it('"Return Task Immediately" hands on task_kind, and Get Task (Auto) reads that path only', async () => {
		const { sim } = ctx;
		const created = await run(sim, imageParams({ waitMode: 'none' }), {
			files: [{ data: { path: imagePath('product.jpg') } }],
		});
		expect(created.items[0].json).toMatchObject({ task_status: 'submitted', task_kind: 'image2video' });
		sim.requests.length = 0;
		const got = await run(sim, getParams('={{ $json.task_id }}', { waitMode: 'poll' }), {
			items: [created.items[0].json as IDataObject],
		});
		expect(got.status).toBe('success');
		expect(got.items[0].json).toMatchObject({ task_status: 'succeed', task_kind: 'image2video' });
		expect((await readBinary(got.items[0].binary!.data)).equals(video)).toBe(true);
		expect(sim.requestsOf('read').every((r) => r.path.startsWith('/kling/v1/videos/image2video/'))).toBe(true);
	});

	it('Get Task with only an id finds the task under each kind in turn; a set Task Kind reads one path', async () => {
		const { sim } = ctx;
		const created = await run(
			sim,
			multiParams([{ binaryProperty: 'a' }, { binaryProperty: 'a' }], { waitMode: 'none' }),
			{
				files: [{ a: { path: imagePath('square.png') } }],
			},
		);
		const taskId = created.items[0].json.task_id as string;
		sim.requests.length = 0;
		const got = await run(sim, getParams(taskId));
		expect(got.items[0].json).toMatchObject({ task_id: taskId, task_kind: 'multi-image2video' });
		expect(sim.requestsOf('read').map((r) => [r.taskKind, r.status])).toEqual([
			['text2video', 404],
			['image2video', 404],
			['multi-image2video', 200],
		]);
		sim.requests.length = 0;
		const wrong = await run(sim, getParams(taskId, { taskKind: 'text2video' }));
		expect(wrong.status).toBe('error');
		expect(sim.requestsOf('read')).toHaveLength(1);
		const unknown = await run(sim, getParams('nosuchtask123'));
		expect(unknown.status).toBe('error');
		expect(String(unknown.error!.description)).toMatch(
			/CometAPI knows no text-to-video, image-to-video, multi-image-to-video task nosuchtask123 for this API key/,
		);
	});

	it('Pause Until Callback: items keep their images and task_kind while waiting; the resume makes the video', async () => {
		const { sim } = ctx;
		sim.config.taskMs = 60_000;
		const paused = await run(sim, imageParams({ waitMode: 'callback', timeout: 15 }), {
			files: [{ data: { path: imagePath('product.jpg') } }],
		});
		expect(paused.status).toBe('waiting');
		const pending = paused.items[0].json[PENDING_TASK_FIELD] as IDataObject;
		expect(pending).toMatchObject({ state: 'waiting', task_kind: 'image2video' });
		expect(sim.requestsOf('read').map((r) => r.taskKind)).toEqual(['image2video']);

		// The resume: what webhook() hands back once the task is done (see test/e2e for the real route).
		sim.config.taskMs = 0;
		const done = await run(sim, imageParams({ waitMode: 'poll' }), {
			files: [{ data: { path: imagePath('product.jpg') } }],
		});
		sim.requests.length = 0;
		const resumed = await run(sim, imageParams({ waitMode: 'callback', timeout: 15 }), {
			executionId: 'exec-1',
			items: [
				{
					[PENDING_TASK_FIELD]: {
						...pending,
						state: 'finished',
						node_id: 'kling',
						execution_id: 'exec-1',
						task: done.items[0].json,
					},
				},
			],
			files: [{ data: { path: imagePath('product.jpg') } }],
		});
		expect(resumed.status).toBe('success');
		expect(sim.requestsOf('create')).toHaveLength(0);
		expect(resumed.items[0].json.task_kind).toBe('image2video');
		expect((await readBinary(resumed.items[0].binary!.data)).equals(video)).toBe(true);
	});

	it.each([
		[
			'a too small image',
			'too-small.png',
			/Image \(binary field "data", too-small\.png\) is 200×200 px; Kling needs at least 300 px/,
		],
		['a too wide image', 'too-wide.jpg', /is 1000×300 px \(aspect ratio 3\.33:1\)/],
		['a GIF', 'picture.gif', /is a GIF file; Kling accepts JPG or PNG images only/],
	])('refuses %s before any request, naming the field', async (_name, file, message) => {
		const { sim } = ctx;
		const result = await run(sim, imageParams(), { files: [{ data: { path: imagePath(file) } }] });
		expect(result.status).toBe('error');
		expect(result.error!.message).toMatch(message);
		expect(String(result.error!.description)).toMatch(/Check the parameter "imageBinaryProperty". Nothing was sent/);
		expect(sim.requests.filter((r) => r.kind !== 'other')).toHaveLength(0);
	});

	it('refuses a 60 MB image in filesystem mode from its size alone, before any request (unit: no byte of it read)', async () => {
		const { sim } = ctx;
		const big = path.join(scratch, 'huge.png');
		const fd = openSync(big, 'w');
		writeSync(fd, readFileSync(imagePath('square.png')).subarray(0, 33));
		ftruncateSync(fd, 60 * 1024 * 1024);
		closeSync(fd);
		const result = await run(sim, imageParams(), { files: [{ data: { path: big, mimeType: 'image/png' } }] });
		expect(result.status).toBe('error');
		expect(result.error!.message).toMatch(/is 60\.0 MB; Kling accepts images up to 10 MB/);
		expect(sim.requests).toHaveLength(0);
	});

	it('one bad item stops the batch before any task is created; with Continue On Fail the others run', async () => {
		const { sim } = ctx;
		const files = [{ data: { path: imagePath('product.jpg') } }, { data: { path: imagePath('too-small.png') } }];
		const strict = await run(sim, imageParams(), { items: [{}, {}], files });
		expect(strict.status).toBe('error');
		expect(sim.requestsOf('create')).toHaveLength(0);
		const lenient = await run(sim, imageParams(), { items: [{}, {}], files, continueOnFail: true });
		expect(lenient.items[0].json).toMatchObject({ task_status: 'succeed', task_kind: 'image2video' });
		expect(lenient.items[1].json).toMatchObject({ task_id: null, error: expect.stringMatching(/200×200 px/) });
		expect(sim.requestsOf('create')).toHaveLength(1);
	});

	it('rules refused before sending: a missing field, too few images, an end frame the model cannot take', async () => {
		const { sim } = ctx;
		const missing = await run(sim, imageParams({ imageBinaryProperty: 'photo' }), {
			files: [{ data: { path: imagePath('product.jpg') } }],
		});
		expect(missing.error!.message).toMatch(/the input item has no binary field "photo" \(it has "data"\)/);
		const few = await run(sim, multiParams([{ binaryProperty: 'data' }]), {
			files: [{ data: { path: imagePath('product.jpg') } }],
		});
		expect(few.error!.message).toMatch(/Kling makes a video from 2 to 4 images; 1 is set/);
		const endFrame = await run(
			sim,
			imageParams({ model: 'kling-v2-master', endFrameSource: 'binary', endFrameBinaryProperty: 'data' }),
			{ files: [{ data: { path: imagePath('product.jpg') } }] },
		);
		expect(endFrame.error!.message).toMatch(/Model kling-v2-master does not take an End Frame/);
		expect(sim.requests).toHaveLength(0);
	});

	it('Motion Brush: a static mask and two dynamic masks with trajectories go to Kling with the image', async () => {
		const { sim } = ctx;
		const result = await run(
			sim,
			imageParams({
				model: 'kling-v1',
				additionalFields: {
					duration: 5,
					staticMask: { mask: { source: 'binary', binaryProperty: 'still' } },
					dynamicMasks: {
						mask: [
							{ source: 'binary', binaryProperty: 'moving', trajectory: '10,20 300,200' },
							{
								source: 'url',
								url: `${imageUrl}/mask-1280x720.png`,
								trajectory: '[{"x":5,"y":5},{"x":6,"y":7},{"x":8,"y":9}]',
							},
						],
					},
				},
			}),
			{
				files: [
					{
						data: { path: imagePath('product.jpg') },
						still: { path: imagePath('end-frame.png') },
						moving: { path: imagePath('end-frame.png') },
					},
				],
			},
		);
		expect(result.status).toBe('success');
		const [create] = sim.requestsOf('create');
		expect(create.body).toMatchObject({
			model_name: 'kling-v1',
			static_mask: '<image>',
			dynamic_masks: [
				{
					mask: '<image>',
					trajectories: [
						{ x: 10, y: 20 },
						{ x: 300, y: 200 },
					],
				},
				{
					mask: `${imageUrl}/mask-1280x720.png`,
					trajectories: [
						{ x: 5, y: 5 },
						{ x: 6, y: 7 },
						{ x: 8, y: 9 },
					],
				},
			],
		});
		expect(create.images).toMatchObject({
			static_mask: { width: 640, height: 360 },
			'dynamic_masks[0].mask': { width: 640, height: 360 },
		});
	});

	it('Motion Brush refusals before sending: a mask of another aspect ratio or size, a point outside the image', async () => {
		const { sim } = ctx;
		const files = [
			{
				data: { path: imagePath('product.jpg') },
				square: { path: imagePath('square.png') },
				small: { path: imagePath('end-frame.png') },
				big: { path: imagePath('mask-1280x720.png') },
			},
		];
		const masks = (fields: IDataObject) =>
			run(sim, imageParams({ model: 'kling-v1', additionalFields: fields }), { files });
		const ratio = await masks({ staticMask: { mask: { binaryProperty: 'square' } } });
		expect(ratio.error!.message).toBe(
			"Static Mask is 400×400 px but the image is 640×360 px: Kling needs masks with the image's aspect ratio (same size is simplest)",
		);
		const sizes = await masks({
			staticMask: { mask: { binaryProperty: 'small' } },
			dynamicMasks: { mask: [{ binaryProperty: 'big', trajectory: '1,1 2,2' }] },
		});
		expect(sizes.error!.message).toBe(
			'Dynamic Mask 1 is 1280×720 px but Static Mask is 640×360 px: Kling needs all masks at one resolution',
		);
		const outside = await masks({ dynamicMasks: { mask: [{ binaryProperty: 'small', trajectory: '1,1 641,2' }] } });
		expect(outside.error!.message).toMatch(/point 641,2 lies outside the 640×360 px start frame/);
		expect(sim.requests).toHaveLength(0);
	});

	it("the API's own refusal of an image (a URL Kling cannot download) says no task was created", async () => {
		const { sim } = ctx;
		const result = await run(sim, imageParams({ imageSource: 'url', imageUrl: `${imageUrl}/missing.png` }));
		expect(result.status).toBe('error');
		expect(`${result.error!.message} ${result.error!.description}`).toMatch(/image could not be downloaded/);
		expect(String(result.error!.description)).toMatch(/No task was created, nothing was billed/);
	});
});
