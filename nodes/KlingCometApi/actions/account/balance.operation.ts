/**
 * Account → Get Balance: `GET https://query.cometapi.com/user/quota?key=<key>`
 * (https://apidoc.cometapi.com/tools/balance-api). Free. Outputs the answer as given plus
 * `balance_usd` (its total_quota); the answer names keys but not which one is calling, so none is picked.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import type { Balance } from '../../transport/balance';
import { BALANCE_READ_MS, balanceError, readBalance } from '../../transport/balance';
import type { ItemContext, Operation } from '../types';

const properties: INodeProperties[] = [
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Daily Usage From',
				name: 'startDate',
				type: 'dateTime',
				default: '',
				description:
					'With Daily Usage To: the answer adds daily_quota, the usage per key and day (start_date, YYYY-MM-DD)',
			},
			{
				displayName: 'Daily Usage To',
				name: 'endDate',
				type: 'dateTime',
				default: '',
				description: 'The last day of the daily usage breakdown (end_date, YYYY-MM-DD)',
			},
		],
	},
];

export const description = updateDisplayOptions(
	{ show: { resource: ['account'], operation: ['getBalance'] } },
	properties,
);

export interface PreparedBalance {
	startDate?: string;
	endDate?: string;
}

/** A date picker value, an ISO string or a Date → YYYY-MM-DD as the query takes it; '' when empty. */
export function queryDate(value: unknown, label: string): string {
	if (value === undefined || value === null || value === '') return '';
	const text =
		value instanceof Date ? (Number.isNaN(value.getTime()) ? '' : value.toISOString()) : String(value).trim();
	const match = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(text);
	const day = match && new Date(`${match[1]}-${match[2]}-${match[3]}T00:00:00Z`);
	if (!match || !day || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== match.slice(1).join('-'))
		throw new Error(`${label} must be a date (YYYY-MM-DD), not "${text.slice(0, 40)}"`);
	return match.slice(1).join('-');
}

function prepare(this: IExecuteFunctions, itemIndex: number): PreparedBalance {
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	try {
		const startDate = queryDate(options.startDate, 'Daily Usage From');
		const endDate = queryDate(options.endDate, 'Daily Usage To');
		if (Boolean(startDate) !== Boolean(endDate))
			throw new Error('Set both Daily Usage From and Daily Usage To, or neither: CometAPI needs both for daily_quota');
		if (startDate > endDate) throw new Error(`Daily Usage From (${startDate}) is after Daily Usage To (${endDate})`);
		return startDate ? { startDate, endDate } : {};
	} catch (error) {
		throw new NodeOperationError(this.getNode(), (error as Error).message, {
			itemIndex,
			description: 'Nothing was sent.',
		});
	}
}

/** The output: `balance_usd` first, then the answer as CometAPI gave it. */
export function balanceJson(balance: Balance): IDataObject {
	return Object.assign({ balance_usd: balance.balanceUsd }, balance.answer, { balance_usd: balance.balanceUsd });
}

async function execute(
	this: IExecuteFunctions,
	prepared: PreparedBalance,
	item: ItemContext,
): Promise<INodeExecutionData> {
	const read = await readBalance(this, { ...prepared, deadline: Date.now() + BALANCE_READ_MS, signal: item.signal });
	if (!read.ok)
		throw balanceError(this.getNode(), read.failure, { itemIndex: item.itemIndex, balanceUrl: read.balanceUrl });
	return { json: balanceJson(read.balance) };
}

export const getBalance: Operation<PreparedBalance> = { description, prepare, execute };
