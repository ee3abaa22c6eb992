import type { IDataObject } from 'n8n-workflow';

import { normalizePhone, parseBoolean, parseDate, parseId, parseMoney, parseTimestamp } from '../../webhookIntake/values';

/**
 * API rows typed for output the way the Klientiks Trigger types its fields: the API's field names
 * kept, companions beside them (`<phone>Normalized`, `<field>Raw` holding the API's value as text).
 */

/** Left out unless "Include Heavy Fields" is on: large, and duplicating other fields (research §6). */
export const HEAVY_FIELDS = new Set(['json_data', 'multi_image', 'multi_file']);
const PHONES = new Set(['phone', 'additional_contact_phone', 'executor_phone']);
const TIMESTAMPS = new Set(['created', 'modified', 'start_datetime', 'finish_datetime']);
const DATES = new Set(['birth_date']);
const BOOLEANS = new Set(['deleted', 'blocked', 'paid', 'urgent', 'is_sale', 'archived', 'appointment_confirmation_sms']);
const MONEY = new Set(['price', 'cost', 'total_cost', 'amount', 'paid_sum', 'left_to_pay', 'sum']);
/** Nested rows (appointed_services, appointment_client_links) are typed to this depth; deeper values pass as they are. */
const MAX_DEPTH = 3;

const rawText = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

function typedValue(key: string, value: unknown, out: IDataObject, depth: number): void {
	const text = typeof value === 'string' || typeof value === 'number' ? String(value) : null;
	if (PHONES.has(key)) {
		out[key] = value as IDataObject[string];
		out[`${key}Normalized`] = text === null ? null : normalizePhone(text);
	} else if (TIMESTAMPS.has(key) || DATES.has(key)) {
		const parsed = text === null ? null : DATES.has(key) ? parseDate(text) : parseTimestamp(text);
		out[key] = parsed?.ok ? (typeof parsed.value === 'string' ? parsed.value : parsed.value.iso) : null;
		out[`${key}Raw`] = rawText(value);
	} else if (BOOLEANS.has(key)) {
		out[key] = typeof value === 'boolean' ? value : text === null ? null : (parseBoolean(text) as { value?: boolean }).value ?? null;
		out[`${key}Raw`] = rawText(value);
	} else if (MONEY.has(key)) {
		out[key] = typeof value === 'number' ? value : text === null ? null : (parseMoney(text) as { value?: number }).value ?? null;
		out[`${key}Raw`] = rawText(value);
	} else if ((key === 'id' || key.endsWith('_id')) && typeof value === 'string') {
		out[key] = parseId(value);
	} else if (Array.isArray(value) && depth < MAX_DEPTH) {
		out[key] = value.map((entry) => (isObject(entry) ? typedRow(entry, true, depth + 1) : entry)) as IDataObject[];
	} else if (isObject(value) && depth < MAX_DEPTH) {
		out[key] = typedRow(value, true, depth + 1);
	} else {
		out[key] = value as IDataObject[string];
	}
}

const isObject = (value: unknown): value is IDataObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One API row typed for output; heavy fields dropped unless `includeHeavy`. */
export function typedRow(row: IDataObject, includeHeavy: boolean, depth = 0): IDataObject {
	const out: IDataObject = {};
	for (const key of Object.keys(row)) {
		if (!includeHeavy && HEAVY_FIELDS.has(key)) continue;
		typedValue(key, row[key], out, depth);
	}
	return out;
}
