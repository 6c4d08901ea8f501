import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tseslint from 'typescript-eslint';

// The Cloud-eligible rule set n8n's verification uses, on the sources and on package.json.
export default [
	{
		ignores: [
			'dist/**',
			'node_modules/**',
			'test/**',
			'tools/**',
			'scripts/**',
			'reports/**',
			'.stryker-tmp/**',
			'gulpfile.js',
			'*.config.js',
		],
	},
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
	},
	{
		files: ['package.json'],
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
	},
	n8nCommunityNodesPlugin.configs.recommended,
	{
		rules: {
			// Warnings in the recommended set are errors here: we publish what passes cleanly.
			'@n8n/community-nodes/icon-prefer-themed-variants': 'error',
			'@n8n/community-nodes/resource-operation-pattern': 'error',
			'@n8n/community-nodes/node-registration-complete': 'error',
			'@n8n/community-nodes/require-files-array': 'error',
			'@n8n/community-nodes/no-dead-files': 'error',
		},
	},
];
