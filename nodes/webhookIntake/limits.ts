import type { IDataObject } from 'n8n-workflow';

import { isDroppedKey, shorten } from '../shared/outsideData';

/**
 * What one webhook call may cost and what it may put into an item.
 *
 * n8n runs every workflow of an instance in one process: a call that keeps
 * the event loop busy for seconds stalls every other webhook, and an item of
 * many megabytes is copied several times by n8n (run data, execution
 * history). n8n itself accepts bodies of up to 16 MB, so each trigger bounds
 * its own work and output and says in `warnings` what it left out.
 */
export const REQUEST_LIMITS = {
	/** Parameters read from one call, query and body together (n8n's own form parser stops at 1,000 too). */
	maxParameters: 1000,
	/** Characters kept of a parameter name. */
	maxKeyLength: 200,
	/** Characters kept of one value: Klientiks' names, phones, service lists and comments are far shorter. */
	maxValueLength: 10_000,
	/** Characters of parameter text one call may put into its item, names and values together. */
	maxTotalText: 200_000,
	/** Values (strings, numbers, …) one JSON body may contribute, nested ones included. */
	maxJsonValues: 10_000,
	/** Levels of nesting kept from a JSON body; deeper parts become null (n8n copies items recursively). */
	maxDepth: 10,
	/** Bytes of a JSON body a trigger reads at all: a Klientiks or Traffic Light call is a few KB, and merely listing the keys of a 16 MB one stalls every workflow of the instance. */
	maxJsonBodyBytes: 1_048_576,
	/** Characters of the query string kept in `raw.query`. */
	maxRawQuery: 4096,
	/** Warnings kept per item; the rest are counted in a last line. */
	maxWarnings: 100,
} as const;

/** An item's warnings: each message once, at most REQUEST_LIMITS.maxWarnings of them, in the order they arose. */
export class WarningList {
	private readonly seen = new Set<string>();
	private readonly kept: string[] = [];
	private left = 0;

	add(message: string): void {
		if (this.seen.has(message)) return;
		this.seen.add(message);
		if (this.kept.length < REQUEST_LIMITS.maxWarnings) this.kept.push(message);
		else this.left++;
	}

	addAll(messages: Iterable<string>): void {
		for (const message of messages) this.add(message);
	}

	list(): string[] {
		return this.left === 0 ? [...this.kept] : [...this.kept, `…and ${this.left} more warning(s).`];
	}
}

/** The first `max` characters of a text for a message, quoted and marked when cut. */
export function preview(text: string, max = 40): string {
	return JSON.stringify(shorten(text, max));
}

/**
 * What one call may still put into its item: parameter text (names and
 * values together) and, for a JSON body, the number of values. Whatever
 * comes after the budget runs out is cut or dropped, with one warning.
 */
export class ItemBudget {
	private text: number = REQUEST_LIMITS.maxTotalText;
	private jsonValues: number = REQUEST_LIMITS.maxJsonValues;

	constructor(private readonly warnings: WarningList) {}

	/** Nothing more may be added. */
	get spent(): boolean {
		return this.text === 0;
	}

	/** The text as far as the budget allows. */
	take(text: string): string {
		if (text.length <= this.text) {
			this.text -= text.length;
			return text;
		}
		const kept = text.slice(0, this.text);
		this.leaveOutTheRest();
		return kept;
	}

	/** Text past what was read is left out (it was never decoded): nothing more may be added. */
	leaveOutTheRest(): void {
		this.text = 0;
		this.warnings.add(
			`This call carries more than ${REQUEST_LIMITS.maxTotalText} characters of parameters; text past that was cut or left out.`,
		);
	}

	/** Counts one JSON value; false when none may be added any more. */
	takeJsonValue(): boolean {
		if (this.jsonValues > 0) {
			this.jsonValues--;
			return true;
		}
		this.warnings.add(`The body holds more than ${REQUEST_LIMITS.maxJsonValues} values; the rest were left out.`);
		return false;
	}
}

/**
 * A JSON value from the body, bounded: strings cut to the value limit,
 * nesting cut at REQUEST_LIMITS.maxDepth (deeper parts become null: n8n
 * copies items recursively and a body thousands of levels deep would crash
 * it), `__proto__` keys dropped, no more values than the budget allows.
 */
export function boundedJson(value: unknown, depth: number, name: string, budget: ItemBudget, warnings: WarningList): unknown {
	if (typeof value === 'string') {
		if (value.length > REQUEST_LIMITS.maxValueLength) {
			warnings.add(
				`Parameter ${name} in the body holds a text longer than ${REQUEST_LIMITS.maxValueLength} characters; only the first ${REQUEST_LIMITS.maxValueLength} were kept.`,
			);
		}
		return budget.take(value.slice(0, REQUEST_LIMITS.maxValueLength));
	}
	if (typeof value !== 'object' || value === null) return value;
	if (depth >= REQUEST_LIMITS.maxDepth) {
		warnings.add(
			`Parameter ${name} in the body is nested deeper than ${REQUEST_LIMITS.maxDepth} levels; the deeper parts were replaced by null.`,
		);
		return null;
	}
	if (Array.isArray(value)) {
		const list: unknown[] = [];
		for (const element of value) {
			if (!budget.takeJsonValue()) break;
			list.push(boundedJson(element, depth + 1, name, budget, warnings));
		}
		return list;
	}
	const object: IDataObject = {};
	for (const key of Object.keys(value)) {
		if (isDroppedKey(key)) {
			warnings.add(`Parameter ${name} in the body holds a "__proto__" key; it was left out.`);
			continue;
		}
		if (budget.spent || !budget.takeJsonValue()) break;
		const boundedKey = budget.take(key.slice(0, REQUEST_LIMITS.maxKeyLength));
		object[boundedKey] = boundedJson((value as Record<string, unknown>)[key], depth + 1, name, budget, warnings) as IDataObject[string];
	}
	return object;
}
