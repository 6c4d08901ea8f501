'use strict';
/**
 * Lets plain `node` run the project's TypeScript scripts and test helpers (benchmark, e2e tools)
 * by transpiling each .ts file on load with the TypeScript compiler already in devDependencies.
 * No type checking here: `npm test` does that.
 */
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = function compile(module, filename) {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		fileName: filename,
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2022,
			esModuleInterop: true,
			sourceMap: false,
			inlineSourceMap: true,
		},
	});
	module._compile(outputText, filename);
};
