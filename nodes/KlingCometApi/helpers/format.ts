/** Text for people: durations and values from the API, never "NaN", "[object Object]" or "0 min". */

export function formatDuration(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) return 'an unknown time';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
	const minutes = Math.floor(ms / 60_000);
	const seconds = Math.round((ms % 60_000) / 1000);
	return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`;
}

/** Any JSON value as short readable text (task_status_msg may be an object). */
export function describeValue(value: unknown, max = 300): string {
	let text: string;
	if (typeof value === 'string') text = value;
	else if (value === undefined || value === null) text = '';
	else if (typeof value === 'object') {
		try {
			text = JSON.stringify(value);
		} catch {
			text = 'an unreadable value';
		}
	} else text = String(value);
	return text.length > max ? `${text.slice(0, max)}…` : text;
}
