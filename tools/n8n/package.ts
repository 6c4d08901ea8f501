/** The package as a user gets it: `npm pack` of the build, once per process. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { ROOT } from '../paths';

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
