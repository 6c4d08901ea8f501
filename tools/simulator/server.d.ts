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
	 * create path after /kling/v1/ without a leading "videos/" (see SimTaskKind). Undefined for a
	 * read at a path no kind owns. A read at lip sync's other read path (see lipSyncReadPath) is
	 * 'advanced-lip-sync' and answers 404.
	 */
	taskKind?: SimTaskKind;
	/** Creates with images: each image field as a URL, or {base64Bytes, sha256, format, width, height}. */
	images?: Record<string, unknown>;
	/** Creates with a sound_file (avatar, lip sync): each as a URL, or {base64Bytes, sha256, format, durationS}. */
	audios?: Record<string, unknown>;
	/** identify-face: the session it answered with. */
	sessionId?: string;
}

/** Every task kind the simulator speaks (one module each in tools/simulator/kinds/). */
export type SimTaskKind =
	| 'text2video'
	| 'image2video'
	| 'multi-image2video'
	| 'omni-video'
	| 'video-extend'
	| 'effects'
	| 'avatar/image2video'
	/** Not a task: answered at once with a session. */
	| 'identify-face'
	| 'advanced-lip-sync'
	| 'images/generations'
	| 'audio/tts'
	| 'audio/text-to-audio'
	| 'audio/video-to-audio';

/** effect_scene → the input it takes: one `input.image`, or two `input.images` (two-person scenes). */
export type SimEffectScenes = Record<string, 'image' | 'images'>;

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
	/**
	 * How omni-video tasks are read: 'standard' (the envelope) or 'legacy', CometAPI's older wrapper
	 * {code: 'success', message, data: {task_id, action: 'OMNI_VIDEO', status: SUBMITTED | IN_PROGRESS
	 * | SUCCESS | FAILURE, progress: 'NN%', fail_reason, …, data: <the task>}}. Default 'standard'.
	 */
	omniReadShape?: 'standard' | 'legacy';
	/** Where advanced-lip-sync tasks are read (videos/<this>/{id}); the other path answers 404/1203. Default 'advanced-lip-sync'. */
	lipSyncReadPath?: 'advanced-lip-sync' | 'lip-sync';
	/** TTS: 'immediate' (the create answers with the finished audio; default) or 'task' (read at audio/tts/{id}). */
	ttsMode?: 'immediate' | 'task';
	/** The effect scenes videos/effects accepts (default: EFFECT_SCENES in kinds/effects.js). */
	effectScenes?: SimEffectScenes;
	/** TTS voices → the languages each speaks (default: VOICES in kinds/tts.js); others answer "Voice id not found". */
	ttsVoices?: Record<string, Array<'zh' | 'en'>>;
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
		{
			id: string;
			kind: SimTaskKind;
			status: string;
			model: string;
			body: Record<string, unknown>;
			/** The result's duration string (videos, audio), when the kind has one. */
			duration?: string;
			/** What the kind's input checks learnt (a source video's length, an audio's length, a session). */
			prepared: Record<string, unknown>;
			expiresAt?: number;
		}
	>;
	/** identify-face sessions (they are not tasks), by session_id. */
	sessions: Map<
		string,
		{
			id: string;
			faces: Array<{ face_id: string; start_time: number; end_time: number }>;
			videoDurationMs: number;
			expiresAt: number;
		}
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
