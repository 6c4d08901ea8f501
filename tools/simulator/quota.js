'use strict';
/**
 * CometAPI's balance service (https://apidoc.cometapi.com/tools/balance-api) for tests, the demo
 * and development: its own server on its own port, as query.cometapi.com is another host.
 *
 *   GET /user/quota?key=<key>[&start_date=YYYY-MM-DD&end_date=YYYY-MM-DD]   (also /user/quota/)
 *
 * The documented answer: username, total_quota (the balance in USD), total_used_quota,
 * request_count, keys[] {name, remain_quota (-1 = unlimited), used_quota}, and daily_quota when both
 * dates are given. Error answers are not documented; these are guesses in several shapes: a missing
 * key gets 401 {code, message}, a wrong key 401 {error} echoing the key it got.
 *
 * Error modes, independent of any prompt: `quota.fault({type, times})`, or POST /__sim/faults here.
 *   html (502 page)  status500 (500 {code, message})  echourl (400 {message} echoing the request URL,
 *   the key raw and URL-encoded)  error200 (200 {error})  nototal (200 without total_quota)
 *   notjson (200 text)  reset (connection cut)  hang (no answer)
 * The balance is settable: `quota.config.balanceUsd = 3`, `quota.setBalance(3)` or POST /__sim/config.
 */
const http = require('node:http');

const QUOTA_FAULTS = ['html', 'status500', 'echourl', 'error200', 'nototal', 'notjson', 'reset', 'hang'];
const DAY_MS = 24 * 60 * 60 * 1000;

function send(res, status, body) {
	const text = typeof body === 'string' ? body : JSON.stringify(body);
	res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/html' : 'application/json' });
	res.end(text);
}

const isDate = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value || '') && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));

/**
 * @param {{ host?: string, port?: number, apiKey: string | (() => string), balanceUsd?: number }} options
 */
async function createQuotaService(options) {
	const keyOf = typeof options.apiKey === 'function' ? options.apiKey : () => options.apiKey;
	const initialBalance = options.balanceUsd ?? 100;
	const config = { balanceUsd: initialBalance, usedUsd: 21.065912, requestCount: 1221 };
	const requests = [];
	const sockets = new Set();
	let faults = [];

	function takeFault() {
		const fault = faults[0];
		if (!fault) return undefined;
		fault.times -= 1;
		if (fault.times <= 0) faults.shift();
		return fault;
	}

	function answer(url) {
		const body = {
			username: 'sim_user',
			total_quota: config.balanceUsd,
			total_used_quota: config.usedUsd,
			request_count: config.requestCount,
			keys: [
				{ name: 'sim_key', remain_quota: config.balanceUsd, used_quota: config.usedUsd },
				{ name: 'unlimited_key', remain_quota: -1, used_quota: 0 },
				{ name: 'test_key', remain_quota: 999999999, used_quota: -1 },
			],
		};
		const start = url.searchParams.get('start_date');
		const end = url.searchParams.get('end_date');
		if (start && end) {
			body.daily_quota = {};
			for (
				let t = Date.parse(`${start}T00:00:00Z`), n = 0;
				t <= Date.parse(`${end}T00:00:00Z`) && n < 62;
				t += DAY_MS, n++
			) {
				body.daily_quota[new Date(t).toISOString().slice(0, 10)] = [
					{ token_name: 'sim_key', quota_used: 0.42, request_count: 3 },
				];
			}
		}
		return body;
	}

	async function handleControl(req, res, url) {
		const chunks = [];
		for await (const chunk of req) chunks.push(chunk);
		let value;
		try {
			value = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
		} catch {
			return send(res, 400, { error: 'body is not JSON' });
		}
		if (url.pathname === '/__sim/config' && req.method === 'POST') {
			Object.assign(config, value || {});
			return send(res, 200, { config });
		}
		if (url.pathname === '/__sim/faults' && req.method === 'POST') {
			(Array.isArray(value) ? value : [value]).forEach((f) => service.fault(f));
			return send(res, 200, { faults });
		}
		if (url.pathname === '/__sim/reset' && req.method === 'POST') {
			service.reset();
			return send(res, 200, { ok: true });
		}
		return send(res, 404, { error: 'unknown control path' });
	}

	function handle(req, res) {
		const url = new URL(req.url, 'http://quota');
		if (url.pathname.startsWith('/__sim/')) return void handleControl(req, res, url);
		const key = url.searchParams.get('key');
		// The log never keeps the key: a test asks only whether one came and whether it was right.
		const record = {
			t: Date.now(),
			method: req.method,
			path: url.pathname,
			kind: 'quota',
			keyGiven: key !== null,
			authorized: false,
			authHeader: Boolean(req.headers.authorization),
			startDate: url.searchParams.get('start_date') ?? undefined,
			endDate: url.searchParams.get('end_date') ?? undefined,
			status: undefined,
			fault: undefined,
		};
		requests.push(record);
		res.on('finish', () => (record.status = res.statusCode));
		res.on('close', () => (record.status ??= 'reset'));
		req.resume();

		if (!/^\/user\/quota\/?$/.test(url.pathname))
			return send(res, 404, '<html><body><h1>404 page not found</h1></body></html>');
		if (req.method !== 'GET') return send(res, 405, { code: 405, message: 'method not allowed' });
		const fault = takeFault();
		record.fault = fault?.type;
		switch (fault?.type) {
			case 'html':
				return send(
					res,
					502,
					'<!DOCTYPE html><html><head><title>query.cometapi.com | 502: Bad gateway</title></head><body>Bad gateway</body></html>',
				);
			case 'status500':
				return send(res, 500, { code: 500, message: 'internal error, please try again later' });
			case 'echourl':
				return send(res, 400, {
					message: `cannot handle GET ${req.url} (key ${key}, ${encodeURIComponent(key || '')})`,
				});
			case 'error200':
				return send(res, 200, { error: 'quota service is busy' });
			case 'nototal':
				return send(res, 200, { username: 'sim_user', keys: [] });
			case 'notjson':
				res.writeHead(200, { 'Content-Type': 'text/plain' });
				return void res.end('ok');
			case 'reset':
				return void req.socket.destroy();
			case 'hang':
				return;
			default:
				break;
		}
		if (!key) return send(res, 401, { code: 401, message: 'key is required' });
		if (key !== keyOf()) return send(res, 401, { error: `invalid key ${key}` });
		const start = url.searchParams.get('start_date');
		const end = url.searchParams.get('end_date');
		if ((start && !isDate(start)) || (end && !isDate(end)))
			return send(res, 400, { message: 'start_date and end_date must be YYYY-MM-DD' });
		record.authorized = true;
		return send(res, 200, answer(url));
	}

	const server = http.createServer(handle);
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));

	const service = {
		url: `http://${options.host ?? '127.0.0.1'}:${server.address().port}`,
		config,
		requests,
		/** Queue an error mode for the next balance request(s). */
		fault(spec) {
			if (!spec || !QUOTA_FAULTS.includes(spec.type)) throw new Error(`unknown quota fault type ${spec && spec.type}`);
			faults.push({ times: 1, ...spec });
			return service;
		},
		setBalance(usd) {
			config.balanceUsd = usd;
			return service;
		},
		/** Forgets requests and faults; the balance goes back to the one the service started with. */
		reset() {
			requests.length = 0;
			faults = [];
			config.balanceUsd = initialBalance;
		},
		async close() {
			service.reset();
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(resolve));
		},
	};
	return service;
}

module.exports = { createQuotaService, QUOTA_FAULTS };
