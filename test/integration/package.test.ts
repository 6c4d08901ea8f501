/**
 * What `npm pack` ships (the tarball n8n's Community Nodes panel installs and the verification
 * scanner reads): the built nodes and credential with their icons and codex files, README,
 * LICENSE and package.json; no sources, tests, tools or fixtures.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { ROOT } from '../../tools/paths';

interface PackEntry {
	path: string;
	size: number;
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const packed: PackEntry[] = JSON.parse(
	execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }),
)[0].files;
const files = packed.map((entry) => entry.path).sort();

/** The built form of everything under nodes/ and credentials/: code, types, source maps, codex and catalog JSON, icons. */
const SHIPPED = /^dist\/(nodes|credentials)\/[A-Za-z0-9/._-]+\.(js|d\.ts|js\.map|json|svg)$/;

describe('npm pack', () => {
	it('ships dist/, README, LICENSE and package.json, nothing else', () => {
		const outside = files.filter((file) => !SHIPPED.test(file));
		expect(outside).toEqual(['LICENSE', 'README.md', 'package.json']);
	});

	it('ships no tests, tools, fixtures, sources or examples', () => {
		const unwanted = files.filter((file) =>
			/(^|\/)(test|tests|tools|scripts|examples|fixtures|__mocks__)\/|\.test\.|\.spec\.|\.ts$(?<!\.d\.ts)|simulator|\.mp4$|\.png$/.test(
				file,
			),
		);
		expect(unwanted).toEqual([]);
	});

	it('ships every node and credential that package.json declares, each node with its codex file', () => {
		const declared: string[] = [...manifest.n8n.nodes, ...manifest.n8n.credentials];
		expect(declared.length).toBeGreaterThanOrEqual(3);
		for (const file of declared) expect(files).toContain(file);
		for (const node of manifest.n8n.nodes as string[]) expect(files).toContain(node.replace(/\.js$/, '.json'));
	});

	it('ships every icon the nodes and the credential name, light and dark', () => {
		const icons = new Set<string>();
		for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials] as string[]) {
			const built = path.join(ROOT, file);
			expect(existsSync(built)).toBe(true);
			for (const [, icon] of readFileSync(built, 'utf8').matchAll(/['"]file:([^'"]+\.svg)['"]/g)) {
				icons.add(path.posix.normalize(path.posix.join(path.posix.dirname(file), icon)));
			}
		}
		// Each node and the credential: a light and a dark icon.
		expect(icons.size).toBeGreaterThanOrEqual(4);
		for (const icon of icons) expect(files).toContain(icon);
	});

	it('keeps the package small: no file over 200 kB', () => {
		const big = packed.filter((entry) => entry.size > 200_000).map((entry) => entry.path);
		expect(big).toEqual([]);
	});
});
