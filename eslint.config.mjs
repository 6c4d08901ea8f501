import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import tseslint from 'typescript-eslint';

/**
 * The rule sets of n8n's verification scanner (@n8n/scan-community-package 0.32.0, its
 * buildScanConfig): the community rules, eslint-plugin-n8n-nodes-base's community, credentials
 * and nodes rule sets with the same three rules off, and no-console; inline disables ignored.
 * `npm run scan` runs the scanner itself; this makes its findings show up in `npm run lint`.
 */
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
			'*.config.mjs',
		],
	},
	{ linterOptions: { noInlineConfig: true } },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
	},
	{
		files: ['**/*.json'],
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
	},
	n8nCommunityNodesPlugin.configs.recommended,
	{ rules: { 'no-console': 'error' } },
	{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
	{ files: ['package.json'], rules: { ...n8nNodesBase.configs.community.rules } },
	{
		files: ['**/credentials/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.credentials.rules,
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
			'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		},
	},
	{
		files: ['**/nodes/**/*.ts'],
		rules: {
			...n8nNodesBase.configs.nodes.rules,
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
			'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
		},
	},
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
