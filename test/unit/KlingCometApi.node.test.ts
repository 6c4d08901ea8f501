import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import type { INodeProperties } from 'n8n-workflow';
import { KlingCometApi } from '../../nodes/KlingCometApi/KlingCometApi.node';
import { KlingCometApiTrigger } from '../../nodes/KlingCometApiTrigger/KlingCometApiTrigger.node';

const root = path.resolve(__dirname, '..', '..');
const { description } = new KlingCometApi();

/** The properties the editor shows for an operation, given some parameter values. */
function visible(values: Record<string, unknown>): INodeProperties[] {
	return description.properties.filter((p) => {
		const show = p.displayOptions?.show ?? {};
		return Object.entries(show).every(([key, allowed]) => (allowed as unknown[]).includes(values[key]));
	});
}
const names = (props: INodeProperties[]) => props.map((p) => p.name);

describe('node description: the contract with the editor and with workflows', () => {
	it('is the Kling (CometAPI) node, usable as an AI tool, with our own credential', () => {
		expect(description).toMatchObject({
			name: 'klingCometApi',
			displayName: 'Kling (CometAPI)',
			usableAsTool: true,
			credentials: [{ name: 'cometApiKlingApi', required: true }],
			icon: { light: 'file:kling.svg', dark: 'file:kling.dark.svg' },
		});
		expect(description.subtitle).toContain('$parameter["operation"]');
	});

	it('Create can pause until CometAPI calls back (Timeout up to a day, no Poll Interval); Get cannot', () => {
		const waitModes = (operation: string) =>
			visible({ resource: 'video', operation })
				.filter((p) => p.name === 'waitMode')
				.flatMap((p) => p.options!.map((o) => (o as { value: string }).value));
		expect(waitModes('create')).toEqual(['none', 'poll', 'callback']);
		expect(waitModes('get')).toEqual(['none', 'poll']);
		const paused = visible({ resource: 'video', operation: 'create', waitMode: 'callback', download: true });
		expect(names(paused)).toEqual(expect.arrayContaining(['timeout', 'download', 'binaryPropertyName']));
		expect(names(paused)).not.toContain('pollInterval');
		expect(paused.find((p) => p.name === 'timeout')!.typeOptions!.maxValue).toBe(1440);
		const polling = visible({ resource: 'video', operation: 'create', waitMode: 'poll' });
		expect(polling.find((p) => p.name === 'timeout')!.typeOptions!.maxValue).toBe(240);
		// Resumed through its own webhook at <resume URL>/<node id>, as n8n's Wait node is.
		expect(description.webhooks).toEqual([
			expect.objectContaining({ httpMethod: 'POST', path: '={{ $nodeId }}', restartWebhook: true, isFullPath: true }),
		]);
	});

	it('has a Trigger node on the same credential that listens for callbacks', () => {
		const trigger = new KlingCometApiTrigger().description;
		expect(trigger).toMatchObject({
			name: 'klingCometApiTrigger',
			group: ['trigger'],
			inputs: [],
			credentials: [{ name: 'cometApiKlingApi', required: true }],
		});
		expect(trigger.webhooks).toEqual([expect.objectContaining({ httpMethod: 'POST', path: 'kling' })]);
		const events = trigger.properties.find((p) => p.name === 'events')!;
		expect(events.options!.map((o) => (o as { value: string }).value)).toEqual([
			'finished',
			'succeed',
			'failed',
			'any',
		]);
		expect(events.default).toBe('finished');
	});

	it('offers the three Create operations and Get Task on the video resource', () => {
		const operation = description.properties.find((p) => p.name === 'operation')!;
		expect(operation.options!.map((o) => (o as { value: string }).value)).toEqual([
			'create',
			'imageToVideo',
			'multiImageToVideo',
			'get',
		]);
		expect(operation.default).toBe('create');
	});

	it('has a Video resource (the default, so workflows saved without a resource keep working) and an Account resource', () => {
		const resource = description.properties.find((p) => p.name === 'resource')!;
		expect(resource.options!.map((o) => (o as { value: string }).value)).toEqual(['account', 'video']);
		expect(resource.default).toBe('video');
		const operations = description.properties.filter((p) => p.name === 'operation');
		expect(operations.map((p) => [p.displayOptions!.show!.resource, p.default])).toEqual([
			[['video'], 'create'],
			[['account'], 'getBalance'],
		]);
		expect(operations[1].options!.map((o) => (o as { value: string }).value)).toEqual(['getBalance']);
		expect(description.subtitle).toContain('getBalance: "Get Balance"');
		const balance = visible({ resource: 'account', operation: 'getBalance' });
		expect(names(balance)).toEqual(['resource', 'operation', 'options']);
		const dates = (balance.find((p) => p.name === 'options')!.options as INodeProperties[]).map((o) => [
			o.name,
			o.type,
			o.default,
		]);
		expect(dates).toEqual([
			['startDate', 'dateTime', ''],
			['endDate', 'dateTime', ''],
		]);
		// Nothing of the Video resource shows on Account.
		expect(names(visible({ resource: 'account', operation: 'create' }))).toEqual(['resource', 'operation']);
	});

	it('every Create operation has Options → Minimum Balance (USD), off (0) by default; Get Task has none', () => {
		const options = description.properties.filter(
			(p) => p.name === 'options' && p.displayOptions?.show?.resource?.[0] === 'video',
		);
		const byOp = Object.fromEntries(
			options.map((p) => [
				p.displayOptions!.show!.operation![0],
				(p.options as INodeProperties[]).find((o) => o.name === 'minimumBalance')?.default,
			]),
		);
		expect(byOp).toEqual({ create: 0, imageToVideo: 0, multiImageToVideo: 0 });
	});

	it('Create shows prompt, model and the wait settings; Get shows taskId and no prompt', () => {
		const create = names(visible({ resource: 'video', operation: 'create', waitMode: 'poll', download: true }));
		expect(create).toEqual(
			expect.arrayContaining([
				'prompt',
				'model',
				'waitMode',
				'pollInterval',
				'timeout',
				'download',
				'binaryPropertyName',
				'additionalFields',
				'options',
			]),
		);
		expect(create).not.toContain('taskId');
		const get = names(visible({ resource: 'video', operation: 'get', waitMode: 'none', download: true }));
		expect(get).toEqual(expect.arrayContaining(['taskId', 'waitMode', 'download', 'binaryPropertyName']));
		expect(get).not.toContain('prompt');
		expect(get).not.toContain('pollInterval');
	});

	it('waits by default after Create, not after Get; "none" hides the poll settings', () => {
		const waitModes = description.properties.filter((p) => p.name === 'waitMode');
		const byOp = Object.fromEntries(waitModes.map((p) => [p.displayOptions!.show!.operation![0], p.default]));
		expect(byOp).toEqual({ create: 'poll', imageToVideo: 'poll', multiImageToVideo: 'poll', get: 'none' });
		const createNone = names(visible({ resource: 'video', operation: 'create', waitMode: 'none', download: true }));
		expect(createNone).not.toEqual(expect.arrayContaining(['pollInterval']));
		expect(createNone).not.toContain('timeout');
		expect(createNone).not.toContain('download');
	});

	it('image to video: start frame from a binary field by default, optional end frame, no aspect ratio', () => {
		const shown = names(
			visible({
				resource: 'video',
				operation: 'imageToVideo',
				waitMode: 'poll',
				download: true,
				imageSource: 'binary',
				endFrameSource: 'none',
			}),
		);
		expect(shown).toEqual(
			expect.arrayContaining(['prompt', 'model', 'imageSource', 'imageBinaryProperty', 'endFrameSource', 'waitMode']),
		);
		expect(shown).not.toContain('imageUrl');
		expect(shown).not.toContain('endFrameBinaryProperty');
		const prompt = description.properties.find(
			(p) => p.name === 'prompt' && p.displayOptions?.show?.operation?.[0] === 'imageToVideo',
		)!;
		expect(prompt.required).toBe(false);
		const withEnd = names(
			visible({ resource: 'video', operation: 'imageToVideo', imageSource: 'url', endFrameSource: 'binary' }),
		);
		expect(withEnd).toEqual(expect.arrayContaining(['imageUrl', 'endFrameBinaryProperty']));
		const fields = description.properties.find(
			(p) => p.name === 'additionalFields' && p.displayOptions?.show?.operation?.[0] === 'imageToVideo',
		)!;
		const fieldNames = (fields.options as Array<{ name: string }>).map((o) => o.name);
		expect(fieldNames).not.toContain('aspectRatio');
		expect(fieldNames).toEqual(expect.arrayContaining(['cameraControl', 'duration', 'mode', 'negativePrompt']));
		// Motion Brush: a static mask and up to 6 dynamic masks, listed with the others by label.
		expect(fieldNames).toEqual(expect.arrayContaining(['staticMask', 'dynamicMasks']));
		const labels = (fields.options as Array<{ displayName: string }>).map((o) => o.displayName);
		expect(labels).toEqual([...labels].sort((a, b) => a.localeCompare(b)));
		const dynamic = (fields.options as INodeProperties[]).find((o) => o.name === 'dynamicMasks')!;
		expect(dynamic.typeOptions).toMatchObject({ multipleValues: true, maxAllowedFields: 6 });
	});

	it('several images: a list of 2 to 4, kling-v1-6 by default; Get Task has a Task Kind, "auto" by default', () => {
		const shown = names(visible({ resource: 'video', operation: 'multiImageToVideo', waitMode: 'poll' }));
		expect(shown).toEqual(expect.arrayContaining(['prompt', 'model', 'images']));
		const images = description.properties.find((p) => p.name === 'images')!;
		expect(images.typeOptions).toMatchObject({ multipleValues: true, maxAllowedFields: 4 });
		const model = description.properties.find(
			(p) => p.name === 'model' && p.displayOptions?.show?.operation?.[0] === 'multiImageToVideo',
		)!;
		expect(model.default).toBe('kling-v1-6');
		const kind = description.properties.find((p) => p.name === 'taskKind')!;
		expect(kind.default).toBe('auto');
		expect(kind.options!.map((o) => (o as { value: string }).value)).toEqual([
			'auto',
			'text2video',
			'image2video',
			'multi-image2video',
		]);
	});

	it('has the documented defaults: 10 s interval, 20 min timeout, download into "data"', () => {
		const byName = (n: string) => description.properties.find((p) => p.name === n)!;
		expect(byName('pollInterval').default).toBe(10);
		expect(byName('timeout').default).toBe(20);
		expect(byName('download').default).toBe(true);
		expect(byName('binaryPropertyName').default).toBe('data');
	});

	it('additional fields cover the whole create body', () => {
		const fields = description.properties.find((p) => p.name === 'additionalFields')!.options as INodeProperties[];
		expect(fields.map((f) => f.name).sort()).toEqual(
			[
				'aspectRatio',
				'callbackUrl',
				'cameraControl',
				'cfgScale',
				'duration',
				'externalTaskId',
				'mode',
				'negativePrompt',
				'sound',
			].sort(),
		);
		const camera = fields.find((f) => f.name === 'cameraControl')!;
		const values = (camera.options![0] as { values: INodeProperties[] }).values;
		expect(values.map((v) => v.name)).toEqual(['type', 'horizontal', 'vertical', 'pan', 'tilt', 'roll', 'zoom']);
	});

	it('offers the known models and a free-text model name', () => {
		const model = description.properties.find((p) => p.name === 'model')!;
		const values = model.options!.map((o) => (o as { value: string }).value);
		expect(values).toEqual(expect.arrayContaining(['kling-v1', 'kling-v2-6', 'kling-v3', 'custom']));
		expect(names(visible({ resource: 'video', operation: 'create', model: 'custom' }))).toContain('customModel');
	});

	it('ships its icons and codex file next to the node', () => {
		for (const file of ['kling.svg', 'kling.dark.svg', 'KlingCometApi.node.json']) {
			expect(existsSync(path.join(root, 'nodes/KlingCometApi', file))).toBe(true);
		}
		const codex = JSON.parse(readFileSync(path.join(root, 'nodes/KlingCometApi/KlingCometApi.node.json'), 'utf8'));
		expect(codex.node).toBe('n8n-nodes-cometapi-kling.klingCometApi');
	});
});
