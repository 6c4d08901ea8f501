import { formatDuration, describeValue } from '../../../nodes/KlingCometApi/helpers/format';

describe('format', () => {
	it.each([
		[6, '6 ms'],
		[999.6, '1000 ms'],
		[6000, '6 s'],
		[1500, '1.5 s'],
		[60_000, '1 min'],
		[125_000, '2 min 5 s'],
		[Number.NaN, 'an unknown time'],
		[-1, 'an unknown time'],
	])('formatDuration(%p) = %p', (ms, text) => expect(formatDuration(ms)).toBe(text));

	it('describeValue never prints [object Object] or undefined', () => {
		expect(describeValue({ a: 1 })).toBe('{"a":1}');
		expect(describeValue(undefined)).toBe('');
		expect(describeValue(null)).toBe('');
		expect(describeValue(3)).toBe('3');
		expect(describeValue('x'.repeat(10), 4)).toBe('xxxx…');
		const circular: Record<string, unknown> = {};
		circular.self = circular;
		expect(describeValue(circular)).toBe('an unreadable value');
	});
});
