import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeParameters, NodeParameterValueType } from 'n8n-workflow';

function holdsExpression(value: unknown): boolean {
	if (typeof value === 'string') return value.startsWith('=');
	if (Array.isArray(value)) return value.some(holdsExpression);
	if (value !== null && typeof value === 'object') return Object.values(value).some(holdsExpression);
	return false;
}

/**
 * `={{ $json.client.phone }}` or `={{ $json["Phone number"] }}`: what the n8n editor writes when a
 * field of the input is dragged onto a parameter. Each step starts with `.` or `[` and cannot run
 * into the next one or into the closing braces, so matching is linear.
 */
const FIELD_REFERENCE = /^=\{\{\s*\$json((?:\.[A-Za-z_][\w]*|\[(?:"[^"\\{}]*"|'[^'\\{}]*')\])+)\s*\}\}$/;
const FIELD_STEP = /\.([A-Za-z_]\w*)|\[(?:"([^"\\{}]*)"|'([^'\\{}]*)')\]/g;

/**
 * Names n8n's expression sandbox refuses or treats specially (n8n-workflow's list of unsafe
 * object properties, plus `toJSON`): a reference to one of them is left to n8n, so it answers
 * with its own value or error.
 */
const LEFT_TO_N8N = new Set([
	'__proto__',
	'prototype',
	'constructor',
	'getPrototypeOf',
	'setPrototypeOf',
	'getOwnPropertyDescriptor',
	'getOwnPropertyDescriptors',
	'defineProperty',
	'defineProperties',
	'mainModule',
	'binding',
	'_linkedBinding',
	'_load',
	'prepareStackTrace',
	'__lookupGetter__',
	'__lookupSetter__',
	'__defineGetter__',
	'__defineSetter__',
	'caller',
	'callee',
	'arguments',
	'getBuiltinModule',
	'dlopen',
	'execve',
	'loadEnvFile',
	'toJSON',
]);

/** The keys of a field reference, or undefined when the value is anything else. */
export function fieldPathOf(value: unknown): string[] | undefined {
	if (typeof value !== 'string') return undefined;
	const match = FIELD_REFERENCE.exec(value);
	if (!match) return undefined;
	const path = Array.from(match[1].matchAll(FIELD_STEP), (step) => step[1] ?? step[2] ?? step[3]);
	return path.some((key) => LEFT_TO_N8N.has(key)) ? undefined : path;
}

const NOT_READ = Symbol('not read here');

/**
 * The value a field reference gives for this input item, when it is a string, number or boolean
 * reached through the item's own properties; then n8n's expression engine gives exactly that value.
 * Anything else (a missing field, null, an object, an array) is left to n8n.
 */
function fieldValue(json: IDataObject, path: readonly string[]): string | number | boolean | typeof NOT_READ {
	let value: unknown = json;
	for (const key of path) {
		if (value === null || typeof value !== 'object' || Array.isArray(value)) return NOT_READ;
		if (!Object.prototype.hasOwnProperty.call(value, key)) return NOT_READ;
		value = (value as IDataObject)[key];
	}
	return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : NOT_READ;
}

type Entry = { constant: string | number | boolean } | { path: string[] } | { expression: true };

/** How a parameter can be read without n8n's expression engine, decided once per run from its stored value. */
type DirectRead = { kind: 'field'; path: string[] } | { kind: 'fields'; entries: Array<[string, Entry]> };

function directReadOf(stored: NodeParameterValueType | undefined): DirectRead | undefined {
	const path = fieldPathOf(stored);
	if (path) return { kind: 'field', path };
	// A collection (Additional Fields) of fixed values and expressions, at least one a field reference.
	if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return undefined;
	const entries: Array<[string, Entry]> = [];
	for (const [key, value] of Object.entries(stored)) {
		const fieldPath = fieldPathOf(value);
		if (fieldPath) entries.push([key, { path: fieldPath }]);
		else if (typeof value === 'number' || typeof value === 'boolean') entries.push([key, { constant: value }]);
		else if (typeof value === 'string' && !value.startsWith('=')) entries.push([key, { constant: value }]);
		// Another expression is evaluated by n8n on its own. Within the collection it could also
		// reach its siblings (`$parameter["&name"]`), which an entry evaluated alone cannot: an
		// expression that mentions parameters leaves the whole collection to n8n.
		else if (typeof value === 'string' && !/parameter/i.test(value)) entries.push([key, { expression: true }]);
		else return undefined;
	}
	return entries.some(([, entry]) => 'path' in entry) ? { kind: 'fields', entries } : undefined;
}

function readDirectly(read: DirectRead, json: IDataObject, readEntryByN8n: (key: string) => unknown): unknown {
	if (read.kind === 'field') return fieldValue(json, read.path);
	const values: IDataObject = {};
	for (const [key, entry] of read.entries) {
		if ('constant' in entry) values[key] = entry.constant;
		else if ('path' in entry) {
			const value = fieldValue(json, entry.path);
			values[key] = (value === NOT_READ ? readEntryByN8n(key) : value) as IDataObject[string];
		} else values[key] = readEntryByN8n(key) as IDataObject[string];
	}
	return values;
}

export type ParameterReader = <T>(name: string, itemIndex: number, fallback: T) => T;

/**
 * Reads node parameters item by item, with two shortcuts around n8n's per-item work (at 1,000
 * items the largest share of the node's CPU):
 * - a parameter holding no expression is read once per run: its value is the same for every item,
 *   and each getNodeParameter call costs n8n a copy, a walk and a schema check of the value;
 * - a parameter that only references an input field the way the editor maps it
 *   (`{{ $json.phone }}`, also an entry of Additional Fields) is read from the item itself when the
 *   field holds a string, number or boolean: the value n8n would give, without building its
 *   expression context (data proxy, luxon clock, sandbox) once per expression per item; the other
 *   entries of such a collection are evaluated by n8n one by one.
 * Everything else goes through n8n. A read that fails is not kept, so every item fails on its own.
 */
export function parameterReader(ctx: IExecuteFunctions): ParameterReader {
	const stored: INodeParameters = ctx.getNode().parameters;
	const items: INodeExecutionData[] = ctx.getInputData();
	const sameForEveryItem = new Map<string, unknown>();
	const directReads = new Map<string, DirectRead | undefined>();
	return <T>(name: string, itemIndex: number, fallback: T): T => {
		if (sameForEveryItem.has(name)) return sameForEveryItem.get(name) as T;
		if (!directReads.has(name)) directReads.set(name, directReadOf(stored[name]));
		const direct = directReads.get(name);
		const json = items[itemIndex]?.json;
		if (direct && json) {
			const value = readDirectly(direct, json, (key) => ctx.getNodeParameter(`${name}.${key}`, itemIndex));
			if (value !== NOT_READ) return value as T;
		}
		const value = ctx.getNodeParameter(name, itemIndex, fallback as never) as T;
		if (!holdsExpression(stored[name])) sameForEveryItem.set(name, value);
		return value;
	};
}
