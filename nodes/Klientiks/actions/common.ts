import { NodeApiError, NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeProperties, type JsonObject } from 'n8n-workflow';

import { klientiksList, type KlientiksConnection } from '../transport/klientiksApi';
import { typedRow } from './rows';

/** Return All reads at most this many rows (100 pages, about 100 s at the default pace). */
export const RETURN_ALL_MAX_ROWS = 10_000;

export interface ReadOptions {
	includeHeavyFields?: boolean;
	timeout?: number;
}

export function optionsCollection(resource: string, operation: string): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { resource: [resource], operation: [operation] } },
		options: [
			{
				displayName: 'Include Heavy Fields',
				name: 'includeHeavyFields',
				type: 'boolean',
				default: false,
				description: 'Whether to keep json_data, multi_image and multi_file in the output (large, and mostly duplicating other fields)',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				default: 30,
				typeOptions: { minValue: 1, maxValue: 300 },
				description: 'How long each request to Klientiks may take as a whole, from connecting to the last byte of the answer',
			},
		],
	};
}

export function returnAllAndLimit(resource: string, operation: string): INodeProperties[] {
	const show = { resource: [resource], operation: [operation] };
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			displayOptions: { show },
			description: 'Whether to return all results or only up to a given limit',
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			default: 50,
			typeOptions: { minValue: 1 },
			displayOptions: { show: { ...show, returnAll: [false] } },
			description: 'Max number of results to return',
		},
	];
}

export function readOptions(ctx: IExecuteFunctions, itemIndex: number): ReadOptions {
	return ctx.getNodeParameter('options', itemIndex, {}) as ReadOptions;
}

/** The connection with this item's Timeout (the allowance and pace stay shared). */
export function withTimeout(c: KlientiksConnection, options: ReadOptions): KlientiksConnection {
	const seconds = Number(options.timeout);
	return Number.isFinite(seconds) && seconds > 0 ? { ...c, timeoutMs: seconds * 1000 } : c;
}

/** A required text parameter, trimmed; an error naming the field and the fix when it is empty. */
export function requiredText(ctx: IExecuteFunctions, name: string, label: string, itemIndex: number, fix: string): string {
	const value = String(ctx.getNodeParameter(name, itemIndex, '') ?? '').trim();
	if (value === '') throw new NodeOperationError(ctx.getNode(), `${label} is empty`, { itemIndex, description: fix });
	return value;
}

/** An id Klientiks gives (an integer); an error naming the field when it is anything else. */
export function requiredId(ctx: IExecuteFunctions, name: string, label: string, itemIndex: number): string {
	const value = requiredText(ctx, name, label, itemIndex, `Set ${label} to the number Klientiks shows for it, e.g. 6439301 (map it from the trigger's item with an expression).`);
	if (!/^\d{1,15}$/.test(value)) {
		throw new NodeOperationError(ctx.getNode(), `${label} "${value.slice(0, 40)}" is not a Klientiks ID`, {
			itemIndex,
			description: `Klientiks IDs are whole numbers, e.g. 6439301. Set ${label} to one (map it from the trigger's item with an expression).`,
		});
	}
	return value;
}

/** An error about what Klientiks answered, built from our own plain object. */
export function answerError(ctx: IExecuteFunctions, message: string, description: string, itemIndex: number): NodeApiError {
	return new NodeApiError(ctx.getNode(), { message } as JsonObject, { message, description, itemIndex });
}

/** Reads a list as Return All / Limit ask, typed for output. */
export async function readList(
	ctx: IExecuteFunctions,
	c: KlientiksConnection,
	params: Array<[string, string]>,
	query: Record<string, string>,
	itemIndex: number,
): Promise<IDataObject[]> {
	const returnAll = ctx.getNodeParameter('returnAll', itemIndex, false) as boolean;
	const limit = returnAll ? RETURN_ALL_MAX_ROWS : Math.max(1, Math.floor(Number(ctx.getNodeParameter('limit', itemIndex, 50))));
	const options = readOptions(ctx, itemIndex);
	const result = await klientiksList.call(ctx, withTimeout(c, options), params, query, { maxRows: returnAll ? RETURN_ALL_MAX_ROWS + 1 : limit }, itemIndex);
	if (returnAll && result.rows.length > RETURN_ALL_MAX_ROWS) {
		throw answerError(
			ctx,
			`More than ${RETURN_ALL_MAX_ROWS} rows to return`,
			`Return All reads at most ${RETURN_ALL_MAX_ROWS} rows. Set a later "Changed Since", or turn Return All off and set Limit.`,
			itemIndex,
		);
	}
	return result.rows.map((row) => typedRow(row, options.includeHeavyFields === true));
}

/** A dateTime parameter as n8n gives it (text or a Luxon DateTime), as text; '' when empty. */
export function dateTimeText(value: unknown): string {
	if (value === null || value === undefined) return '';
	const luxon = value as { toISO?: () => string };
	if (typeof luxon.toISO === 'function') return luxon.toISO();
	return String(value).trim();
}
