/**
 * A CometAPI impostor for property tests: every case has its own API key, and the server answers
 * that case's requests from its script (status, headers, body, and how to send it: at once,
 * after a delay, trickled, never, or by cutting the connection). It logs what it answered, so a
 * test can tell which create answers carried a task id.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Delivery = 'normal' | 'delay' | 'trickle' | 'hang' | 'reset';

export interface ScriptedAnswer {
	status: number;
	headers?: Record<string, string>;
	body: string | Buffer;
	delivery: Delivery;
}

export interface CaseScript {
	create: ScriptedAnswer[];
	read: ScriptedAnswer[];
	download: ScriptedAnswer[];
}

export interface Answered {
	kind: 'create' | 'read' | 'download' | 'other';
	answer?: ScriptedAnswer;
	/** The whole answer went out (not trickled, hung or cut). */
	complete: boolean;
}

export interface HostileServer {
	url: string;
	/** Registers a case; returns its API key. */
	addCase(key: string, script: CaseScript): void;
	log(key: string): Answered[];
	close(): Promise<void>;
}

export async function startHostileServer(): Promise<HostileServer> {
	const cases = new Map<string, { script: CaseScript; counts: Record<string, number>; log: Answered[] }>();
	const sockets = new Set<Socket>();
	const timers = new Set<NodeJS.Timeout>();
	const later = (ms: number, fn: () => void) => {
		const t = setTimeout(() => {
			timers.delete(t);
			fn();
		}, ms);
		timers.add(t);
	};

	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://x');
		// Downloads carry the case in the path (the CDN sees no key).
		const cdn = /^\/cdn\/([^/]+)\//.exec(url.pathname);
		const key = cdn ? decodeURIComponent(cdn[1]) : String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
		const entry = cases.get(key);
		req.resume();
		if (!entry) {
			res.writeHead(401, { 'Content-Type': 'application/json' });
			res.end('{"code":1002,"message":"unknown key"}');
			return;
		}
		const kind: Answered['kind'] = cdn
			? 'download'
			: req.method === 'POST'
				? 'create'
				: req.method === 'GET'
					? 'read'
					: 'other';
		if (kind === 'other') {
			res.writeHead(405).end();
			return;
		}
		const list = entry.script[kind];
		const n = entry.counts[kind] ?? 0;
		entry.counts[kind] = n + 1;
		const answer = list[Math.min(n, list.length - 1)];
		const record: Answered = { kind, answer, complete: false };
		entry.log.push(record);
		const send = () => {
			if (res.destroyed) return;
			res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
			res.end(answer.body, () => (record.complete = true));
		};
		switch (answer.delivery) {
			case 'normal':
				return send();
			case 'delay':
				return later(150, send);
			case 'reset':
				return void req.socket.destroy();
			case 'hang':
				return;
			case 'trickle': {
				res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
				const body = Buffer.from(answer.body);
				let i = 0;
				const step = () => {
					if (res.destroyed) return;
					if (i >= body.length) return void res.end();
					res.write(body.subarray(i, ++i));
					later(400, step);
				};
				return step();
			}
		}
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		url,
		addCase: (key, script) => cases.set(key, { script, counts: {}, log: [] }),
		log: (key) => cases.get(key)?.log ?? [],
		close: async () => {
			timers.forEach(clearTimeout);
			sockets.forEach((socket) => socket.destroy());
			await new Promise((resolve) => server.close(resolve));
		},
	};
}
