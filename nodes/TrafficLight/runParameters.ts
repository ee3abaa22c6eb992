import type { IExecuteFunctions, INodeParameters } from 'n8n-workflow';

function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

export type ParameterReader = <T>(name: string, itemIndex: number, fallback: T) => T;

/**
 * Reads node parameters item by item, except that a parameter holding no
 * expression is read once per run: its value is the same for every item, and
 * each getNodeParameter call costs n8n a copy, a walk and a schema check of
 * the value — at 1,000 items a measurable share of the node's CPU. A read that
 * fails is not kept, so every item still fails on its own.
 */
export function parameterReader(ctx: IExecuteFunctions): ParameterReader {
	const raw: INodeParameters = ctx.getNode().parameters;
	const sameForEveryItem = new Map<string, unknown>();
	return <T>(name: string, itemIndex: number, fallback: T): T => {
		if (sameForEveryItem.has(name)) return sameForEveryItem.get(name) as T;
		const value = ctx.getNodeParameter(name, itemIndex, fallback as never) as T;
		if (!holdsExpression(raw[name])) sameForEveryItem.set(name, value);
		return value;
	};
}
