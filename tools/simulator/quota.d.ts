export type QuotaFaultType = 'html' | 'status500' | 'echourl' | 'error200' | 'nototal' | 'notjson' | 'reset' | 'hang';

export interface QuotaFaultSpec {
	type: QuotaFaultType;
	times?: number;
}

/** One balance request as the service saw it. The key itself is never kept. */
export interface QuotaRequest {
	t: number;
	method: string;
	path: string;
	kind: 'quota';
	keyGiven: boolean;
	authorized: boolean;
	authHeader: boolean;
	startDate?: string;
	endDate?: string;
	status?: number | 'reset';
	fault?: QuotaFaultType;
}

export interface QuotaService {
	url: string;
	config: { balanceUsd: number; usedUsd: number; requestCount: number };
	requests: QuotaRequest[];
	fault(spec: QuotaFaultSpec): QuotaService;
	setBalance(usd: number): QuotaService;
	reset(): void;
	close(): Promise<void>;
}

export function createQuotaService(options: {
	host?: string;
	port?: number;
	apiKey: string | (() => string);
	balanceUsd?: number;
}): Promise<QuotaService>;
export const QUOTA_FAULTS: QuotaFaultType[];
