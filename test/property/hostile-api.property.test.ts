/**
 * Property-based: random parameter values and random API answer sequences (bodies, status codes,
 * shapes, delays, trickles, hangs, cut connections) through the real node in n8n's in-process
 * engine, in the modes that have a Timeout (Create and Get Task, Wait Until Done). Whatever
 * happens, the node
 *   - never shows a raw JavaScript error message,
 *   - never runs past Timeout + slack,
 *   - never reports a created task as not created (a complete 2xx create answer with a task id
 *     must be named in the outcome),
 *   - never lets the key through (raw, URL-encoded, base64, unprefixed, any of its characters
 *     percent-encoded), in output, errors or logs,
 *   - never calls a complete download cut short (a gzip, br or deflate answer whose Content-Length
 *     counts its compressed bytes is complete),
 *   - never sends anything when it refused the parameters.
 * PROPERTY_RUNS (default 240) and PROPERTY_SEED (default 20261130) change the run; cases run in
 * parallel batches (each case has its own key, so the server tells them apart).
 */
import { brotliCompressSync, brotliDecompressSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';

import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { engineLogs, readBinary, runKlingNode } from '../../tools/engine';
import type { CaseScript, HostileServer, ScriptedAnswer } from '../helpers/hostile-server';
import { startHostileServer } from '../helpers/hostile-server';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 240);
/** Downloads alone: a finished task, then random (often compressed) video answers. */
const DOWNLOAD_RUNS = Math.max(10, Math.round(RUNS / 4));
const SEED = Number(process.env.PROPERTY_SEED ?? 20261130);
const PARALLEL = 40;
const TIMEOUT_MIN = 0.03; // 1.8 s
const SLACK_MS = 4000;
const RAW_JS_ERROR =
	/Cannot read propert|is not a function|is not defined|undefined is not|\[object Object\]|\bNaN\b|Unexpected token|in JSON at position|Unexpected end of JSON|Maximum call stack|Invalid time value/;
const VALID_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

interface Case {
	index: number;
	key: string;
	operation: 'create' | 'get';
	parameters: IDataObject;
	script: CaseScript;
	continueOnFail: boolean;
}

/** Placeholders replaced per case: the key (in echoes) and the CDN link of this case. */
const KEY = '__KEY__';
const CDN = '__CDN__';
/** The key percent-encoded: every character (lower-case hex), its dashes, or with "%" encoded again. */
const KEY_PERCENT = '__KEY_PERCENT__';
const KEY_DASH = '__KEY_DASH__';
const KEY_TWICE = '__KEY_TWICE__';

