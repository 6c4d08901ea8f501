'use strict';
/**
 * A local CometAPI-compatible Kling server for tests, the demo and development.
 *
 * Task kinds: text2video, image2video, multi-image2video, omni-video, video-extend, effects,
 * avatar/image2video, identify-face (an immediate answer, not a task), advanced-lip-sync,
 * images/generations, audio/tts, audio/text-to-audio, audio/video-to-audio: one module each under
 * kinds/ (kinds/index.js lists them and describes a module; media.js holds the bytes), so
 * this core knows none of them by name: it finds the kind from the path, asks the module to check
 * the body and to shape the result, and does everything kinds share — HTTP, auth, faults, the task
 * lifecycle and its timing, callbacks, external ids, the CDN, the /__sim/* control API and the
 * request log. Images (URL, which it downloads, or base64) are checked like Kling does (jpg/png,
 * <= 10 MB, >= 300 px, 1:2.5..2.5:1) and refused with 1201; the request log keeps {base64Bytes,
 * sha256, format, width, height} per image instead of the base64. A task is read only under its
 * own kind (another kind, or a path no kind owns, answers 404/1203, as a wrong path would).
 *
 * It speaks the documented API with its quirks (message "success"/"SUCCEED", missing request_id,
 * task_result {} or null while pending, duration as a string), runs tasks through
 * submitted → processing → succeed|failed on timers the caller controls, POSTs callbacks on every
 * status change, and serves the results (MP4 videos, PNG images, MP3/WAV audio, face crops) from a
 * second "CDN" server whose links expire. Options the kinds declare: omniReadShape ('standard' |
 * 'legacy'), lipSyncReadPath ('advanced-lip-sync' | 'lip-sync'), ttsMode ('immediate' | 'task'),
 * effectScenes, ttsVoices; settable at start and through POST /__sim/config.
 *
 * Per-task behaviour can be chosen in the prompt (TTS: the text; video-to-audio: its prompts), so
 * workflows run in a real n8n can steer it:
 *   [sim:fail]  [sim:novideo]  [sim:unsafe]  [sim:nobalance]  [sim:ms=2500]  [sim:size=524288000]  [sim:expired]
 *   [sim:echokey] (the task fails with a message echoing the caller's key, in several encodings)
 *   [sim:msgobject] (task_status_msg is an object)  [sim:dataurl] (the video URL is a data: URL)
 *   [sim:badid] (the create answers task_id "../../tmp/evil")
 *   [sim:gzip] (the CDN serves the video with Content-Encoding: gzip and the compressed Content-Length)
 *   [sim:noface] [sim:twofaces] (identify-face finds no face / two faces in this task's video)
 * Faults are injected with `sim.fault({on, type, times, retryAfter, delayMs})` or POST /__sim/faults.
 * Hostile faults: trickle (headers, then a byte every delayMs), stall (headers, then nothing),
 * hang (no answer at all), html404, echokey (401 echoing the key), nocode (200 without `code`),
 * and for downloads: wrongtype (200 text/html), empty (0 bytes), short (fewer bytes than Content-Length).
 */
const http = require('node:http');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { createQuotaService } = require('./quota');
const media = require('./media');
const kinds = require('./kinds');

const { FIXTURE } = media;
const DEFAULT_KEY = 'sk-sim-local-0123456789abcdef';
// The node's own list of models: /v1/models answers with it.
const KNOWN_MODELS = require('../../nodes/KlingCometApi/helpers/kling-catalog.json').models;
const FAULT_TYPES = [
	'rate429',
	'concurrency1303',
	'status500',
	'status503',
	'status504',
	'html',
	'truncated',
	'reset',
	'slow',
	'gateway',
	'nobody',
	'trickle',
	'stall',
	'hang',
	'html404',
	'echokey',
	'nocode',
	'wrongtype',
	'empty',
	'short',
];

/** Every form in which a careless gateway might echo a key. */
function echoedKey(key) {
	const bare = key.replace(/^[A-Za-z]{1,6}[-_]/, '');
	return `Bearer ${key}; key=${bare}; url=${encodeURIComponent(key)}; b64=${Buffer.from(key).toString('base64')}; pct=${[...Buffer.from(key)].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}; dash=${key.replace(/-/g, '%2D')}`;
}

/** Headers now, then the body one byte every `everyMs` until the client goes away. */
function trickle(res, status, text, everyMs) {
	res.writeHead(status, { 'Content-Type': 'application/json' });
	let i = 0;
	const timer = setInterval(() => {
		if (res.destroyed || i >= text.length) {
			clearInterval(timer);
			if (!res.destroyed) res.end();
			return;
		}
		res.write(text[i++]);
	}, everyMs);
	res.on('close', () => clearInterval(timer));
}

