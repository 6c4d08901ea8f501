/**
 * Options → Minimum Balance (the three Create operations): the user's own safeguard. Once per
 * execution, after every item is validated and before the first create, the balance is read
 * (free) and an item whose minimum is above it creates nothing. A balance that cannot be read
 * stops those items too: the user asked not to spend without knowing.
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { BalanceRead } from '../transport/balance';
import { BALANCE_READ_MS, describeBalanceFailure, formatUsd, readBalance } from '../transport/balance';

export const MINIMUM_BALANCE_PARAMETER = 'options.minimumBalance';

const NOTHING_SENT = 'nothing was sent, no task was created';

/** What the check may use from the run. */
export interface BalanceCheckRun {
	signal?: AbortSignal;
	log?(message: string): void;
}

function minimumOf(ctx: IExecuteFunctions, itemIndex: number): number | Error {
	const raw = ctx.getNodeParameter(MINIMUM_BALANCE_PARAMETER, itemIndex, 0) as unknown;
	// An expression that resolved to nothing means no check; Number() already makes '' and null 0.
	const value = raw === undefined ? 0 : Number(raw);
	if (Number.isFinite(value) && value >= 0) return value;
	return new NodeOperationError(
		ctx.getNode(),
		`Options → Minimum Balance must be a number of USD, 0 or more (0 = no check), not "${String(raw)}": ${NOTHING_SENT}`,
		{ itemIndex },
	);
}

function unreadable(ctx: IExecuteFunctions, read: BalanceRead & { ok: false }, minimum: number, itemIndex: number) {
	return new NodeOperationError(
		ctx.getNode(),
		`Could not read the CometAPI balance, which Options → Minimum Balance (${formatUsd(minimum)}) requires: ${NOTHING_SENT}`,
		{
			itemIndex,
			description: `${describeBalanceFailure(read.failure, read.balanceUrl)}. Without a balance the node creates no task, as Minimum Balance asks. Check the credential's Balance Query URL (default https://query.cometapi.com), or set Minimum Balance to 0 to create without the check.`,
		},
	);
}

function belowMinimum(ctx: IExecuteFunctions, balanceUsd: number, minimum: number, itemIndex: number) {
	return new NodeOperationError(
		ctx.getNode(),
		`The CometAPI balance is ${formatUsd(balanceUsd)}, below the Minimum Balance of ${formatUsd(minimum)}: ${NOTHING_SENT}`,
		{
			itemIndex,
			description:
				"The balance is the account's total_quota from CometAPI's balance query, read once before this run's first create. Top up your CometAPI account, or lower Options → Minimum Balance.",
		},
	);
}

/**
 * The items (of those given) that must not create anything, each with its error. The balance is
 * read at most once, and only when some item sets a minimum above 0.
 */
export async function checkMinimumBalance(
	this: IExecuteFunctions,
	itemIndices: number[],
	run: BalanceCheckRun = {},
): Promise<Map<number, Error>> {
	const refused = new Map<number, Error>();
	const minima = new Map<number, number>();
	for (const i of itemIndices) {
		const minimum = minimumOf(this, i);
		if (minimum instanceof Error) refused.set(i, minimum);
		else if (minimum > 0) minima.set(i, minimum);
	}
	if (!minima.size) return refused;

	const read = await readBalance(this, { deadline: Date.now() + BALANCE_READ_MS, signal: run.signal });
	if (read.ok) {
		run.log?.(`CometAPI balance ${formatUsd(read.balance.balanceUsd)} read for Minimum Balance`);
	}
	for (const [i, minimum] of minima) {
		if (!read.ok) refused.set(i, unreadable(this, read, minimum, i));
		else if (read.balance.balanceUsd < minimum) refused.set(i, belowMinimum(this, read.balance.balanceUsd, minimum, i));
	}
	// The router handles the first refusal first: keep the items in order.
	return new Map([...refused].sort(([a], [b]) => a - b));
}
