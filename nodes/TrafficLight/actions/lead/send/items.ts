import { NodeOperationError, type IDataObject, type IExecuteFunctions, type NodeApiError } from 'n8n-workflow';

import { buildLeadForm, type LeadForm } from '../../../leadRules/validation';
import { itemError } from '../../nodeErrors';
import { DEFAULTS, retryAttemptsOf, timeoutMsOf, type NodeOptions } from '../../options';

// Reading and validating one input item of Lead → Send: nothing here makes a request.

export type Prepared =
	| { ok: true; form: LeadForm; leadId?: string; timeoutMs: number; retryAttempts: number; skipDuplicates: boolean }
	| { ok: false; error: NodeApiError | NodeOperationError };

export type ReadyItem = Extract<Prepared, { ok: true }>;

/**
 * Concurrency, and the timeout and retries of the batched duplicate check, apply to the whole run:
 * they come from the first item. If its options cannot be read, the defaults apply to the run and
 * the first item fails on its own in prepare().
 */
export function runOptions(ctx: IExecuteFunctions): NodeOptions {
	try {
		return ctx.getNodeParameter('options', 0, {}) as NodeOptions;
	} catch {
		return {};
	}
}

/** Reads one of Send's parameters for an item, through n8n. */
export type ParameterRead = (name: string, itemIndex: number, fallback: unknown) => unknown;

function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

/**
 * A parameter whose stored value holds no expression (Offer ID `12345`, Options) resolves to the same
 * value for every item, so n8n is asked for it once per run; every other one is asked item by item.
 * n8n's own `rawExpressions` read tells which is which.
 */
export function sendParameterReader(ctx: IExecuteFunctions): ParameterRead {
	const sameForEveryItem = new Map<string, unknown>();
	const perItem = new Set<string>();
	return (name, itemIndex, fallback) => {
		if (sameForEveryItem.has(name)) return sameForEveryItem.get(name);
		const value = ctx.getNodeParameter(name, itemIndex, fallback);
		if (!perItem.has(name)) {
			const stored = ctx.getNodeParameter(name, itemIndex, fallback, { rawExpressions: true });
			if (holdsExpression(stored)) perItem.add(name);
			else sameForEveryItem.set(name, value);
		}
		return value;
	};
}

export function prepare(ctx: IExecuteFunctions, readParameter: ParameterRead, itemIndex: number): Prepared {
	try {
		const read = (name: string, fallback: unknown) => readParameter(name, itemIndex, fallback);
		const options = read('options', {}) as NodeOptions;
		const validation = buildLeadForm({
			offerId: read('offerId', ''),
			phone: read('phone', ''),
			country: read('country', ''),
			additionalFields: read('additionalFields', {}) as IDataObject,
		});
		if (!validation.ok) {
			const { field, message, fix } = validation.problem;
			throw new NodeOperationError(ctx.getNode(), `${message} — nothing was sent`, {
				itemIndex,
				description: `${fix} (field: ${field})`,
			});
		}
		return {
			ok: true,
			form: validation.form,
			leadId: validation.form.id,
			timeoutMs: timeoutMsOf(options),
			retryAttempts: retryAttemptsOf(options),
			skipDuplicates: options.skipDuplicates ?? DEFAULTS.skipDuplicates,
		};
	} catch (error) {
		// An invalid lead, or a parameter expression that fails for this item (e.g. a missing field).
		return { ok: false, error: itemError(ctx.getNode(), error, itemIndex) };
	}
}

export function needsCheck(prepared: Prepared): prepared is ReadyItem & { leadId: string } {
	return prepared.ok && prepared.skipDuplicates && prepared.leadId !== undefined;
}