const delivery = fc.constantFrom<ScriptedAnswer['delivery']>(
	'normal',
	'normal',
	'normal',
	'normal',
	'delay',
	'trickle',
	'hang',
	'reset',
);
const taskId = fc.oneof(
	{ weight: 6, arbitrary: fc.stringMatching(/^[0-9]{18}$/) },
	fc.constantFrom<unknown>('../../tmp/evil', '', '.', null, 860733404216143937, 42, KEY, 'x'.repeat(300)),
);
const status = fc.oneof(
	{ weight: 5, arbitrary: fc.constantFrom('submitted', 'processing', 'succeed', 'failed') },
	fc.constantFrom<unknown>('queued', '', 7, null, KEY),
);
const videos = fc.constantFrom<unknown>(
	null,
	{},
	{ videos: [] },
	{ videos: [{ id: 'v', url: `${CDN}/v.mp4`, duration: '5' }] },
	{ videos: [{ id: 'v', url: `${CDN}/v.mp4`, duration: '5' }] },
	{ videos: [{ url: 'data:video/mp4;base64,AAAA' }] },
	{ videos: [{ url: 'file:///etc/passwd' }] },
	{ videos: 'nope' },
	{ videos: [{ url: 5 }] },
);
const task = fc.record({
	task_id: taskId,
	task_status: status,
	task_status_msg: fc.constantFrom<unknown>(
		'',
		'risk control',
		{ reason: 'x', n: 1 },
		`Bearer ${KEY}`,
		['a'],
		3,
		`refused ${KEY_PERCENT}`,
		`${'x'.repeat(280)} ${KEY_PERCENT}`,
	),
	task_info: fc.constantFrom<unknown>({}, { external_task_id: 'o-1' }, { note: `token=${KEY}` }, null, {
		note: `token=${KEY_DASH}; again=${KEY_TWICE}`,
	}),
	task_result: videos,
	created_at: fc.constantFrom<unknown>(1764100000000, 'x', null),
});
const envelope = fc.oneof(
	{ weight: 6, arbitrary: task.map((data) => ({ code: 0, message: 'success', data })) },
	task.map((data) => ({ data })),
	task.map((data) => ({ code: 200, message: 'ok', data })),
	task.map((data) => ({ code: 'success', data })),
	fc
		.constantFrom(1000, 1002, 1102, 1103, 1201, 1203, 1301, 1302, 1303, 5000, 5001, 99999)
		.map((code) => ({ code, message: `refused ${KEY}` })),
	fc
		.constantFrom('', 'model_not_found', 'invalid_request')
		.map((code) => ({ error: { message: `upstream (request id: 1) ${KEY}`, type: 'comet_api_error', code } })),
	fc.constantFrom<unknown>({}, [], null, { code: 0 }, { code: 0, data: [] }, { code: 'NaN', data: 'x' }),
);
const body = fc.oneof(
	{ weight: 8, arbitrary: envelope.map((value) => JSON.stringify(value)) },
	fc.constantFrom(
		'<html><body>502 Bad gateway</body></html>',
		'{"code":0,"data":{"task_id":"',
		'',
		'Service Unavailable',
		`{"message":"Authorization ${encodeURIComponent(KEY)} ${KEY.replace('__', '')}"}`,
		`{"code":1002,"message":"Authorization ${KEY_PERCENT} is invalid (${KEY_DASH}, ${KEY_TWICE})"}`,
		'{"code":0,"data":{"task_id":860733404216143937,"task_status":"submitted"}}',
	),
);
const apiAnswer = fc.record({
	status: fc.oneof(
		{ weight: 6, arbitrary: fc.constant(200) },
		fc.constantFrom(201, 400, 401, 403, 404, 408, 429, 500, 502, 503, 504, 524),
	),
	headers: fc.constantFrom<Record<string, string> | undefined>(
		undefined,
		{ 'Retry-After': '0' },
		{ 'Retry-After': '1' },
		{ 'Retry-After': 'soon' },
		{ 'Retry-After': '99999' },
	),
	body,
	delivery,
});
const plainDownload = fc.record({
	status: fc.oneof({ weight: 6, arbitrary: fc.constant(200) }, fc.constantFrom(403, 404, 500, 503)),
	headers: fc.constantFrom<Record<string, string>>(
		{ 'Content-Type': 'video/mp4' },
		{ 'Content-Type': 'video/mp4' },
		{ 'Content-Type': 'text/html' },
		{ 'Content-Type': 'application/json' },
		{ 'Content-Type': 'video/mp4', 'Content-Length': '99999' },
	),
	body: fc.constantFrom<string | Buffer>(Buffer.alloc(2048, 7), Buffer.alloc(2048, 7), '', '<html>login</html>'),
	delivery,
});
/** A video the server compressed: Content-Length counts the compressed bytes (or a gzip stream cut short). */
const VIDEO = Buffer.alloc(2048, 7);
const encodedBody = (encoding: string, body: Buffer) => ({
	headers: { 'Content-Type': 'video/mp4', 'Content-Encoding': encoding, 'Content-Length': String(body.length) },
	body,
});
const encodedDownload = fc
	.record({
		encoded: fc.constantFrom(
			encodedBody('gzip', gzipSync(VIDEO)),
			encodedBody('gzip', gzipSync(VIDEO)),
			encodedBody('br', brotliCompressSync(VIDEO)),
			encodedBody('deflate', deflateSync(VIDEO)),
			encodedBody('gzip', gzipSync(VIDEO).subarray(0, 12)),
		),
		delivery,
	})
	.map(({ encoded, delivery: how }) => ({ status: 200, ...encoded, delivery: how }));
const download = fc.oneof({ weight: 3, arbitrary: plainDownload }, encodedDownload);
const script = fc.record({
	create: fc.array(apiAnswer, { minLength: 1, maxLength: 3 }),
	read: fc.array(apiAnswer, { minLength: 1, maxLength: 5 }),
	download: fc.array(download, { minLength: 1, maxLength: 2 }),
});

