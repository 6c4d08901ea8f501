/**
 * Image to video in real n8n (current and oldest supported), through `n8n execute`: the shipped
 * example reads an image file with n8n's Read Files From Disk node and turns it into a video;
 * Get Task picks the task's kind from the create's output; a bad image is refused before any request.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { ExecuteResult } from '../../tools/n8n/instance';
import { N8nInstance } from '../../tools/n8n/instance';
import { N8N_VERSIONS, provisionN8n } from '../../tools/n8n/provision';
import { readExample } from '../../tools/paths';
import type { Simulator } from '../../tools/simulator/server';
import { createSimulator } from '../../tools/simulator/server';

const video = readFileSync(path.join(__dirname, '..', '..', 'tools', 'simulator', 'sample.mp4'));
const IMAGES = path.join(__dirname, '..', 'fixtures', 'images');
const sha256 = (buffer: Buffer) => createHash('sha256').update(buffer).digest('hex');

type Workflow = Record<string, any>;
const node = (wf: Workflow, name: string) => wf.nodes.find((n: Workflow) => n.name === name);

/** The example as shipped, reading `image` from the fixtures folder. */
function example(id: string, image: string, change: (wf: Workflow) => void = () => {}): Workflow {
	const wf = structuredClone(readExample('image-to-video.json'));
	wf.id = id;
	wf.name = `${wf.name} (${id})`;
	node(wf, 'Image and idea').parameters.assignments.assignments[0].value = path.join(IMAGES, image);
	change(wf);
	return wf;
}

const workflows = {
	shipped: example('klingImageToVideo1', 'product.jpg'),
	createThenGet: example('e2eImageThenGet001', 'commented.jpg', (wf) => {
		node(wf, 'Create video from image').parameters.waitMode = 'none';
		wf.nodes.push({
			id: 'b2c3d4e5-0000-4000-8000-0000000000aa',
			name: 'Collect video',
			type: 'n8n-nodes-cometapi-kling.klingCometApi',
			typeVersion: 1,
			position: [880, 0],
			parameters: {
				resource: 'video',
				operation: 'get',
				taskId: '={{ $json.task_id }}',
				waitMode: 'poll',
				pollInterval: 1,
			},
			credentials: node(wf, 'Create video from image').credentials,
		});
		wf.connections['Create video from image'] = { main: [[{ node: 'Collect video', type: 'main', index: 0 }]] };
	}),
	tooSmall: example('e2eImageTooSmall01', 'too-small.png'),
	// Two images, paused until CometAPI's callbacks say both videos are done.
	paused: example('e2eImagePaused0001', 'product.jpg', (wf) => {
		const source = node(wf, 'Image and idea');
		source.type = 'n8n-nodes-base.code';
		source.typeVersion = 2;
		source.parameters = {
			jsCode: `return [['product.jpg', 'turns [sim:ms=2500]'], ['commented.jpg', 'waves [sim:ms=4000]']].map(([file, prompt]) => ({ json: { imagePath: ${JSON.stringify(IMAGES)} + '/' + file, prompt } }));`,
		};
		Object.assign(node(wf, 'Create video from image').parameters, { waitMode: 'callback', timeout: 10 });
	}),
};

function outputItems(result: ExecuteResult, name: string): Array<Record<string, any>> {
	return result.run?.data.resultData.runData[name]?.[0]?.data?.main?.[0] ?? [];
}

