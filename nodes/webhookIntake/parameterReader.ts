import type { IDataObject } from 'n8n-workflow';

import { preview, type WarningList } from './limits';

/**
 * A placeholder the sender did not fill in arrives as its literal text:
 * Klientiks `{{client.phone}}` (or `{appointment.status}}`, a typo found in a published
 * Klientiks setup guide),
 * Traffic Light `{sub1}`. Such a value carries no data, so the triggers turn
 * it into `null` and say so in `warnings`.
 */
const UNFILLED_PLACEHOLDER = /^\s*\{{1,2}\s*[\p{L}\p{N}_.\-[\]]+\s*\}{1,2}\s*$/u;

/** Longer than any placeholder name either sender has: such text is data, and the pattern never sees it. */
const MAX_PLACEHOLDER_LENGTH = 100;

export function isUnfilledPlaceholder(value: string): boolean {
	// Every value is checked, most hold no brace: the includes() spares them the pattern.
	return value.length <= MAX_PLACEHOLDER_LENGTH && value.includes('{') && UNFILLED_PLACEHOLDER.test(value);
}

/**
 * Reads single values out of a request and records every oddity it meets
 * (repeated parameter, placeholder the sender left unfilled, value that is
 * not plain text) as a warning on the item.
 */
export class ParameterReader {
	constructor(private readonly values: Map<string, unknown[]>, private readonly warningList: WarningList) {}

	/** Every warning of the call so far: decoding and reading alike. */
	get warnings(): string[] {
		return this.warningList.list();
	}

	/**
	 * The text of a parameter, or null when it is absent, is an unfilled
	 * placeholder, or is not plain text. A repeated parameter yields its last
	 * value (PHP's rule, which cpa.tl and most senders follow).
	 */
	text(key: string): string | null {
		const list = this.values.get(key);
		if (list === undefined || list.length === 0) return null;
		if (list.length > 1) {
			this.warn(`Parameter ${preview(key)} was sent ${list.length} times; the last value is used.`);
		}
		const value = this.filled(key, list[list.length - 1]);
		if (typeof value === 'number' || typeof value === 'boolean') return String(value);
		if (value === null || value === undefined) return null;
		if (typeof value !== 'string') {
			this.warn(`Parameter ${preview(key)} is not a plain value; it was read as null.`);
			return null;
		}
		return value;
	}

	/** Like `text` but an empty or blank value is null too. */
	nonEmptyText(key: string): string | null {
		return this.text(key)?.trim() || null;
	}

	warn(message: string): void {
		this.warningList.add(message);
	}

	/** The value, or null (with a warning) when it is an unfilled placeholder. */
	private filled(key: string, value: unknown): unknown {
		if (typeof value !== 'string' || !isUnfilledPlaceholder(value)) return value;
		this.warn(`Parameter ${preview(key)} holds the unfilled placeholder ${value.trim()}; it was read as null.`);
		return null;
	}

	/**
	 * Every parameter as an object for the output: one value stays a value,
	 * a repeated one becomes an array, an unfilled placeholder becomes null.
	 */
	allParameters(): IDataObject {
		const result: IDataObject = {};
		for (const [key, list] of this.values) {
			// Keys reach the map only past the one `__proto__` rule (webhookRequest's `add`).
			result[key] = (list.length === 1 ? this.filled(key, list[0]) : list.map((value) => this.filled(key, value))) as IDataObject[string];
		}
		return result;
	}
}
