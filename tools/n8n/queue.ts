/**
 * n8n's distributed engine on one machine, for `npm run test:queue`: Redis and PostgreSQL from
 * Debian's packages, started on loopback ports in a temp folder, and n8n in queue mode (a main
 * instance, workers, a webhook processor), each process with its own user folder and our packed
 * package installed the way the Community Nodes panel does. Everything started is stopped again.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { CredentialSpec } from './instance';
import { freePort, N8nInstance } from './instance';
import { packPackage } from './package';
import type { N8nInstall } from './provision';

const PACKAGES = ['redis-server', 'postgresql'];

function postgresBin(): string | undefined {
	const root = '/usr/lib/postgresql';
	if (!existsSync(root)) return undefined;
	const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
	for (const version of versions) {
		const bin = path.join(root, version, 'bin');
		if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
	}
	return undefined;
}

const hasRedis = () => {
	try {
		execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
};

/**
 * Why the queue suite cannot run here, or undefined when it can. Missing servers are installed
 * from Debian's packages when running as root (as CI does); elsewhere the reason says what to install.
 */
export function queueSkipReason(): string | undefined {
	if (hasRedis() && postgresBin()) return undefined;
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	if (isRoot) {
		try {
			execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], {
				stdio: 'ignore',
				env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
				timeout: 10 * 60_000,
			});
		} catch {
			try {
				execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 5 * 60_000 });
				execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...PACKAGES], {
					stdio: 'ignore',
					env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
					timeout: 10 * 60_000,
				});
			} catch {
				// reported below
			}
		}
	}
	if (hasRedis() && postgresBin()) return undefined;
	return `queue mode needs Redis and PostgreSQL from Debian's packages (apt-get install ${PACKAGES.join(' ')}), which could not be installed here`;
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 60_000): Promise<void> {
	return new Promise((resolve, reject) => {
		let output = '';
		const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output.slice(-2000)}`)), timeoutMs);
		const onData = (chunk: Buffer) => {
			output += chunk.toString();
			if (pattern.test(output)) {
				clearTimeout(timer);
				resolve();
			}
		};
		child.stdout?.on('data', onData);
		child.stderr?.on('data', onData);
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`${what} exited with ${code}:\n${output.slice(-2000)}`));
		});
	});
}

export interface Service {
	port: number;
	stop(): Promise<void>;
}

export async function startRedis(): Promise<Service> {
	const port = await freePort();
	const child = spawn(
		'redis-server',
		['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
		{ stdio: ['ignore', 'pipe', 'pipe'] },
	);
	await waitForLine(child, /Ready to accept connections/, 'redis-server');
	child.removeAllListeners('exit');
	return {
		port,
		stop: () =>
			new Promise((resolve) => {
				if (child.exitCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill('SIGKILL');
			}),
	};
}

/** PostgreSQL in a temp folder, trust auth on 127.0.0.1, database `n8n`. As root it runs as `postgres`. */
export async function startPostgres(): Promise<Service> {
	const bin = postgresBin();
	if (!bin) throw new Error('PostgreSQL is not installed');
	const port = await freePort();
	const dir = mkdtempSync(path.join(tmpdir(), 'kling-pg-'));
	const data = path.join(dir, 'data');
	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
	const run = (command: string, args: string[]) => {
		const file = path.join(bin, command);
		if (isRoot) execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { stdio: 'pipe', cwd: dir });
		else execFileSync(file, args, { stdio: 'pipe', cwd: dir });
	};
	if (isRoot) {
		const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
		const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
		chownSync(dir, uid, gid);
	}
	run('initdb', ['-D', data, '--no-sync', '-A', 'trust', '-U', 'postgres']);
	run('pg_ctl', [
		'-D',
		data,
		'-o',
		`-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
		'-l',
		path.join(data, 'server.log'),
		'-w',
		'start',
	]);
	run('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'n8n']);
	return {
		port,
		stop: async () => {
			try {
				run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
			} catch {
				// already stopped
			}
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

export type BinaryDataMode = 'database' | 'filesystem';

export interface QueueClusterOptions {
	install: N8nInstall;
	redisPort: number;
	postgresPort: number;
	binaryDataMode: BinaryDataMode;
	workers: number;
	concurrency: number;
	credentials: CredentialSpec[];
	workflows: Array<Record<string, any>>;
	/** More environment for every instance (e.g. N8N_RESTRICT_FILE_ACCESS_TO). */
	env?: NodeJS.ProcessEnv;
	log?: (line: string) => void;
}

/** Main + workers + a webhook processor sharing Redis, PostgreSQL and (in filesystem mode) a binary folder. */
export class QueueCluster {
	main!: N8nInstance;
	webhook!: N8nInstance;
	workers: N8nInstance[] = [];
	webhookUrl = '';
	private tarball = '';
	private sharedEnv: NodeJS.ProcessEnv = {};
	private readonly sharedBinaryDir = mkdtempSync(path.join(tmpdir(), 'kling-queue-binary-'));

	constructor(private readonly options: QueueClusterOptions) {}

	async start(): Promise<void> {
		const { options } = this;
		const webhookPort = await freePort();
		this.webhookUrl = `http://127.0.0.1:${webhookPort}`;
		this.sharedEnv = {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(options.redisPort),
			N8N_ENCRYPTION_KEY: 'kling-queue-suite-encryption-key-0001',
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(options.postgresPort),
			DB_POSTGRESDB_DATABASE: 'n8n',
			DB_POSTGRESDB_USER: 'postgres',
			DB_POSTGRESDB_PASSWORD: '',
			// Resume URLs and the Trigger's production URL: the webhook processor.
			WEBHOOK_URL: `${this.webhookUrl}/`,
			// A dead worker's job is declared lost in 10 to 20 s instead of about 80.
			QUEUE_WORKER_LOCK_DURATION: '10000',
			QUEUE_WORKER_LOCK_RENEW_TIME: '3000',
			QUEUE_WORKER_STALLED_INTERVAL: '5000',
			N8N_DEFAULT_BINARY_DATA_MODE: options.binaryDataMode,
			N8N_BINARY_DATA_STORAGE_PATH: this.sharedBinaryDir,
			EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			...options.env,
		};
		this.tarball = await packPackage();
		this.main = await this.instance();
		await this.main.importCredentials(options.credentials);
		await this.main.importWorkflows(options.workflows);
		await this.main.start(undefined, this.prefixed('main'));
		await this.main.setupOwnerAndLogin();
		this.webhook = await this.instance();
		await Promise.all([
			this.webhook.start(webhookPort, this.prefixed('webhook'), {
				args: ['webhook'],
				ready: /Webhook listener waiting for requests/,
			}),
			...Array.from({ length: options.workers }, () => this.addWorker()),
		]);
	}

	private prefixed(name: string) {
		return (line: string) => this.options.log?.(`[${name}] ${line}`);
	}

	private async instance(): Promise<N8nInstance> {
		const instance = new N8nInstance(this.options.install, { env: this.sharedEnv });
		await instance.installPackage(this.tarball);
		return instance;
	}

	/** Starts one more worker (`n8n worker --concurrency=N`). */
	async addWorker(): Promise<N8nInstance> {
		const worker = await this.instance();
		this.workers.push(worker);
		await worker.start(undefined, this.prefixed(`worker${this.workers.length}`), {
			args: ['worker', `--concurrency=${this.options.concurrency}`],
			ready: /n8n worker is now ready/,
			env: { QUEUE_HEALTH_CHECK_ACTIVE: 'false' },
		});
		return worker;
	}

	/** Workers whose process runs. */
	liveWorkers(): N8nInstance[] {
		return this.workers.filter((worker) => worker.alive);
	}

	/** Which worker's log says it started the execution. */
	workerOf(executionId: string): N8nInstance | undefined {
		const pattern = new RegExp(`Worker started execution ${executionId}\\b`);
		return this.workers.find((worker) => pattern.test(worker.output));
	}

	/** Executions started per worker, from their logs. */
	executionsPerWorker(): number[] {
		return this.workers.map((worker) => (worker.output.match(/Worker started execution \d+/g) ?? []).length);
	}

	async stop(): Promise<void> {
		const all = [this.webhook, ...this.workers, this.main].filter(Boolean);
		await Promise.all(all.map((instance) => instance.stop().catch(() => undefined)));
		for (const instance of all) instance.cleanup();
		rmSync(this.sharedBinaryDir, { recursive: true, force: true });
	}

	get binaryDir(): string {
		mkdirSync(this.sharedBinaryDir, { recursive: true });
		return this.sharedBinaryDir;
	}
}
