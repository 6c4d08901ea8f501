#!/usr/bin/env node
/**
 * `npm run scan`: n8n's verification scanner (@n8n/scan-community-package) on this package, both
 * of its lint legs through its own exports, unpatched: the source (package.json and
 * {nodes,credentials}/**) and the unpacked `npm pack` tarball (**\/*.js and package.json).
 * Only the provenance check is left out: it needs a published version.
 *
 * The scanner is installed once into the cache outside the repo (it pins TypeScript 7, which
 * typescript-eslint cannot use, so TypeScript 5.9 goes beside it; its lint plugin needs
 * n8n-workflow). Exit code 1 when a leg fails.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SCANNER_VERSION = '0.32.0';
/** What the scanner needs beside it: a TypeScript typescript-eslint supports, and n8n-workflow for its rules. */
const BESIDE = ['typescript@5.9.3', 'n8n-workflow@2.8.0'];
const TARBALL_PATTERNS = ['**/*.js', 'package.json'];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = process.env.KLING_N8N_CACHE ?? path.join(homedir(), '.cache', 'n8n-nodes-cometapi-kling');
const scannerDir = path.join(cache, `scanner-${SCANNER_VERSION}`);
const scannerModule = path.join(scannerDir, 'node_modules', '@n8n', 'scan-community-package', 'scanner', 'scanner.mjs');

function install() {
	if (existsSync(path.join(scannerDir, '.done')) && existsSync(scannerModule)) return;
	console.log(`scan: installing @n8n/scan-community-package@${SCANNER_VERSION} into ${scannerDir} (once, ~20 s) ...`);
	rmSync(scannerDir, { recursive: true, force: true });
	mkdirSync(scannerDir, { recursive: true });
	writeFileSync(
		path.join(scannerDir, 'package.json'),
		JSON.stringify({ name: 'n8n-scanner-host', private: true, type: 'module' }),
	);
	execFileSync(
		'npm',
		[
			'install',
			'--legacy-peer-deps',
			'--ignore-scripts',
			'--no-audit',
			'--no-fund',
			`@n8n/scan-community-package@${SCANNER_VERSION}`,
			...BESIDE,
		],
		{ cwd: scannerDir, stdio: ['ignore', 'ignore', 'inherit'] },
	);
	writeFileSync(path.join(scannerDir, '.done'), new Date().toISOString());
}

function versionOf(name) {
	const manifest = path.join(scannerDir, 'node_modules', ...name.split('/'), 'package.json');
	return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : '?';
}

/** The tarball a user installs, unpacked as n8n unpacks it. */
function unpackedTarball() {
	if (!existsSync(path.join(root, 'dist'))) throw new Error('dist/ does not exist: run npm run build first');
	const out = mkdtempSync(path.join(tmpdir(), 'kling-scan-'));
	const name = execFileSync('npm', ['pack', '--pack-destination', out, '--silent', '--ignore-scripts'], {
		cwd: root,
		encoding: 'utf8',
	})
		.trim()
		.split('\n')
		.pop();
	const dir = path.join(out, 'package');
	mkdirSync(dir);
	execFileSync('tar', ['-xzf', path.join(out, name), '-C', dir, '--strip-components=1']);
	return { dir, cleanup: () => rmSync(out, { recursive: true, force: true }) };
}

install();
const scanner = await import(pathToFileURL(scannerModule).href);
console.log(
	`scan: @n8n/scan-community-package ${versionOf('@n8n/scan-community-package')} ` +
		`(@n8n/eslint-plugin-community-nodes ${versionOf('@n8n/eslint-plugin-community-nodes')}, ` +
		`eslint-plugin-n8n-nodes-base ${versionOf('eslint-plugin-n8n-nodes-base')}, eslint ${versionOf('eslint')})`,
);

const tarball = unpackedTarball();
let failed = false;
try {
	for (const [leg, dir, patterns] of [
		['source', root, scanner.SOURCE_FILE_PATTERNS],
		['tarball', tarball.dir, TARBALL_PATTERNS],
	]) {
		// The scanner needs an absolute folder; it skips node_modules and package-lock.json itself.
		const result = await scanner.analyzePackage(path.resolve(dir), patterns);
		if (result.passed) {
			console.log(`scan: ${leg} leg passed (${patterns.join(', ')}): no errors`);
		} else {
			failed = true;
			console.error(`scan: ${leg} leg FAILED (${patterns.join(', ')}): no errors`);
			if (result.details) console.error(result.details);
		}
	}
} finally {
	tarball.cleanup();
}
if (failed) process.exit(1);
console.log('scan: both legs pass; provenance is checked by n8n once a version is published from GitHub Actions');
