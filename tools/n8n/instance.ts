/**
 * A running n8n with its own user folder: install our package the way the Community Nodes panel
 * does, import credentials and workflows, `n8n execute` headless and parse the run, start and
 * stop the server on a free loopback port, set up the owner and call the REST API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { PACKAGE_NAME } from '../paths';
import { unflatten } from './flatted';
import { packPackage } from './package';
import type { N8nInstall } from './provision';
import type { Log } from './run';
import { run } from './run';

export const OWNER = { email: 'owner@example.com', password: 'Kling-dev-1234', firstName: 'Kling', lastName: 'Dev' };

export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as { port: number };
			server.close(() => resolve(port));
		});
		server.on('error', reject);
	});
}

export interface CredentialSpec {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

export interface ExecuteResult {
	ok: boolean;
	/** The parsed `--rawOutput` run (IRun-like), when n8n printed one. */
	run?: {
		data: { resultData: { runData: Record<string, Array<Record<string, any>>>; error?: Record<string, any> } };
		status?: string;
	};
	stdout: string;
	stderr: string;
	durationMs: number;
}

export class N8nInstance {
	readonly userFolder: string;
	private server?: ChildProcess;
	private cookie = '';
	baseUrl = '';

	constructor(
		readonly install: N8nInstall,
		options: { userFolder?: string; customExtensions?: string; env?: NodeJS.ProcessEnv } = {},
	) {
		this.userFolder = options.userFolder ?? mkdtempSync(path.join(tmpdir(), `kling-n8n-${install.version}-`));
		mkdirSync(this.userFolder, { recursive: true });
		this.customExtensions = options.customExtensions;
		this.extraEnv = options.env ?? {};
	}

	private readonly customExtensions?: string;
	private readonly extraEnv: NodeJS.ProcessEnv;

	/** What a node type is called in workflow JSON for this way of loading the package. */
	get nodeTypePrefix(): string {
		return this.customExtensions ? 'CUSTOM' : PACKAGE_NAME;
	}