describe.each([
	['current', N8N_VERSIONS.current],
	['oldest supported', N8N_VERSIONS.oldest],
])('image to video in n8n %s (%s)', (_label, version) => {
	let sim: Simulator;
	let n8n: N8nInstance;

	beforeAll(async () => {
		sim = await createSimulator({ taskMs: 3000, submittedMs: 500 });
		// n8n 2.x reads files only below ~/.n8n-files unless told otherwise.
		n8n = new N8nInstance(await provisionN8n(version), { env: { N8N_RESTRICT_FILE_ACCESS_TO: IMAGES } });
		await n8n.installPackage();
		await n8n.importCredentials([
			{
				id: 'cometapi-kling',
				name: 'CometAPI (Kling) account',
				type: 'cometApiKlingApi',
				data: { apiKey: sim.apiKey, baseUrl: sim.url },
			},
		]);
		await n8n.importWorkflows(Object.values(workflows));
	});
	afterEach(() => sim.reset());
	afterAll(async () => {
		n8n?.cleanup();
		await sim?.close();
	});

	it('the image-to-video example: image file → binary → image2video task → MP4 in "video"', async () => {
		const result = await n8n.execute('klingImageToVideo1');
		expect(result.ok).toBe(true);
		const [item] = outputItems(result, 'Create video from image');
		expect(item.json).toMatchObject({ task_status: 'succeed', task_kind: 'image2video' });
		expect(item.binary.video).toMatchObject({ mimeType: 'video/mp4', bytes: video.length });
		expect(readFileSync(n8n.binaryPath(item.binary.video.id)).equals(video)).toBe(true);
		const [create] = sim.requestsOf('create');
		expect(create.path).toBe('/kling/v1/videos/image2video');
		expect(create.body).toMatchObject({
			model_name: 'kling-v2-6',
			prompt: expect.stringMatching(/circles the product/),
		});
		expect(create.images).toEqual({
			image: {
				base64Bytes: readFileSync(path.join(IMAGES, 'product.jpg')).length,
				sha256: sha256(readFileSync(path.join(IMAGES, 'product.jpg'))),
				format: 'jpeg',
				width: 640,
				height: 360,
			},
		});
		expect(sim.requestsOf('read').every((r) => r.taskKind === 'image2video')).toBe(true);
		expect(result.stdout + result.stderr).not.toContain(sim.apiKey);
	});

	it('create without waiting, then Get Task with only {{ $json.task_id }}: reads image2video from task_kind', async () => {
		const result = await n8n.execute('e2eImageThenGet001');
		expect(result.ok).toBe(true);
		const [started] = outputItems(result, 'Create video from image');
		expect(started.json).toMatchObject({ task_status: 'submitted', task_kind: 'image2video' });
		const [collected] = outputItems(result, 'Collect video');
		expect(collected.json).toMatchObject({
			task_id: started.json.task_id,
			task_status: 'succeed',
			task_kind: 'image2video',
		});
		expect(collected.binary.data).toMatchObject({ mimeType: 'video/mp4', bytes: video.length });
		expect(sim.requestsOf('read').map((r) => r.taskKind)).not.toContain('text2video');
	});

	it('a too small image stops the run before any request, naming the field and the limit', async () => {
		const result = await n8n.execute('e2eImageTooSmall01');
		expect(result.ok).toBe(false);
		const error = result.run?.data.resultData.error;
		expect(error?.message).toMatch(
			/Image \(binary field "data", too-small\.png\) is 200×200 px; Kling needs at least 300 px/,
		);
		expect(sim.requests.filter((r) => r.kind === 'create' || r.kind === 'read')).toHaveLength(0);
	});

	describe('through the running server', () => {
		beforeAll(async () => {
			await n8n.start();
			await n8n.setupOwnerAndLogin();
		});
		afterAll(async () => {
			await n8n?.stop();
		});

		it('Pause Until Callback: two images wait in the database; the callbacks resume the node, which makes both videos', async () => {
			const id = await n8n.runManually('e2eImagePaused0001', 'When clicking ‘Execute workflow’');
			const waiting = await n8n.waitForExecution(id, ['waiting', 'error', 'success'], 30_000);
			expect(waiting.status).toBe('waiting');
			const done = await n8n.waitForExecution(id, ['success', 'error'], 60_000);
			expect(done.status).toBe('success');
			const runs = done.data.resultData.runData['Create video from image'];
			const items = runs[runs.length - 1].data.main[0];
			expect(items).toHaveLength(2);
			for (const [i, item] of items.entries()) {
				expect(item.json).toMatchObject({ task_status: 'succeed', task_kind: 'image2video' });
				expect(item.pairedItem).toMatchObject({ item: i });
				expect(readFileSync(n8n.binaryPath(item.binary.video.id)).equals(video)).toBe(true);
			}
			const creates = sim.requestsOf('create');
			expect(creates).toHaveLength(2);
			expect(creates.map((c) => (c.images!.image as { width: number }).width).sort()).toEqual([480, 640]);
			expect(sim.requestsOf('read').every((r) => r.taskKind === 'image2video')).toBe(true);
		});
	});
});
