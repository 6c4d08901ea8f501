/** Whether an address can only be reached from inside a network (so a cloud service cannot call it). */

function isPrivateIpv4(host: string): boolean {
	const parts = host.split('.').map(Number);
	if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) return false;
	const [a, b] = parts;
	return (
		a === 0 ||
		a === 10 ||
		a === 127 ||
		(a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
		(a === 169 && b === 254) ||
		(a === 172 && b >= 16 && b <= 31) ||
		(a === 192 && b === 168)
	);
}

function isPrivateIpv6(host: string): boolean {
	const address = host.replace(/^\[|\]$/g, '').toLowerCase();
	if (address === '::1' || address === '::') return true;
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
	if (mapped) return isPrivateIpv4(mapped[1]);
	return /^(fc|fd|fe8|fe9|fea|feb)/.test(address);
}

/**
 * Loopback, private, link-local, `localhost`, `*.local`, `*.internal` and single-label names (a
 * Docker service name such as `n8n`): reachable only from the same machine or network.
 */
export function isPrivateHost(hostname: string): boolean {
	const host = hostname.toLowerCase().replace(/\.$/, '');
	if (!host) return true;
	if (host.includes(':')) return isPrivateIpv6(host);
	if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return isPrivateIpv4(host);
	if (!host.includes('.')) return true;
	return /(^|\.)(localhost|local|internal|lan|home\.arpa)$/.test(host);
}

/** The host of a URL, or undefined when it is not one. */
export function hostOf(url: string): string | undefined {
	try {
		return new URL(url).hostname;
	} catch {
		return undefined;
	}
}
