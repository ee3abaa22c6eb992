// A call's parameters as values: one text per parameter (ParameterReader), then typed by tolerant converters.
import type { IDataObject } from 'n8n-workflow';

import { preview, type WarningList } from './limits';

/**
 * Tolerant converters from the text a webhook sender put in a URL to typed
 * values. None of them throws: a value that cannot be read returns `null`
 * plus a reason, which the caller turns into a `warnings` entry.
 *
 * Klientiks does not document what its placeholders render as, so several
 * spellings are accepted: its API and exports write dates as `2025-03-15`
 * or `15.03.2025`, times with microseconds, money with spaces and commas,
 * booleans as PHP (`1`/empty) or PostgreSQL (`t`/`f`) render them. Traffic
 * Light documents `{created_at}` as ISO 8601 in UTC.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(reason: string): Parsed<T> => ({ ok: false, reason });

/**
 * No amount, number, date or time is written in more characters than this
 * (`2025-03-15 14:30:00.295301+03:00` is 32). Longer text is refused before
 * any pattern runs on it, so no value from outside can make a parse slow.
 */
const MAX_TYPED_LENGTH = 64;
const tooLong = <T>(): Parsed<T> => fail(`is longer than ${MAX_TYPED_LENGTH} characters`);

/**
 * Digits only → a number when it is a safe integer written without leading
 * zeros; anything else stays (trimmed) text. So no id is mangled: `00123`
 * stays `"00123"`, distinct from `123`, and a lead id built from it stays
 * the same on every call.
 */
export function parseId(text: string): number | string {
	const trimmed = text.trim();
	return /^(0|[1-9]\d{0,14})$/.test(trimmed) ? Number(trimmed) : trimmed;
}

const TRUE_WORDS = new Set(['1', 'true', 't', 'yes', 'y', 'on', 'да', 'д']);
const FALSE_WORDS = new Set(['0', 'false', 'f', 'no', 'n', 'off', 'нет', 'н', '']);

/**
 * PHP renders `false` as an empty string and PostgreSQL as `f`, so both an
 * empty value and `f` mean false; Russian «да/нет» are accepted too.
 */
export function parseBoolean(text: string): Parsed<boolean> {
	const word = text.trim().toLowerCase();
	if (TRUE_WORDS.has(word)) return ok(true);
	if (FALSE_WORDS.has(word)) return ok(false);
	return fail(`is not a yes/no value (expected 1/0, true/false, t/f, yes/no or да/нет)`);
}

/**
 * Money as people and exports write it: `1 500,50 руб.`, `1500.5₽`, `1,500.50`.
 * Spaces of every kind, currency words and signs are dropped; with both `,`
 * and `.` present the last one is the decimal separator.
 */