/** Random parameter values, valid most of the time. */
const createParameters = fc.record({
	prompt: fc.oneof(
		{ weight: 8, arbitrary: fc.constant('A fox in the snow') },
		fc.string({ maxLength: 40 }),
		fc.constantFrom('   ', '={{ $json.missing }}', 'x'.repeat(2600), '={{ 42 }}'),
	),
	model: fc.oneof(
		{ weight: 5, arbitrary: fc.constantFrom('kling-v1', 'kling-v2-6', 'kling-v3') },
		fc.constantFrom('custom'),
	),
	customModel: fc.constantFrom('kling-v9', 'bad model!', ''),
	additionalFields: fc.record(
		{
			duration: fc.oneof(
				fc.constantFrom(5, 10, 3, 15),
				fc.integer({ min: -3, max: 30 }),
				fc.constantFrom<unknown>('abc', 5.5),
			),
			aspectRatio: fc.oneof(fc.constantFrom('16:9', '9:16', '1:1'), fc.string({ maxLength: 5 })),
			cfgScale: fc.oneof(fc.double({ min: -1, max: 2, noNaN: true }), fc.constant(0.5)),
			mode: fc.constantFrom<unknown>('std', 'pro', 'fast', 3),
			callbackUrl: fc.constantFrom('https://example.com/hook', 'example.com/hook', 'javascript:alert(1)'),
			externalTaskId: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('x'.repeat(200))),
		},
		{ requiredKeys: [] },
	),
	pollInterval: fc.constantFrom<unknown>(0.5, 0.5, 0, -1, 'often'),
	download: fc.boolean(),
});
const getParameters = fc.record({
	taskId: fc.oneof(
		{ weight: 6, arbitrary: fc.stringMatching(/^[0-9]{18}$/) },
		fc.constantFrom<unknown>('.', '..', '', 'a/b', '={{ 860733404216143937 }}', 'x'.repeat(200), '  12 '),
	),
	download: fc.boolean(),
});

const caseArbitrary = fc.record({
	operation: fc.constantFrom<'create' | 'get'>('create', 'get'),
	create: createParameters,
	get: getParameters,
	script,
	continueOnFail: fc.boolean(),
	keyTail: fc.stringMatching(/^[a-z0-9]{16}$/),
});

type RawCase = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

