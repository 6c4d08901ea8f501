import path from 'node:path';
import { readFileSync } from 'node:fs';

const root = path.resolve(__dirname, '..', '..');

describe('package.json: what n8n’s verification checks', () => {
	const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
	it('is a community node package with no runtime dependencies', () => {
		expect(pkg.name).toBe('n8n-nodes-cometapi-kling');
		expect(pkg.license).toBe('MIT');
		expect(pkg.keywords).toContain('n8n-community-node-package');
		expect(pkg.dependencies ?? {}).toEqual({});
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		expect(pkg.overrides).toBeUndefined();
		for (const script of ['prepare', 'preinstall', 'install', 'postinstall'])
			expect(pkg.scripts[script]).toBeUndefined();
		expect(pkg.n8n).toEqual({
			n8nNodesApiVersion: 1,
			strict: true,
			credentials: ['dist/credentials/CometApiKlingApi.credentials.js'],
			nodes: [
				'dist/nodes/KlingCometApi/KlingCometApi.node.js',
				'dist/nodes/KlingCometApiTrigger/KlingCometApiTrigger.node.js',
			],
		});
	});
});