export function parseMoney(text: string): Parsed<number> {
	if (text.trim().length > MAX_TYPED_LENGTH) return tooLong();
	let cleaned = text
		.replace(/[\s\u00A0\u2007\u202F\u2009']/g, '')
		.replace(/(руб(лей|ля|ль)?\.?|р\.|₽|rub\.?|rur\.?)$/iu, '')
		.replace(/^(₽)/u, '');
	if (cleaned === '') return fail('is empty');
	const lastComma = cleaned.lastIndexOf(',');
	const lastDot = cleaned.lastIndexOf('.');
	if (lastComma !== -1 && lastDot !== -1) {
		const decimal = lastComma > lastDot ? ',' : '.';
		const thousands = decimal === ',' ? '.' : ',';
		cleaned = cleaned.split(thousands).join('').replace(decimal, '.');
	} else if (lastComma !== -1) {
		// A Russian amount uses the comma as the decimal separator ("1500,50");
		// only several comma groups ("1,500,000") are read as thousands.
		const thousandsOnly = /^[-+]?\d{1,3}(,\d{3}){2,}$/.test(cleaned);
		cleaned = thousandsOnly ? cleaned.split(',').join('') : cleaned.replace(',', '.');
	}
	if (!/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(cleaned)) return fail('is not an amount of money');
	const value = Number(cleaned);
	return Number.isFinite(value) ? ok(value) : fail('is not an amount of money');
}

/** Digits only; an 11-digit Russian number written with a leading 8 gets 7 instead. */
export function normalizePhone(text: string): string | null {
	const digits = text.replace(/\D/g, '');
	if (digits === '') return null;
	if (digits.length === 11 && digits.startsWith('8')) return `7${digits.slice(1)}`;
	return digits;
}

function pad(value: number, width = 2): string {
	return String(value).padStart(width, '0');
}

/** `HH:MM`, `H:MM`, `HH:MM:SS`, `HH:MM:SS.ffffff` → `HH:MM:SS[.ffffff]`. */
export function parseTime(text: string): Parsed<string> {
	if (text.trim().length > MAX_TYPED_LENGTH) return tooLong();
	const match = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/.exec(text.trim());
	if (!match) return fail('is not a time (expected HH:MM or HH:MM:SS)');
	const [, h, m, s, fraction] = match;
	const hours = Number(h);
	const minutes = Number(m);
	const seconds = s === undefined ? 0 : Number(s);
	if (hours > 23 || minutes > 59 || seconds > 59) return fail('is not a valid time of day');
	return ok(`${pad(hours)}:${pad(minutes)}:${pad(seconds)}${fraction ? `.${fraction}` : ''}`);
}

export interface DateValue {
	/** `YYYY-MM-DD` */
	date: string;
	/** `HH:MM:SS[.ffffff]` when the text had a time part. */
	time: string | null;
	/** `Z` or `±HH:MM` when the text had an offset. */
	offset: string | null;
	/** ISO 8601: `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS[.f][offset]` when there was a time. */
	iso: string;
}

/**
 * Dates as Klientiks' API and exports write them (`2025-03-15`,
 * `2025-03-15 14:30:00.295301`, `15.03.2025`, `15.03.2025 14:30`) and as
 * Traffic Light writes `{created_at}` (`2015-06-12T17:50:39+00:00`).
 */
export function parseDate(text: string): Parsed<DateValue> {
	const trimmed = text.trim();
	if (trimmed.length > MAX_TYPED_LENGTH) return tooLong();
	const match =
		/^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[./](\d{1,2})[./](\d{4}))(?:(?:[T\s]+)(\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i.exec(
			trimmed,
		);
	if (!match) return fail('is not a date (expected YYYY-MM-DD or DD.MM.YYYY, optionally with a time)');
	const year = Number(match[1] ?? match[6]);
	const month = Number(match[2] ?? match[5]);
	const day = Number(match[3] ?? match[4]);
	// Day 0 of the next month is the last day of this one.
	const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
	if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return fail('is not a real calendar date');
	const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
	const parsedTime = match[7] === undefined ? ok(null) : parseTime(match[7]);
	if (!parsedTime.ok) return fail(parsedTime.reason);
	const time = parsedTime.value;
	let offset = match[8]?.toUpperCase() ?? null;
	if (offset !== null && offset !== 'Z') {
		const digits = offset.replace(':', '');
		const hours = Number(digits.slice(1, 3));
		const minutes = digits.length > 3 ? Number(digits.slice(3, 5)) : 0;
		if (hours > 14 || minutes > 59) return fail('has an impossible time-zone offset');
		offset = `${digits[0]}${pad(hours)}:${pad(minutes)}`;
	}
	const iso = time === null ? date : `${date}T${time}${offset ?? ''}`;
	return ok({ date, time, offset, iso });
}

/**
 * A moment in time as a UTC ISO string (`2015-06-12T17:50:39.000Z`) when the
 * text carries an offset — or carries none and `assumeUtc` says what it is
 * (Traffic Light's `{created_at}` is "always UTC"). Otherwise the local ISO
 * form from `parseDate` (Klientiks sends its account's local time).
 */
export function parseTimestamp(text: string, assumeUtc = false): Parsed<string> {
	const parsed = parseDate(text);
	if (!parsed.ok) return parsed;
	const { iso, time, offset } = parsed.value;
	if (time === null || (offset === null && !assumeUtc)) return ok(iso);
	const instant = new Date(offset === null ? `${iso}Z` : iso);
	return Number.isNaN(instant.getTime()) ? ok(iso) : ok(instant.toISOString());
}

/** `Стрижка, Укладка; Маникюр` → `['Стрижка', 'Укладка', 'Маникюр']`. */
export function splitList(text: string): string[] {
	return text
		.split(/[,;\n\r|]+/)
		.map((item) => item.trim())
		.filter((item) => item !== '');
}

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
