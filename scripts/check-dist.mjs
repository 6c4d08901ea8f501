#!/usr/bin/env node
/**
 * What n8n's verification scanner does to the published package: lint the built dist/**\/*.js
 * with the community rules, inline eslint-disable comments ignored.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import { ESLint } from 'eslint';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(path.join(root, 'dist'))) {
	console.error('check-dist: dist/ does not exist; run npm run build first');
	process.exit(1);
}
const eslint = new ESLint({
	cwd: root,
	overrideConfigFile: true,
	allowInlineConfig: false,
	overrideConfig: [
		{
			files: ['dist/**/*.js'],
			languageOptions: { sourceType: 'commonjs', ecmaVersion: 2022 },
			plugins: { '@n8n/community-nodes': n8nCommunityNodesPlugin },
			rules: {
				'@n8n/community-nodes/no-restricted-globals': 'error',
				'@n8n/community-nodes/no-restricted-imports': 'error',
				'@n8n/community-nodes/no-dangerous-functions': 'error',
				'@n8n/community-nodes/no-deprecated-workflow-functions': 'error',
				'@n8n/community-nodes/no-hardcoded-secrets': 'error',
			},
		},
	],
});
const results = await eslint.lintFiles(['dist/**/*.js']);
const formatter = await eslint.loadFormatter('stylish');
const errors = results.reduce((n, r) => n + r.errorCount, 0);
if (errors) {
	console.error(await formatter.format(results));
	process.exit(1);
}
console.log(`check-dist: ${results.length} built files pass the verification rules (inline disables ignored)`);
