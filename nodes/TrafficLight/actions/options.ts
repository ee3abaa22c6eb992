import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

export const DEFAULTS = {
	timeoutSeconds: 30,
	concurrency: 5,
	retryAttempts: 3,
	skipDuplicates: true,
} as const;

export const MAX_CONCURRENCY = 50;
export const MAX_RETRY_ATTEMPTS = 10;

export interface NodeOptions {
	timeout?: number;
	concurrency?: number;
	retryAttempts?: number;
	skipDuplicates?: boolean;
}

/** The "Options" collection of one operation; its options take their defaults from DEFAULTS above. */
export function optionsCollection(displayOptions: IDisplayOptions, options: INodeProperties[]): INodeProperties {
	return { displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add Option', default: {}, displayOptions, options };
}

/** The Timeout option every operation has; `more` adds what it means for that operation. */
export function timeoutOption(more?: string): INodeProperties {
	const description =
		'How long each request to Traffic Light may take as a whole, from connecting to the last byte of the answer';
	const { timeoutSeconds } = DEFAULTS;
	return {
		displayName: 'Timeout (Seconds)',
		name: 'timeout',
		type: 'number',
		default: timeoutSeconds,
		typeOptions: { minValue: 1, maxValue: 300 },
		description: more ? `${description}. ${more}` : description,
	};
}

/** The one read of an item's Options collection. */
export function readOptions(ctx: IExecuteFunctions, itemIndex: number): NodeOptions {
	return ctx.getNodeParameter('options', itemIndex, {}) as NodeOptions;
}

/** A hung Traffic Light must fail the item after this long, never block the workflow. */
export function timeoutMsOf(options: NodeOptions): number {
	const seconds = Number(options.timeout ?? DEFAULTS.timeoutSeconds);
	return Math.round((Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULTS.timeoutSeconds) * 1000);
}

export function concurrencyOf(options: NodeOptions): number {
	const value = Math.floor(Number(options.concurrency ?? DEFAULTS.concurrency));
	if (!Number.isFinite(value)) return DEFAULTS.concurrency;
	return Math.min(Math.max(value, 1), MAX_CONCURRENCY);
}

export function retryAttemptsOf(options: NodeOptions): number {
	const value = Number(options.retryAttempts ?? DEFAULTS.retryAttempts);
	if (!Number.isInteger(value) || value < 0) return DEFAULTS.retryAttempts;
	return Math.min(value, MAX_RETRY_ATTEMPTS);
}

/**
 * Concurrency, and the timeout and retries of Send's batched duplicate check, apply to the whole run:
 * they come from the first item. If its options cannot be read, the defaults apply to the run and
 * the first item fails on its own when it is prepared.
 */
export function runOptions(ctx: IExecuteFunctions): { timeoutMs: number; retryAttempts: number; concurrency: number } {
	let options: NodeOptions;
	try {
		options = readOptions(ctx, 0);
	} catch {
		options = {};
	}
	return { timeoutMs: timeoutMsOf(options), retryAttempts: retryAttemptsOf(options), concurrency: concurrencyOf(options) };
}
