import type { QuotaService } from './quota';

export type FaultType =
	| 'rate429'
	| 'concurrency1303'
	| 'status500'
	| 'status503'
	| 'status504'
	| 'html'
	| 'truncated'
	| 'reset'
	| 'slow'
	| 'gateway'
	| 'nobody'
	| 'trickle'
	| 'stall'
	| 'hang'
	| 'html404'
	| 'echokey'
	| 'nocode'
	| 'wrongtype'
	| 'empty'
	| 'short';

export interface FaultSpec {
	on?: 'create' | 'read' | 'download' | 'models' | 'any';
	type: FaultType;
	times?: number;
	retryAfter?: number | string;
	delayMs?: number;
	status?: number;
	code?: string;
	message?: string;
}

export interface SimRequest {
	t: number;
	method: string;
	path: string;
	kind: 'create' | 'read' | 'models' | 'download' | 'other';
	status?: number | 'reset';
	taskId?: string;
	authorized?: boolean;
	authHeader?: boolean;
	fault?: string;
	body?: Record<string, unknown>;
	/**
	 * Creates and reads: the kind module the path belongs to (tools/simulator/kinds/), named by its
	 * create path after /kling/v1/ without a leading "videos/": text2video, image2video,
	 * multi-image2video, …. Undefined for a read at a path no kind owns.
	 */
	taskKind?: string;
	/** Image creates: each image field as a URL, or {base64Bytes, sha256, format, width, height}. */
	images?: Record<string, unknown>;
}

export interface SimEvent {
	t: number;
	taskId: string;
	status: string;
}

export interface SimCallback {
	t: number;
	taskId: string;
	status: string;
	url: string;
	/** 0 for the first copy of a duplicated callback. */
	copy: number;
	/** The receiver's last answer. */
	httpStatus?: number;
	/** Why the last delivery failed; cleared when a retry got through. */
	error?: string;
	retries: number;
}

export interface SimulatorOptions {
	apiKey?: string;
	host?: string;
	port?: number;
	cdnPort?: number;
	submittedMs?: number;
	taskMs?: number;
	linkTtlMs?: number;
	maxConcurrentTasks?: number;
	maxPromptLength?: number;
	callbackWrapped?: boolean;
	callbackRetries?: number;
	callbackRetryMs?: number;
	callbackTimeoutMs?: number;
	callbackDelayMs?: number;
	callbackCopies?: number;
	callbackReorderMs?: number;
	callbackDrop?: string[];
	/** Whether task_info echoes external_task_id (default true, as Kling's API does). */
	echoExternalId?: boolean;
	/** The balance query's port (quota.js; another host in real life). */
	quotaPort?: number;
	/** The balance (total_quota, USD) the balance query answers with; default 100. */
	balanceUsd?: number;
}

export interface Simulator {
	url: string;
	cdnUrl: string;
	apiKey: string;
	/** CometAPI's balance query (GET /user/quota?key=…), for the credential's Balance Query URL. */
	quotaUrl: string;
	/** Its balance, error modes and request log (reset with the simulator). */
	quota: QuotaService;
	config: Required<Omit<SimulatorOptions, 'port' | 'cdnPort' | 'quotaPort' | 'balanceUsd'>>;
	tasks: Map<
		string,
		{ id: string; kind: string; status: string; model: string; body: Record<string, unknown>; expiresAt?: number }
	>;
	requests: SimRequest[];
	events: SimEvent[];
	callbacks: SimCallback[];
	fault(spec: FaultSpec): Simulator;
	requestsOf(kind: SimRequest['kind']): SimRequest[];
	expireLinks(taskId?: string): void;
	spoofCallback(url: string, task: Record<string, unknown>): Promise<number | string>;
	snapshot(): Record<string, unknown>;
	reset(): void;
	close(): Promise<void>;
}

export function createSimulator(options?: SimulatorOptions): Promise<Simulator>;
export const DEFAULT_KEY: string;
export const FAULT_TYPES: FaultType[];
