#!/usr/bin/env node
'use strict';
// `npm run simulator [-- --port 8787 --task-ms 20000 --submitted-ms 2000]`: a local CometAPI for trying the node by hand.
const { createSimulator } = require('../tools/simulator/server');

function arg(name, fallback) {
	const index = process.argv.indexOf(`--${name}`);
	return index > 0 ? process.argv[index + 1] : fallback;
}

(async () => {
	const sim = await createSimulator({
		port: Number(arg('port', process.env.SIM_PORT || 0)),
		taskMs: Number(arg('task-ms', 15000)),
		submittedMs: Number(arg('submitted-ms', 2000)),
	});
	console.log(`CometAPI simulator listening on ${sim.url}  (videos served from ${sim.cdnUrl})`);
	console.log(`Credential: Base URL ${sim.url}, API key ${sim.apiKey}`);
	console.log(
		'Prompt directives: [sim:fail] [sim:novideo] [sim:unsafe] [sim:nobalance] [sim:ms=5000] [sim:size=1048576] [sim:expired]',
	);
	console.log(
		`Faults: curl -X POST ${sim.url}/__sim/faults -d '{"on":"read","type":"status503","times":2}'   Log: ${sim.url}/__sim/log`,
	);
	const stop = async () => {
		await sim.close();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
})();
