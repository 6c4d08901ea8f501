/** Where things are: the repository, the package name, the cache outside the repo. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const PACKAGE_NAME = 'n8n-nodes-cometapi-kling';
export const CACHE_DIR = process.env.KLING_N8N_CACHE ?? path.join(homedir(), '.cache', PACKAGE_NAME);

/** The example workflows that ship in examples/, by file name. */
export function readExample(name: string): Record<string, any> {
	return JSON.parse(readFileSync(path.join(ROOT, 'examples', name), 'utf8'));
}
