/**
 * n8n's REST API returns execution data in the "flatted" format (circular JSON): a JSON array
 * whose first entry is the root and in which every string inside an object or array is the index
 * of another entry. Unflattened here rather than depending on a transitive package.
 */
export function unflatten<T = any>(text: string): T {
	const input = JSON.parse(text) as unknown[];
	const built = new Map<number, unknown>();
	const get = (index: number): unknown => {
		const raw = input[index];
		if (typeof raw !== 'object' || raw === null) return raw;
		if (built.has(index)) return built.get(index);
		const result: Record<string, unknown> | unknown[] = Array.isArray(raw) ? [] : {};
		built.set(index, result);
		for (const [key, value] of Object.entries(raw)) {
			(result as Record<string, unknown>)[key] = typeof value === 'string' ? get(Number(value)) : value;
		}
		return result;
	};
	return get(0) as T;
}