	env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
		const env: NodeJS.ProcessEnv = {
			...process.env,
			PATH: `${path.dirname(this.install.nodeBinary)}:${process.env.PATH}`,
			N8N_USER_FOLDER: this.userFolder,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_DEFAULT_BINARY_DATA_MODE: 'filesystem',
			N8N_BINARY_DATA_STORAGE_PATH: this.binaryDataDir,
			// Keep successful runs (and so their binary files) for inspection and the demo.
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			// info: a failed `n8n execute` prints its run only at this level.
			N8N_LOG_LEVEL: 'info',
			N8N_RUNNERS_ENABLED: 'false',
			DB_SQLITE_POOL_SIZE: '2',
			NODE_OPTIONS: '',
			...this.extraEnv,
			...extra,
		};
		delete env.NODE_ENV;
		delete env.JEST_WORKER_ID;
		if (this.customExtensions) env.N8N_CUSTOM_EXTENSIONS = this.customExtensions;
		return env;
	}

	/** Installs the packed package into ~/.n8n/nodes the way the Community Nodes panel does. */
	async installPackage(tarball?: string): Promise<void> {
		const file = tarball ?? (await packPackage());
		const nodesDir = path.join(this.userFolder, '.n8n', 'nodes');
		const target = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
		rmSync(target, { recursive: true, force: true });
		mkdirSync(target, { recursive: true });
		await run('tar', ['-xzf', file, '-C', target, '--strip-components=1']);
		// n8n drops dev and peer dependencies before installing; ours has no runtime ones.
		const manifestPath = path.join(target, 'package.json');
		const { devDependencies: _d, peerDependencies: _p, ...manifest } = JSON.parse(readFileSync(manifestPath, 'utf8'));
		writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
		writeFileSync(
			path.join(nodesDir, 'package.json'),
			JSON.stringify(
				{ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: manifest.version } },
				null,
				2,
			),
		);
	}

	/** Runs the n8n CLI; resolves with its output whatever the exit code. */
	async cli(
		args: string[],
		timeoutMs = 5 * 60_000,
		onLine?: (line: string) => void,
	): Promise<{ code: number | null; stdout: string; stderr: string }> {
		// Its own task-broker port: the default 5679 may be held by another n8n on this machine.
		const env = this.env({ N8N_RUNNERS_BROKER_PORT: String(await freePort()) });
		return await new Promise((resolve, reject) => {
			const child = spawn(this.install.nodeBinary, [this.install.n8nScript, ...args], {
				env,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			let stdout = '';
			let stderr = '';
			const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
			child.stdout.on('data', (c: Buffer) => {
				stdout += c.toString();
				if (onLine) c.toString().split('\n').forEach(onLine);
			});
			child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
			child.on('error', reject);
			child.on('exit', (code) => {
				clearTimeout(timer);
				resolve({ code, stdout, stderr });
			});
		});
	}

	private async importFile(kind: 'credentials' | 'workflow', data: unknown): Promise<void> {
		const file = path.join(this.userFolder, `import-${kind}-${Date.now()}.json`);
		writeFileSync(file, JSON.stringify(data, null, 2));
		const result = await this.cli([`import:${kind}`, `--input=${file}`]);
		rmSync(file, { force: true });
		if (result.code !== 0) throw new Error(`n8n import:${kind} failed:\n${result.stdout}\n${result.stderr}`);
	}

	/** Credentials in plain text; n8n encrypts them on import. */
	importCredentials(credentials: CredentialSpec[]): Promise<void> {
		return this.importFile('credentials', credentials);
	}

	/** Imports workflows, rewriting our node's type for the way the package is loaded here. */
	importWorkflows(workflows: Array<Record<string, any>>): Promise<void> {
		const prefix = this.nodeTypePrefix;
		const adapted = workflows.map((wf) => ({
			...wf,
			nodes: wf.nodes.map((n: Record<string, any>) => ({
				...n,
				type: String(n.type).replace(`${PACKAGE_NAME}.`, `${prefix}.`),
			})),
		}));
		return this.importFile('workflow', adapted);
	}

	/**
	 * `n8n execute --id --rawOutput`. A successful run is printed as JSON; a failed one only in the
	 * info log, so the first top-level JSON object in the output is taken either way.
	 */
	async execute(workflowId: string, onLine?: (line: string) => void): Promise<ExecuteResult> {
		const started = Date.now();
		const { code, stdout, stderr } = await this.cli(
			['execute', `--id=${workflowId}`, '--rawOutput'],
			30 * 60_000,
			onLine,
		);
		return {
			ok: code === 0,
			run: firstJsonObject(`${stdout}\n${stderr}`),
			stdout,
			stderr,
			durationMs: Date.now() - started,
		};
	}

	get binaryDataDir(): string {
		return path.join(this.userFolder, 'binary-data');
	}

	/** Where n8n's filesystem binary-data mode keeps a binary item of a run. */
	binaryPath(binaryId: string): string {
		const [, relative] = binaryId.split(':');
		return path.join(this.binaryDataDir, relative);
	}

	/** Everything the server process printed (stdout and stderr), for tests that read its log. */
	output = '';

	get pid(): number | undefined {
		return this.server?.pid;
	}

	/** The server process is running. */
	get alive(): boolean {
		return Boolean(this.server && this.server.exitCode === null && this.server.signalCode === null);
	}

	/**
	 * Starts an n8n process on a loopback port and waits until it is ready: `n8n start` (the
	 * editor is served) by default, or `n8n worker` / `n8n webhook` with their own ready lines.
	 */
	async start(
		port?: number,
		log: Log = () => {},
		process_: { args: string[]; ready: RegExp; env?: NodeJS.ProcessEnv } = {
			args: ['start'],
			// /healthz answers before the editor and webhooks are ready: wait for this line.
			ready: /Editor is now accessible/,
		},
	): Promise<string> {
		const listenPort = port ?? (await freePort());
		this.baseUrl = `http://127.0.0.1:${listenPort}`;
		const env = this.env({
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_PORT: String(listenPort),
			N8N_HOST: '127.0.0.1',
			N8N_LOG_LEVEL: 'info',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			...process_.env,
		});
		this.server = spawn(this.install.nodeBinary, [this.install.n8nScript, ...process_.args], {
			env,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		this.output = '';
		const server = this.server;
		const onData = (chunk: Buffer) => {
			this.output += chunk.toString();
			log(chunk.toString().trimEnd());
		};
		server.stdout!.on('data', onData);
		server.stderr!.on('data', onData);
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(
				() => reject(new Error(`n8n ${process_.args[0]} did not start within 180 s:\n${this.output.slice(-3000)}`)),
				180_000,
			);
			const check = () => {
				if (process_.ready.test(this.output)) {
					clearTimeout(timer);
					server.stdout!.off('data', check);
					server.stderr!.off('data', check);
					resolve();
				}
			};
			server.stdout!.on('data', check);
			server.stderr!.on('data', check);
			server.once('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`n8n exited with ${code}:\n${this.output.slice(-3000)}`));
			});
		});
		server.removeAllListeners('exit');
		return this.baseUrl;
	}

	/** Kills the server at once (SIGKILL), as a crash or an OOM kill would. */
	async kill(): Promise<void> {
		const server = this.server;
		if (!server || server.exitCode !== null || server.signalCode !== null) return;
		await new Promise<void>((resolve) => {
			server.once('exit', () => resolve());
			server.kill('SIGKILL');
		});
	}

	/** The server's resident memory in kB (VmRSS), read from /proc. */
	rssKb(): number | undefined {
		const pid = this.server?.pid;
		if (!pid) return undefined;
		try {
			const status = readFileSync(`/proc/${pid}/status`, 'utf8');
			return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
		} catch {
			return undefined;
		}
	}

	/** Starts a manual execution of a stored workflow, as the editor's "Execute workflow" does; returns its id. */
	async runManually(workflowId: string, triggerName: string): Promise<string> {
		const stored = await this.rest('GET', `/workflows/${workflowId}`);
		const started = await this.rest('POST', `/workflows/${workflowId}/run`, {
			workflowData: stored.json.data,
			triggerToStartFrom: { name: triggerName },
		});
		const id = started.json?.data?.executionId;
		if (!id) throw new Error(`n8n did not start the workflow: ${JSON.stringify(started.json).slice(0, 500)}`);
		return String(id);
	}

	/** An execution through REST, with its run data unflattened. */
	async execution(id: string): Promise<{ status: string; data: any; customData: Record<string, string>; raw: any }> {
		const answer = await this.rest('GET', `/executions/${id}`);
		const raw = answer.json?.data;
		if (!raw) throw new Error(`execution ${id}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`);
		return {
			status: raw.status,
			data: typeof raw.data === 'string' ? unflatten(raw.data) : raw.data,
			customData: Array.isArray(raw.customData)
				? Object.fromEntries(raw.customData.map((entry: { key: string; value: string }) => [entry.key, entry.value]))
				: (raw.customData ?? {}),
			raw,
		};
	}

	/** Polls an execution until its status is one of `statuses`. */
	async waitForExecution(id: string, statuses: string[], timeoutMs = 120_000) {
		const end = Date.now() + timeoutMs;
		for (;;) {
			let problem = '';
			const execution = await this.execution(id).catch((error: Error) => {
				problem = error.message;
				return undefined;
			});
			if (execution && statuses.includes(execution.status)) return execution;
			if (Date.now() > end)
				throw new Error(`execution ${id} did not reach ${statuses.join('/')} (last: ${execution?.status ?? problem})`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}

	/** Executions of a workflow, newest first. */
	async executionsOf(workflowId: string): Promise<Array<{ id: string; status: string }>> {
		// The list is paginated (20 by default; n8n 2.41 refuses a limit above 100).
		const answer = await this.rest(
			'GET',
			`/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}&limit=100`,
		);
		const results = answer.json?.data?.results ?? answer.json?.data ?? [];
		return results.map((entry: { id: string; status: string }) => ({ id: String(entry.id), status: entry.status }));
	}

	/** Activates (publishes) a stored workflow so its production webhooks listen. */
	async activate(workflowId: string): Promise<void> {
		const stored = await this.rest('GET', `/workflows/${workflowId}`);
		const versionId = stored.json?.data?.versionId;
		const answer = await this.rest('POST', `/workflows/${workflowId}/activate`, { versionId });
		if (answer.status >= 300) {
			const patched = await this.rest('PATCH', `/workflows/${workflowId}`, { ...stored.json.data, active: true });
			if (patched.status >= 300)
				throw new Error(
					`could not activate ${workflowId}: ${answer.status} ${JSON.stringify(answer.json).slice(0, 300)}`,
				);
		}
	}

	async stop(): Promise<void> {
		const server = this.server;
		// A killed process has a signalCode and no exitCode; its 'exit' event has already fired.
		if (!server || !this.alive) return;
		await new Promise<void>((resolve) => {
			const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
			server.once('exit', () => {
				clearTimeout(timer);
				resolve();
			});
			server.kill('SIGTERM');
		});
	}

	/** A REST call as the editor makes it, with the owner's session cookie. */
	async rest(method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
		const response = await fetch(`${this.baseUrl}/rest${route}`, {
			method,
			headers: {
				'Content-Type': 'application/json',
				...(this.cookie ? { Cookie: this.cookie } : {}),
				'browser-id': 'kling-e2e',
			},
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const setCookie = response.headers.get('set-cookie');
		if (setCookie) this.cookie = setCookie.split(';')[0];
		const text = await response.text();
		let json: any;
		try {
			json = JSON.parse(text);
		} catch {
			json = text;
		}
		return { status: response.status, json };
	}

	/** Creates the owner account (so the editor opens without a sign-up form) and logs in. */
	async setupOwnerAndLogin(): Promise<void> {
		await this.rest('POST', '/owner/setup', OWNER);
		const login = await this.rest('POST', '/login', {
			emailOrLdapLoginId: OWNER.email,
			email: OWNER.email,
			password: OWNER.password,
		});
		if (login.status !== 200) throw new Error(`n8n login failed (${login.status}): ${JSON.stringify(login.json)}`);
	}

	get sessionCookie(): string {
		return this.cookie;
	}

	cleanup(): void {
		rmSync(this.userFolder, { recursive: true, force: true });
	}
}

/**
 * The first multi-line JSON object printed at the start of a line ("{" ... "}"). At debug level
 * n8n colours log lines and appends metadata after the closing brace: both are stripped.
 */
export function firstJsonObject(output: string): ExecuteResult['run'] {
	// eslint-disable-next-line no-control-regex
	const lines = output.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
	for (let i = 0; i < lines.length; i++) {
		if (!/^\{\s*$/.test(lines[i].replace(/^.*?\b(?:info|debug)\s+/, ''))) continue;
		const first = '{';
		for (let j = i + 1; j < lines.length; j++) {
			if (!lines[j].startsWith('}')) continue;
			try {
				return JSON.parse([first, ...lines.slice(i + 1, j), '}'].join('\n'));
			} catch {
				// a "}" inside the object: keep looking
			}
		}
	}
	return undefined;
}
