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
});