function directive(prompt, name) {
	const match = new RegExp(`\\[sim:${name}(?:=([^\\]]+))?\\]`).exec(prompt || '');
	return match ? (match[1] ?? true) : undefined;
}

async function createSimulator(options = {}) {
	const badOption = kinds.optionProblem(options);
	if (badOption) throw new Error(badOption);
	const config = {
		apiKey: options.apiKey ?? DEFAULT_KEY,
		host: options.host ?? '127.0.0.1',
		/** Time a task stays "submitted" before "processing". */
		submittedMs: options.submittedMs ?? 100,
		/** Total time from create to the final status, unless the prompt says [sim:ms=...]. */
		taskMs: options.taskMs ?? 1000,
		linkTtlMs: options.linkTtlMs ?? 10 * 60_000,
		maxConcurrentTasks: options.maxConcurrentTasks ?? Infinity,
		maxPromptLength: options.maxPromptLength ?? 2500,
		/** Wrap callback bodies as {code, message, data} instead of the bare task (both exist). */
		callbackWrapped: options.callbackWrapped ?? false,
		/** Callbacks answered with non-2xx, or not at all within callbackTimeoutMs, are sent again this often. */
		callbackRetries: options.callbackRetries ?? 3,
		/** First retry after this long, then doubling. */
		callbackRetryMs: options.callbackRetryMs ?? 1000,
		callbackTimeoutMs: options.callbackTimeoutMs ?? 10_000,
		/** Every callback leaves this much later than the status change. */
		callbackDelayMs: options.callbackDelayMs ?? 0,
		/** How many copies of each callback are posted (duplicates happen). */
		callbackCopies: options.callbackCopies ?? 1,
		/** Non-final callbacks leave this much later still, so they can arrive after the final one. */
		callbackReorderMs: options.callbackReorderMs ?? 0,
		/** Post no callbacks for these statuses (a lost callback). */
		callbackDrop: options.callbackDrop ?? [],
		/** Whether task_info echoes external_task_id (Kling's behaviour). */
		echoExternalId: options.echoExternalId ?? true,
		// Options the kind modules declare (omniReadShape, lipSyncReadPath, ttsMode, …): see kinds/index.js.
		...kinds.optionDefaults(options),
	};
	const started = Date.now();
	const tasks = new Map();
	/** identify-face sessions (not tasks): session_id → {id, faces, videoDurationMs, expiresAt, …}. */
	const sessions = new Map();
	const externalIds = new Set();
	const requests = [];
	const events = [];
	const callbacks = [];
	let faults = [];
	let responseCount = 0;
	const sockets = new Set();

	const now = () => Date.now();
	const requestId = () => crypto.randomUUID();

	function envelope(data) {
		responseCount++;
		const body = { code: 0, message: responseCount % 2 ? 'success' : 'SUCCEED', data };
		// Quirk: request_id is sometimes missing.
		if (responseCount % 3 !== 0) body.request_id = requestId();
		return body;
	}

	function takeFault(kind) {
		const index = faults.findIndex((f) => f.on === kind || f.on === 'any');
		if (index < 0) return undefined;
		const fault = faults[index];
		fault.times -= 1;
		if (fault.times <= 0) faults.splice(index, 1);
		return fault;
	}

	function send(res, status, body, headers = {}) {
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json', ...headers });
		res.end(text);
	}

	function klingError(res, status, code, message, headers) {
		const body = { code, message };
		if (responseCount++ % 2 === 0) body.request_id = requestId();
		send(res, status, body, headers);
	}

	/** Answers a request with an injected fault; returns true when the fault replaced the answer. */
	async function applyFault(fault, req, res) {
		const retryAfter = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
		switch (fault.type) {
			case 'slow':
				await new Promise((r) => setTimeout(r, fault.delayMs ?? 2000));
				return false;
			case 'rate429':
				klingError(res, 429, 1302, 'The request rate is too high, please reduce the frequency', retryAfter);
				return true;
			case 'concurrency1303':
				klingError(res, 429, 1303, 'Parallel task limit exceeded for this account', retryAfter);
				return true;
			case 'status500':
				klingError(res, 500, 5000, 'Internal server error', retryAfter);
				return true;
			case 'status503':
				klingError(res, 503, 5001, 'Service temporarily unavailable for maintenance', retryAfter);
				return true;
			case 'status504':
				send(
					res,
					504,
					'<html><head><title>504 Gateway Time-out</title></head><body><center><h1>504 Gateway Time-out</h1></center></body></html>',
					retryAfter,
				);
				return true;
			case 'html':
				send(
					res,
					502,
					'<!DOCTYPE html><html><head><title>api.cometapi.com | 502: Bad gateway</title></head><body>Bad gateway</body></html>',
				);
				return true;
			case 'truncated':
				res.writeHead(200, { 'Content-Type': 'application/json' });
				res.end('{"code":0,"message":"success","data":{"task_id":"');
				return true;
			case 'gateway':
				send(res, fault.status ?? 500, {
					error: {
						message: `${fault.message ?? 'upstream error: do request failed'} (request id: ${requestId()})`,
						type: 'comet_api_error',
						code: fault.code ?? '',
					},
				});
				return true;
			case 'nobody':
				res.writeHead(200, { 'Content-Type': 'application/json' });
				res.end('');
				return true;
			case 'reset':
				req.socket.destroy();
				return true;
			case 'trickle':
				trickle(
					res,
					200,
					JSON.stringify({ code: 0, message: 'success', data: { task_id: 'trickled', task_status: 'processing' } }),
					fault.delayMs ?? 2000,
				);
				return true;
			case 'stall':
				res.writeHead(200, { 'Content-Type': 'application/json' });
				res.write('{"code":0,');
				return true;
			case 'hang':
				return true;
			case 'html404':
				send(
					res,
					404,
					'<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>',
				);
				return true;
			case 'echokey':
				klingError(
					res,
					401,
					1002,
					`Authorization is invalid: ${echoedKey(String(req.headers.authorization || '').replace(/^Bearer\s+/i, ''))}`,
				);
				return true;
			default:
				return false;
		}
	}

	/** What kind modules may use of the core: options, bytes, the CDN's links, what earlier tasks made. */
	const kindContext = {
		config,
		media,
		now,
		directive,
		requestId,
		sessions,
		get cdnUrl() {
			return cdnUrl;
		},
		/** The link of a finished task's video (the CDN checks `expires` and the task's own expiry). */
		videoUrl: (task) => `${cdnUrl}/videos/${task.id}.mp4?expires=${task.expiresAt}`,
		/** The link of another file of a finished task, served by the kind's file(). */
		fileUrl: (task, name) => `${cdnUrl}/files/${task.id}/${name}?expires=${task.expiresAt}`,
		/** A video a finished task made (id v-<task_id>): {task, durationS}, or undefined. */
		findVideo(videoId) {
			if (typeof videoId !== 'string' || !videoId.startsWith('v-')) return undefined;
			const task = tasks.get(videoId.slice(2));
			const kind = task && kinds.byName(task.kind);
			if (!task || task.status !== 'succeed' || task.noVideo || !kind.makesVideo) return undefined;
			return { task, durationS: Number(task.duration) };
		},
		/** The video behind one of this simulator's CDN links (…/videos/<task_id>.mp4), like findVideo. */
		findVideoByUrl(url) {
			const match =
				typeof url === 'string' && url.startsWith(`${cdnUrl}/videos/`) && /\/videos\/([^/?]+)\.mp4/.exec(url);
			return match ? kindContext.findVideo(`v-${match[1]}`) : undefined;
		},
		/** An audio a finished task made (id a-<task_id>, TTS): {task, durationS}, or undefined. */
		findAudio(audioId) {
			if (typeof audioId !== 'string' || !audioId.startsWith('a-')) return undefined;
			const task = tasks.get(audioId.slice(2));
			const kind = task && kinds.byName(task.kind);
			if (!task || task.status !== 'succeed' || task.noVideo || !kind.makesAudioId) return undefined;
			return { task, durationS: Number(task.duration) };
		},
	};

	function publicTask(task, { forCreate = false } = {}) {
		const base = {
			task_id: task.id,
			task_status: task.status,
			// CometAPI documents no read by external id: echoExternalId false plays a server that omits it.
			task_info: task.externalTaskId && config.echoExternalId ? { external_task_id: task.externalTaskId } : {},
			created_at: task.createdAt,
			updated_at: task.updatedAt,
		};
		if (forCreate) return base;
		base.task_status_msg = task.status === 'failed' ? task.failMessage : '';
		if (task.echoKey) base.task_info = { ...base.task_info, note: echoedKey(config.apiKey) };
		if (task.status === 'succeed') {
			base.task_result = kinds.byName(task.kind).result(task, kindContext);
		} else {
			// Quirk: {} or null while pending.
			base.task_result = task.serial % 2 ? {} : null;
		}
		return base;
	}

	function setStatus(task, status) {
		task.status = status;
		task.updatedAt = now();
		if (status === 'succeed') task.expiresAt = task.expireImmediately ? now() - 1 : now() + config.linkTtlMs;
		events.push({ t: now(), taskId: task.id, status });
		if (task.callbackUrl) deliverCallback(task);
	}

	const callbackTimers = new Set();
	function later(ms, fn) {
		const timer = setTimeout(() => {
			callbackTimers.delete(timer);
			fn();
		}, ms);
		callbackTimers.add(timer);
	}

	/** Posts one callback body, retrying refused or timed-out deliveries as many providers do. */
	function postCallback(url, body, record, attempt = 0) {
		const retry = (why) => {
			record.error = why;
			if (attempt >= config.callbackRetries) return;
			record.retries = attempt + 1;
			later(config.callbackRetryMs * 2 ** attempt, () => postCallback(url, body, record, attempt + 1));
		};
		try {
			const req = http.request(
				url,
				{ method: 'POST', headers: { 'Content-Type': 'application/json' }, timeout: config.callbackTimeoutMs },
				(res) => {
					record.httpStatus = res.statusCode;
					res.resume();
					if (res.statusCode >= 200 && res.statusCode < 300) record.error = undefined;
					else retry(`HTTP ${res.statusCode}`);
				},
			);
			req.on('timeout', () => req.destroy(new Error('callback timed out')));
			req.on('error', (error) => retry(error.code || error.message));
			req.end(body);
		} catch (error) {
			record.error = error.message;
		}
	}

	function deliverCallback(task) {
		if (config.callbackDrop.includes(task.status)) return;
		const data = publicTask(task);
		const body = JSON.stringify(config.callbackWrapped ? { code: 0, message: 'SUCCEED', data } : data);
		const final = task.status === 'succeed' || task.status === 'failed';
		const delay = config.callbackDelayMs + (final ? 0 : config.callbackReorderMs);
		for (let copy = 0; copy < config.callbackCopies; copy++) {
			const record = {
				t: now(),
				taskId: task.id,
				status: task.status,
				url: task.callbackUrl,
				copy,
				httpStatus: undefined,
				error: undefined,
				retries: 0,
			};
			callbacks.push(record);
			const send = () => postCallback(task.callbackUrl, body, record);
			if (delay > 0) later(delay, send);
			else send();
		}
	}

	/** callback_url and external_task_id: every kind takes them, checked the same way. */
	function checkTaskOptions(body) {
		if (body.callback_url !== undefined && !/^https?:\/\//.test(body.callback_url))
			return { status: 400, code: 1201, message: 'callback_url is invalid' };
		if (body.external_task_id !== undefined && externalIds.has(body.external_task_id)) {
			return { status: 400, code: 1201, message: 'external_task_id already exists' };
		}
		return undefined;
	}

	/** The kind's own checks; callback_url and external_task_id after them unless the kind ran them itself. */
	function validateCreate(kind, body, ctx) {
		let ranCommon = false;
		const refused = kind.validate(body, {
			...ctx,
			checkTaskOptions(b) {
				ranCommon = true;
				return checkTaskOptions(b);
			},
		});
		if (refused || ranCommon) return refused;
		return checkTaskOptions(body);
	}

	/**
	 * Loads and checks every image of a create; the request log gets summaries instead of base64.
	 * Returns the first problem (a message), or undefined.
	 */
	async function checkImages(kind, body, record) {
		const fields = kind.imageFields ? kind.imageFields(body) : [];
		if (!fields.length && !kind.imageFields) return undefined;
		const summary = {};
		for (const [field, value] of fields) {
			const loaded = await media.loadImage(field, value);
			summary[field] = typeof value === 'string' ? media.imageSummary(value, loaded.buffer) : value;
			if (loaded.problem) {
				record.images = summary;
				return loaded.problem;
			}
		}
		record.images = summary;
		return undefined;
	}

	function activeTaskCount() {
		let n = 0;
		for (const task of tasks.values()) if (task.status === 'submitted' || task.status === 'processing') n++;
		return n;
	}

	/**
	 * A new task of `kind`, on its timers: submitted → processing → its outcome. `prepared` is what the
	 * kind's input checks learnt (kept as task.prepared); `failMessage` makes the task fail with it.
	 */
	function createTask(body, kind, { prepared = {}, failMessage } = {}) {
		const prompt = (kind.directiveText ? kind.directiveText(body) : body.prompt) || '';
		const id = `${Date.now().toString(36)}${crypto.randomBytes(6).toString('hex')}`;
		const atOnce = Boolean(kind.answersAtOnce && kind.answersAtOnce(config));
		const ms = atOnce ? 0 : Number(directive(prompt, 'ms')) || config.taskMs;
		const size = Number(directive(prompt, 'size')) || undefined;
		const task = {
			id,
			serial: tasks.size,
			kind: kind.kind,
			body,
			prompt,
			// Kling silently ignores a field named `model`: without model_name it runs the kind's default (kling-v1).
			model: (kind.modelName ? kind.modelName(body) : body.model_name) || kind.defaultModel,
			status: 'submitted',
			createdAt: now(),
			updatedAt: now(),
			durationMs: ms,
			size,
			outcome:
				failMessage || directive(prompt, 'fail') || directive(prompt, 'echokey') || directive(prompt, 'msgobject')
					? 'failed'
					: 'succeed',
			failMessage:
				failMessage ??
				(directive(prompt, 'echokey')
					? `upstream refused ${echoedKey(config.apiKey)}`
					: directive(prompt, 'msgobject')
						? { reason: 'risk control', detail: { score: 0.97 } }
						: 'Failure to pass the risk control system'),
			echoKey: Boolean(directive(prompt, 'echokey')),
			dataUrl: Boolean(directive(prompt, 'dataurl')),
			noVideo: Boolean(directive(prompt, 'novideo')),
			expireImmediately: Boolean(directive(prompt, 'expired')),
			duration: kind.duration ? kind.duration(body, prepared) : (body.duration ?? '5'),
			prepared,
			atOnce,
			externalTaskId: body.external_task_id,
			callbackUrl: body.callback_url,
			expiresAt: undefined,
			timers: [],
		};
		tasks.set(id, task);
		if (task.externalTaskId) externalIds.add(task.externalTaskId);
		if (atOnce) {
			// Answered at once: the task is finished before the create answers (one callback, the final one).
			task.status = task.outcome;
			if (task.status === 'succeed') task.expiresAt = task.expireImmediately ? now() - 1 : now() + config.linkTtlMs;
			events.push({ t: task.createdAt, taskId: id, status: task.status });
			if (task.callbackUrl) deliverCallback(task);
			return task;
		}
		events.push({ t: task.createdAt, taskId: id, status: 'submitted' });
		if (task.callbackUrl) deliverCallback(task);
		const submittedFor = Math.min(config.submittedMs, ms);
		task.timers.push(setTimeout(() => setStatus(task, 'processing'), submittedFor));
		task.timers.push(setTimeout(() => setStatus(task, task.outcome), ms));
		return task;
	}

	function readJson(req) {
		return new Promise((resolve) => {
			const chunks = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				try {
					resolve({ ok: true, value: text ? JSON.parse(text) : undefined });
				} catch {
					resolve({ ok: false, text });
				}
			});
		});
	}

	function authorize(req, res) {
		const header = req.headers.authorization || '';
		if (!header) {
			klingError(res, 401, 1001, 'Authorization is empty');
			return false;
		}
		const token = header.replace(/^Bearer\s+/i, '');
		if (token !== config.apiKey) {
			// Real gateways echo the token they got; the node must not pass that on.
			klingError(res, 401, 1002, `Authorization is invalid: token ${token} is not valid`);
			return false;
		}
		return true;
	}

	async function handleApi(req, res) {
		const url = new URL(req.url, 'http://sim');
		const record = {
			t: now(),
			method: req.method,
			path: url.pathname,
			kind: 'other',
			status: undefined,
			taskId: undefined,
			authorized: false,
		};
		requests.push(record);
		res.on('finish', () => (record.status = res.statusCode));
		res.on('close', () => (record.status ??= 'reset'));

		if (url.pathname.startsWith('/__sim/')) return handleControl(req, res, url);

		const createKind = req.method === 'POST' ? kinds.byCreatePath(url.pathname) : undefined;
		const readOf = req.method === 'GET' ? kinds.byReadPath(url.pathname, config) : undefined;
		if (req.method === 'GET' && url.pathname === '/v1/models') record.kind = 'models';
		else if (createKind) {
			record.kind = 'create';
			record.taskKind = createKind.kind;
		} else if (readOf || (req.method === 'GET' && /^\/kling\/v1\/[^/]+\/[^/]+\/[^/]+$/.test(url.pathname)))
			record.kind = 'read';

		const body = req.method === 'POST' ? await readJson(req) : { ok: true, value: undefined };
		record.body = body.value;
		// Keep the log small: images are recorded as summaries (see checkImages), not as base64.
		if (record.body && typeof record.body === 'object' && record.kind === 'create')
			record.body = createKind.logBody(record.body);
		const fault = takeFault(record.kind);
		record.fault = fault?.type;
		if (fault && fault.type !== 'reset' && fault.type !== 'nocode' && (await applyFault(fault, req, res))) return;
		if (!authorize(req, res)) return;
		record.authorized = true;

		if (record.kind === 'models') {
			return send(res, 200, {
				object: 'list',
				data: KNOWN_MODELS.map((id) => ({ id, object: 'model', owned_by: 'kling' })),
			});
		}
		if (record.kind === 'create') return handleCreate(req, res, createKind, body, record, fault);
		if (record.kind === 'read') {
			const id = decodeURIComponent(url.pathname.split('/').pop());
			record.taskId = id;
			if (fault?.type === 'reset') return void req.socket.destroy();
			const task = tasks.get(id) || [...tasks.values()].find((t) => t.externalTaskId === id);
			// Like Kling: a task is known only under the kind it was created with, at that kind's read path.
			record.taskKind = readOf?.kind.kind;
			if (!task || !readOf || !readOf.active || task.kind !== readOf.kind.kind)
				return kindError(res, readOf?.kind, 404, 1203, `task ${id} not found`);
			const data = publicTask(task);
			// A kind may answer in a shape of its own (omni-video's legacy wrapper); else the envelope.
			return send(res, 200, readOf.kind.readBody?.(task, data, kindContext) ?? envelope(data));
		}
		if (fault?.type === 'reset') return void req.socket.destroy();
		return send(res, 404, '<html><body><h1>404 Not Found</h1></body></html>');
	}

	/** A refusal in the kind's error shape (Kling's {code, message, request_id?} unless the kind has its own). */
	function kindError(res, kind, status, code, message, headers) {
		if (kind && kind.errorBody) return send(res, status, kind.errorBody(code, message, requestId()), headers);
		return klingError(res, status, code, message, headers);
	}

	/**
	 * A create of `kind`: the gateway's model check, the kind's field checks, its images and other
	 * inputs, the prompt's directives, the concurrency limit; then a task (or the kind's immediate answer).
	 */
	async function handleCreate(req, res, kind, body, record, fault) {
		if (!body.ok) return kindError(res, kind, 400, 1200, 'Request body is not valid JSON');
		const value = body.value || {};
		const modelName = value && typeof value === 'object' && kind.modelName ? kind.modelName(value) : value.model_name;
		if (modelName && !/^kling-/.test(modelName)) {
			return send(res, 503, {
				error: {
					message: `model ${modelName} not found (request id: ${requestId()})`,
					type: 'comet_api_error',
					code: 'model_not_found',
				},
			});
		}
		const ctx = { ...kindContext, record, prepared: {} };
		if (!value || typeof value !== 'object')
			return kindError(res, kind, 400, 1200, 'Request body must be a JSON object');
		const invalid = validateCreate(kind, value, ctx);
		if (invalid) return kindError(res, kind, invalid.status, invalid.code, invalid.message);
		const badImage = await checkImages(kind, value, record);
		let failMessage;
		if (badImage && kind.imageProblems === 'failTask') failMessage = badImage;
		else if (badImage) return kindError(res, kind, 400, 1201, badImage);
		const badInput = kind.inputs ? await kind.inputs(value, ctx) : undefined;
		if (badInput) return kindError(res, kind, badInput.status, badInput.code, badInput.message);
		const prompt = (kind.directiveText ? kind.directiveText(value) : value.prompt) || '';
		if (directive(prompt, 'unsafe'))
			return kindError(res, kind, 400, 1301, 'The prompt triggers the content safety policy');
		if (directive(prompt, 'nobalance')) return kindError(res, kind, 429, 1102, 'Account balance is insufficient');
		if (kind.immediate) {
			// Not a task: answered at once, holding no concurrency slot.
			const data = kind.immediate(value, ctx);
			if (fault?.type === 'reset') return void req.socket.destroy();
			return send(res, 200, envelope(data));
		}
		if (activeTaskCount() >= config.maxConcurrentTasks) {
			return kindError(res, kind, 429, 1303, 'Parallel task limit exceeded for this account', { 'Retry-After': '1' });
		}
		const task = createTask(value, kind, { prepared: ctx.prepared, failMessage });
		record.taskId = task.id;
		// A reset after the task exists: the client cannot know whether it was created.
		if (fault?.type === 'reset') return void req.socket.destroy();
		// A kind answered at once carries its result in the create's answer.
		const created = publicTask(task, { forCreate: !task.atOnce });
		if (directive(prompt, 'badid')) created.task_id = '../../tmp/evil';
		// Quirk seen in the wild: a 200 without `code` (or with code 200 / "success").
		if (fault?.type === 'nocode')
			return send(res, 200, {
				...[{}, { code: 200 }, { code: 'success' }][requests.length % 3],
				message: 'ok',
				data: created,
			});
		return send(res, 200, envelope(created));
	}

	async function handleControl(req, res, url) {
		const body = req.method === 'POST' ? await readJson(req) : { ok: true, value: undefined };
		if (url.pathname === '/__sim/faults' && req.method === 'POST') {
			const list = Array.isArray(body.value) ? body.value : [body.value];
			list.forEach((f) => api.fault(f));
			return send(res, 200, { faults });
		}
		if (url.pathname === '/__sim/config' && req.method === 'POST') {
			const problem = kinds.optionProblem(body.value || {});
			if (problem) return send(res, 400, { error: problem });
			Object.assign(config, body.value || {});
			return send(res, 200, { config: { ...config, apiKey: undefined } });
		}
		if (url.pathname === '/__sim/log') return send(res, 200, api.snapshot());
		if (url.pathname === '/__sim/reset' && req.method === 'POST') {
			api.reset();
			return send(res, 200, { ok: true });
		}
		return send(res, 404, { error: 'unknown control path' });
	}

	/** The CDN: serves finished tasks' files without any auth, and refuses expired links. */
	function handleCdn(req, res) {
		const url = new URL(req.url, 'http://cdn');
		const record = {
			t: now(),
			method: req.method,
			path: url.pathname,
			kind: 'download',
			status: undefined,
			authHeader: Boolean(req.headers.authorization),
		};
		requests.push(record);
		res.on('finish', () => (record.status = res.statusCode));
		res.on('close', () => (record.status ??= 'reset'));
		const fault = takeFault('download');
		record.fault = fault?.type;
		// /videos/<task_id>.mp4: a video task's MP4. /files/<task_id>/<name>: any other file a kind serves
		// (images, audio, face crops of an identify-face session).
		const match = /^\/videos\/([^/]+)\.mp4$/.exec(url.pathname);
		const fileMatch = /^\/files\/([^/]+)\/([^/]+)$/.exec(url.pathname);
		const videoTask = match ? tasks.get(match[1]) : undefined;
		const task =
			videoTask && kinds.byName(videoTask.kind).makesVideo
				? videoTask
				: fileMatch
					? tasks.get(fileMatch[1]) || sessions.get(fileMatch[1])
					: undefined;
		record.taskId = task?.id;
		if (fault) {
			if (fault.type === 'reset') return void req.socket.destroy();
			if (fault.type === 'status500') return send(res, 500, '<html><body>Internal error</body></html>');
			if (fault.type === 'status503') return send(res, 503, '<html><body>Service unavailable</body></html>');
			if (fault.type === 'wrongtype') return send(res, 200, '<html><body>Please log in</body></html>');
			if (fault.type === 'hang') return;
			if (fault.type === 'empty') {
				res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': 0 });
				return void res.end();
			}
			if (fault.type === 'trickle' || fault.type === 'stall') {
				res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': 10 * 1024 * 1024 });
				if (fault.type === 'stall') return void res.write(Buffer.alloc(1024));
				const timer = setInterval(
					() => (res.destroyed ? clearInterval(timer) : res.write(Buffer.alloc(1))),
					fault.delayMs ?? 2000,
				);
				return void res.on('close', () => clearInterval(timer));
			}
			if (fault.type === 'short') {
				const data = fs.readFileSync(FIXTURE);
				res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': data.length + 1000 });
				res.write(data);
				return void setTimeout(() => req.socket.destroy(), 50);
			}
		}
		if (!task || task.status !== 'succeed')
			return send(res, 404, '<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>');
		const expires = Number(url.searchParams.get('expires'));
		if (!expires || now() > expires || now() > task.expiresAt) {
			return send(
				res,
				403,
				'<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>',
			);
		}
		if (fileMatch) {
			const file = kinds.byName(task.kind).file?.(task, decodeURIComponent(fileMatch[2]), kindContext);
			if (!file) return send(res, 404, '<?xml version="1.0"?><Error><Code>NoSuchKey</Code></Error>');
			res.writeHead(200, { 'Content-Type': file.contentType, 'Content-Length': file.body.length });
			return void res.end(file.body);
		}
		if (directive(task.prompt, 'gzip')) {
			// A CDN that compresses on its own: Content-Length counts the bytes on the wire.
			const compressed = require('node:zlib').gzipSync(fs.readFileSync(FIXTURE));
			res.writeHead(200, {
				'Content-Type': 'video/mp4',
				'Content-Encoding': 'gzip',
				'Content-Length': compressed.length,
			});
			return void res.end(compressed);
		}
		if (!task.size) {
			const stat = fs.statSync(FIXTURE);
			res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': stat.size });
			return fs.createReadStream(FIXTURE).pipe(res);
		}
		// A large generated file, streamed with backpressure: the fixture's header, then padding.
		res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': task.size });
		const head = fs.readFileSync(FIXTURE).subarray(0, Math.min(4096, task.size));
		const chunk = Buffer.alloc(1024 * 1024, 0);
		let remaining = task.size - head.length;
		res.write(head);
		const pump = () => {
			while (remaining > 0) {
				const piece = remaining >= chunk.length ? chunk : chunk.subarray(0, remaining);
				remaining -= piece.length;
				if (!res.write(piece)) return void res.once('drain', pump);
			}
			res.end();
		};
		pump();
	}

	const apiServer = http.createServer((req, res) => {
		handleApi(req, res).catch((error) => {
			if (!res.headersSent) send(res, 500, { code: 5000, message: `simulator error: ${error.message}` });
		});
	});
	const cdnServer = http.createServer(handleCdn);
	for (const server of [apiServer, cdnServer]) {
		server.on('connection', (socket) => {
			sockets.add(socket);
			socket.on('close', () => sockets.delete(socket));
		});
	}
	await new Promise((resolve) => apiServer.listen(options.port ?? 0, config.host, resolve));
	await new Promise((resolve) => cdnServer.listen(options.cdnPort ?? 0, config.host, resolve));
	const url = `http://${config.host}:${apiServer.address().port}`;
	const cdnUrl = `http://${config.host}:${cdnServer.address().port}`;
	// CometAPI's balance query lives on another host: its own server (quota.js), checking the same key.
	const quota = await createQuotaService({
		host: config.host,
		port: options.quotaPort,
		apiKey: () => config.apiKey,
		balanceUsd: options.balanceUsd,
	});

	const api = {
		url,
		cdnUrl,
		quotaUrl: quota.url,
		quota,
		apiKey: config.apiKey,
		config,
		tasks,
		sessions,
		requests,
		events,
		callbacks,
		/** Queue a fault for the next matching request(s). */
		fault(spec) {
			if (!spec || !FAULT_TYPES.includes(spec.type)) throw new Error(`unknown fault type ${spec && spec.type}`);
			faults.push({ on: 'any', times: 1, ...spec });
			return api;
		},
		requestsOf(kind) {
			return requests.filter((r) => r.kind === kind);
		},
		/**
		 * Posts a callback nobody asked for (a spoof): `task` is sent as the body as it is.
		 * Resolves with the HTTP status the receiver answered.
		 */
		spoofCallback(url, task) {
			return new Promise((resolve) => {
				const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
					res.resume();
					resolve(res.statusCode);
				});
				req.on('error', (error) => resolve(error.code || error.message));
				req.end(JSON.stringify(task));
			});
		},
		/** Makes every link of a finished task (or identify-face session) expire now. */
		expireLinks(taskId) {
			for (const task of [...tasks.values(), ...sessions.values()])
				if (!taskId || task.id === taskId) task.expiresAt = now() - 1;
		},
		snapshot() {
			return {
				uptimeMs: now() - started,
				requests: requests.map(({ body, ...r }) => ({ ...r, model_name: body?.model_name })),
				events,
				callbacks,
				tasks: [...tasks.values()].map((t) => ({ id: t.id, status: t.status, model: t.model, body: t.body })),
			};
		},
		reset() {
			for (const task of tasks.values()) task.timers.forEach(clearTimeout);
			for (const timer of callbackTimers) clearTimeout(timer);
			callbackTimers.clear();
			tasks.clear();
			sessions.clear();
			externalIds.clear();
			requests.length = 0;
			events.length = 0;
			callbacks.length = 0;
			faults = [];
			quota.reset();
		},
		async close() {
			api.reset();
			await quota.close();
			for (const socket of sockets) socket.destroy();
			await Promise.all([apiServer, cdnServer].map((s) => new Promise((resolve) => s.close(resolve))));
		},
	};
	return api;
}

module.exports = { createSimulator, DEFAULT_KEY, FAULT_TYPES };