/** Every byte of `text` as %xx. */
const percentEncoded = (text: string) =>
	[...Buffer.from(text)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

function substitute(text: string | Buffer, key: string, cdn: string): string | Buffer {
	if (typeof text !== 'string') return text;
	// The longer placeholders first: each starts like KEY.
	return text
		.split(KEY_PERCENT)
		.join(percentEncoded(key))
		.split(KEY_DASH)
		.join(key.replace(/-/g, '%2D'))
		.split(KEY_TWICE)
		.join(encodeURIComponent(percentEncoded(key)))
		.split(KEY)
		.join(key)
		.split(CDN)
		.join(cdn);
}

/** Undoes percent-encoding, nested ones too, so an encoded key shows as the key. */
function percentDecoded(text: string): string {
	let current = text;
	for (let round = 0; round < 4; round++) {
		const next = current.replace(/%([0-9a-fA-F]{2})/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
		if (next === current) break;
		current = next;
	}
	return current;
}

function buildCase(index: number, raw: RawCase, server: HostileServer): Case {
	const key = `sk-prop${index}x${raw.keyTail}`;
	const cdn = `${server.url}/cdn/${encodeURIComponent(key)}`;
	const fix = (answers: ScriptedAnswer[]) => answers.map((a) => ({ ...a, body: substitute(a.body, key, cdn) }));
	const scriptFor = { create: fix(raw.script.create), read: fix(raw.script.read), download: raw.script.download };
	const parameters: IDataObject =
		raw.operation === 'create'
			? {
					resource: 'video',
					operation: 'create',
					waitMode: 'poll',
					timeout: TIMEOUT_MIN,
					...(raw.create as IDataObject),
				}
			: {
					resource: 'video',
					operation: 'get',
					waitMode: 'poll',
					pollInterval: 0.5,
					timeout: TIMEOUT_MIN,
					...(raw.get as IDataObject),
				};
	return { index, key, operation: raw.operation, parameters, script: scriptFor, continueOnFail: raw.continueOnFail };
}

/** Task ids the server handed out in complete 2xx create answers. */
function createdIds(server: HostileServer, key: string): string[] {
	const ids: string[] = [];
	for (const entry of server.log(key)) {
		if (
			entry.kind !== 'create' ||
			!entry.complete ||
			!entry.answer ||
			entry.answer.status < 200 ||
			entry.answer.status >= 300
		)
			continue;
		try {
			const parsed = JSON.parse(String(entry.answer.body).replace(/("task_id"\s*:\s*)(\d{16,})/g, '$1"$2"'));
			const id = parsed?.data?.task_id;
			if (id !== undefined && id !== null && String(id).trim()) ids.push(String(id).trim());
		} catch {
			// not JSON: no task id was handed out
		}
	}
	return ids;
}

function keyForms(key: string): string[] {
	return [
		key,
		key.slice(3),
		encodeURIComponent(key),
		Buffer.from(key).toString('base64'),
		Buffer.from(`Bearer ${key}`).toString('base64'),
	];
}

async function check(c: Case, server: HostileServer): Promise<string[]> {
	const problems: string[] = [];
	const logStart = engineLogs.length;
	let result;
	try {
		result = await runKlingNode({
			parameters: c.parameters,
			credentials: { apiKey: c.key, baseUrl: server.url },
			continueOnFail: c.continueOnFail,
		});
	} catch (error) {
		// n8n itself refuses a workflow whose required parameter is empty: nothing may have been sent.
		if ((error as Error).name !== 'WorkflowHasIssuesError') throw error;
		return server.log(c.key).length
			? [`n8n refused the workflow but ${server.log(c.key).length} requests were sent`]
			: [];
	}
	const error = result.error as IDataObject | undefined;
	const errorText = error ? `${error.message ?? ''} ${error.description ?? ''}` : '';
	const itemsText = JSON.stringify(result.items.map((i) => i.json));
	const logs = engineLogs
		.slice(logStart)
		.map((l) => l.message)
		.join('\n');
	const everything = `${JSON.stringify(result.run)} ${errorText} ${String(error?.stack ?? '')} ${logs}`;

	const shown = `${errorText} ${result.items.map((i) => `${i.json.error ?? ''} ${i.json.description ?? ''}`).join(' ')}`;
	const raw = RAW_JS_ERROR.exec(shown);
	if (raw) problems.push(`raw JavaScript error text "${raw[0]}" in: ${shown.slice(0, 300)}`);

	if (result.durationMs > TIMEOUT_MIN * 60_000 + SLACK_MS)
		problems.push(`ran ${result.durationMs} ms, past Timeout + slack`);

	const decoded = percentDecoded(everything);
	for (const form of keyForms(c.key)) {
		if (form.length >= 6 && decoded.includes(form)) problems.push(`the key leaked as "${form}" (percent-decoded)`);
	}

	const downloads = server
		.log(c.key)
		.flatMap((entry) => (entry.kind === 'download' && entry.answer ? [entry.answer] : []));
	const wronglyCut = wronglyCalledCutShort(shown, downloads);
	if (wronglyCut) problems.push(wronglyCut);

	for (const id of createdIds(server, c.key)) {
		const mentioned =
			itemsText.includes(id) || errorText.includes(id) || JSON.stringify(error?.context ?? {}).includes(id);
		if (VALID_ID.test(id) && !mentioned) problems.push(`created task ${id} is not named in the outcome`);
		if (/No task was created/.test(`${errorText} ${itemsText}`))
			problems.push(`created task ${id} reported as "No task was created"`);
	}

	if (/Nothing was sent to CometAPI/.test(`${errorText} ${itemsText}`) && server.log(c.key).length > 0) {
		problems.push(`said "Nothing was sent" after ${server.log(c.key).length} requests`);
	}
	return problems;
}

/**
 * "broke off (n of m bytes)" is true only if some answer declared m bytes and sent another number
 * (a compressed answer's Content-Length counts its compressed bytes).
 */
function wronglyCalledCutShort(shown: string, answers: ScriptedAnswer[]): string | undefined {
	const cut = /the transfer broke off \((\d+) of (\d+) bytes\)/.exec(shown);
	if (!cut) return undefined;
	const declared = Number(cut[2]);
	const short = answers.some(
		(answer) => Number(answer.headers?.['Content-Length']) === declared && Buffer.byteLength(answer.body) !== declared,
	);
	return short ? undefined : `a complete download (Content-Length ${declared}) was called cut short: "${cut[0]}"`;
}

/** What a client that decodes gzip, br and deflate gets from a complete answer; undefined when it cannot. */
function decodedBody(answer: ScriptedAnswer): Buffer | undefined {
	const body = Buffer.from(answer.body);
	try {
		switch (answer.headers?.['Content-Encoding']) {
			case 'gzip':
				return gunzipSync(body);
			case 'br':
				return brotliDecompressSync(body);
			case 'deflate':
				return inflateSync(body);
			default:
				return body;
		}
	} catch {
		return undefined;
	}
}

/** The first download answer is a whole video, sent at once: the download must take it as it is. */
function isCompleteVideo(answer: ScriptedAnswer): boolean {
	const length = answer.headers?.['Content-Length'];
	return (
		answer.status === 200 &&
		(answer.delivery === 'normal' || answer.delivery === 'delay') &&
		answer.headers?.['Content-Type'] === 'video/mp4' &&
		Buffer.byteLength(answer.body) > 0 &&
		(length === undefined || Number(length) === Buffer.byteLength(answer.body)) &&
		(decodedBody(answer)?.length ?? 0) > 0
	);
}

async function checkDownload(index: number, answers: ScriptedAnswer[], server: HostileServer): Promise<string[]> {
	const key = `sk-dl${index}x${SEED}`;
	const cdn = `${server.url}/cdn/${encodeURIComponent(key)}`;
	const finished = JSON.stringify({
		code: 0,
		message: 'success',
		data: {
			task_id: '860733404216143937',
			task_status: 'succeed',
			task_result: { videos: [{ id: 'v', url: `${cdn}/v.mp4`, duration: '5' }] },
		},
	});
	const read: ScriptedAnswer = { status: 200, body: finished, delivery: 'normal' };
	server.addCase(key, { create: [read], read: [read], download: answers });
	const result = await runKlingNode({
		parameters: {
			resource: 'video',
			operation: 'get',
			taskId: '860733404216143937',
			waitMode: 'poll',
			pollInterval: 0.5,
			timeout: TIMEOUT_MIN,
		},
		credentials: { apiKey: key, baseUrl: server.url },
	});
	const problems: string[] = [];
	const error = result.error as IDataObject | undefined;
	const shown = error ? `${error.message ?? ''} ${error.description ?? ''}` : '';
	const raw = RAW_JS_ERROR.exec(shown);
	if (raw) problems.push(`raw JavaScript error text "${raw[0]}" in: ${shown.slice(0, 300)}`);
	if (result.durationMs > TIMEOUT_MIN * 60_000 + SLACK_MS)
		problems.push(`ran ${result.durationMs} ms, past Timeout + slack`);
	const wronglyCut = wronglyCalledCutShort(shown, answers);
	if (wronglyCut) problems.push(wronglyCut);
	if (isCompleteVideo(answers[0])) {
		const downloads = server.log(key).filter((entry) => entry.kind === 'download').length;
		if (downloads !== 1) problems.push(`${downloads} downloads for one complete answer`);
		const binary = result.items[0]?.binary?.data;
		if (!binary) problems.push(`no video: ${shown.slice(0, 300)}`);
		else if (!(await readBinary(binary)).equals(decodedBody(answers[0])!))
			problems.push('the stored video differs from what the server sent');
	}
	return problems;
}

describe('property: hostile answers and random parameters through the real node', () => {
	let server: HostileServer;
	beforeAll(async () => {
		server = await startHostileServer();
	});
	afterAll(async () => {
		await server.close();
	});

	it(
		`${RUNS} random cases (seed ${SEED}) keep the money-safety promise`,
		async () => {
			const raws = fc.sample(caseArbitrary, { seed: SEED, numRuns: RUNS });
			const cases = raws.map((raw, i) => buildCase(i, raw, server));
			cases.forEach((c) => server.addCase(c.key, c.script));
			const failures: string[] = [];
			for (let start = 0; start < cases.length; start += PARALLEL) {
				const batch = cases.slice(start, start + PARALLEL);
				const results = await Promise.all(batch.map((c) => check(c, server)));
				results.forEach((problems, k) => {
					const c = batch[k];
					if (problems.length)
						failures.push(
							`case ${c.index} (seed ${SEED}): ${problems.join('; ')}\n  parameters ${JSON.stringify(c.parameters)}\n  script ${JSON.stringify(c.script).slice(0, 1500)}`,
						);
				});
			}
			expect(failures.slice(0, 5)).toEqual([]);
		},
		10 * 60_000,
	);

	it(
		`${DOWNLOAD_RUNS} random download answers (seed ${SEED}): a complete one, compressed or not, gives its exact bytes at once`,
		async () => {
			const raws = fc.sample(fc.array(download, { minLength: 1, maxLength: 2 }), {
				seed: SEED,
				numRuns: DOWNLOAD_RUNS,
			});
			const failures: string[] = [];
			for (let start = 0; start < raws.length; start += PARALLEL) {
				const batch = raws.slice(start, start + PARALLEL).map((answers, k) => ({ answers, index: start + k }));
				const results = await Promise.all(batch.map(({ answers, index }) => checkDownload(index, answers, server)));
				results.forEach((problems, k) => {
					if (problems.length)
						failures.push(
							`download case ${batch[k].index} (seed ${SEED}): ${problems.join('; ')}\n  answers ${JSON.stringify(batch[k].answers).slice(0, 600)}`,
						);
				});
			}
			expect(failures.slice(0, 5)).toEqual([]);
		},
		5 * 60_000,
	);
});
