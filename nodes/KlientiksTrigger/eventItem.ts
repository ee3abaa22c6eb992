import type { IDataObject } from 'n8n-workflow';

import { requestSummary, setOwn, type IncomingRequest, type ParameterReader } from '../shared/webhookRequest';
import {
	normalizePhone,
	parseBoolean,
	parseDate,
	parseId,
	parseMoney,
	parseTime,
	parseTimestamp,
	splitList,
	type Parsed,
} from '../shared/values';
import {
	CLIENT_FIELDS,
	CUSTOM_EVENT,
	CUSTOM_LEAD_ID_KEYS,
	EVENT_PRESETS,
	type Entity,
	type EventPreset,
	type FieldKind,
	type PresetField,
} from './presets';

/** The query parameter that tells one trigger's events apart. */
export const EVENT_MARKER_PARAMETER = 'event';

/** The event marker as sent, trimmed and lower-cased; null when absent, empty or unfilled. */
export function readEventMarker(reader: ParameterReader): string | null {
	return reader.nonEmptyText(EVENT_MARKER_PARAMETER)?.toLowerCase() ?? null;
}

export type EventDecision =
	| { action: 'preset'; preset: EventPreset }
	| { action: 'custom'; marker: string | null }
	| { action: 'ignore'; reason: string };

/**
 * A preset marker is handled only when that preset is selected. Anything else
 * (no marker, or a marker of the user's own) is Custom's, when Custom is
 * selected. Selecting Custom does not catch a known but unselected preset:
 * the user said they do not want that event.
 */
export function decideEvent(selected: readonly string[], marker: string | null): EventDecision {
	const preset = marker === null ? undefined : EVENT_PRESETS.find((p) => p.value === marker);
	if (preset) {
		return selected.includes(preset.value)
			? { action: 'preset', preset }
			: { action: 'ignore', reason: `Event "${preset.value}" is not selected in the trigger.` };
	}
	if (selected.includes(CUSTOM_EVENT.value)) return { action: 'custom', marker };
	return {
		action: 'ignore',
		reason:
			marker === null
				? 'The request has no "event" parameter and Custom is not selected in the trigger.'
				: `Event ${JSON.stringify(shorten(marker))} is not one the trigger is set to receive.`,
	};
}

function shorten(text: string, max = 60): string {
	return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The output properties one field produces, all null before the request is read. */
function emptyField(field: string, kind: FieldKind): Array<[string, IDataObject[string]]> {
	switch (kind) {
		case 'phone':
			return [
				[field, null],
				[`${field}Normalized`, null],
			];
		case 'list':
			return [
				[field, null],
				[`${field}List`, []],
			];
		case 'id':
		case 'text':
			return [[field, null]];
		default:
			return [
				[field, null],
				[`${field}Raw`, null],
			];
	}
}

function typed(kind: FieldKind, text: string): Parsed<string | number | boolean> {
	switch (kind) {
		case 'boolean':
			return parseBoolean(text);
		case 'money':
			return parseMoney(text);
		case 'date': {
			const parsed = parseDate(text);
			return parsed.ok ? { ok: true, value: parsed.value.iso } : parsed;
		}
		case 'time':
			return parseTime(text);
		default:
			return parseTimestamp(text);
	}
}

function readField(reader: ParameterReader, entity: IDataObject, entityName: Entity, spec: PresetField): void {
	const { key, field, kind } = spec;
	const text = reader.text(key);
	if (text === null) return;
	const trimmed = text.trim();
	switch (kind) {
		case 'id':
			entity[field] = trimmed === '' ? null : parseId(trimmed);
			return;
		case 'text':
			entity[field] = trimmed === '' ? null : trimmed;
			return;
		case 'phone':
			entity[field] = trimmed === '' ? null : trimmed;
			entity[`${field}Normalized`] = normalizePhone(text);
			return;
		case 'list':
			entity[field] = trimmed === '' ? null : trimmed;
			entity[`${field}List`] = splitList(text);
			return;
		default: {
			entity[`${field}Raw`] = text;
			// An empty boolean is PHP's rendering of false; an empty amount or date is just absent.
			if (trimmed === '' && kind !== 'boolean') return;
			const parsed = typed(kind, text);
			if (parsed.ok) entity[field] = parsed.value;
			else {
				reader.warn(
					`Parameter "${key}" (${JSON.stringify(shorten(text))}) ${parsed.reason}; ${entityName}.${field} is null.`,
				);
			}
		}
	}
}

function combineStart(appointment: IDataObject, rule: NonNullable<EventPreset['combineStart']>): void {
	const date = appointment[rule.date];
	const time = appointment[rule.time];
	if (typeof date !== 'string') return;
	if (date.includes('T')) appointment[rule.into] = date;
	else if (typeof time === 'string') appointment[rule.into] = `${date}T${time}`;
}

const SLUG_LENGTH = 40;

/** Leading and trailing dashes removed by index: `/-+$/` would rescan every run of dashes (quadratic). */
function trimDashes(text: string): string {
	let start = 0;
	let end = text.length;
	while (start < end && text[start] === '-') start++;
	while (end > start && text[end - 1] === '-') end--;
	return text.slice(start, end);
}

/** `My Event!` → `my-event`; only the marker's start is looked at, however long the marker is. */
function leadIdSlug(marker: string): string {
	const slug = trimDashes(
		marker
			.slice(0, SLUG_LENGTH * 2)
			.toLowerCase()
			.replace(/[^a-z0-9_-]+/g, '-'),
	).slice(0, SLUG_LENGTH);
	return slug === '' ? CUSTOM_EVENT.value : slug;
}

/** Per preset, the order of every entity's keys (computed once; the shape never changes). */
const entityKeys = new Map<EventPreset, Array<[Entity, Array<[string, IDataObject[string]]>]>>();

function keysOf(preset: EventPreset): Array<[Entity, Array<[string, IDataObject[string]]>]> {
	const known = entityKeys.get(preset);
	if (known) return known;
	const entities = new Map<Entity, Array<[string, IDataObject[string]]>>([
		['client', CLIENT_FIELDS.flatMap(({ field, kind }) => emptyField(field, kind))],
	]);
	for (const spec of preset.fields) {
		const entity = entities.get(spec.entity) ?? [];
		entities.set(spec.entity, entity);
		for (const [key, value] of emptyField(spec.field, spec.kind)) {
			if (!entity.some(([existing]) => existing === key)) entity.push([key, value]);
		}
		// `start` sits right after the time it is combined from.
		if (preset.combineStart && spec.entity === 'appointment' && spec.field === preset.combineStart.time) {
			entity.push([preset.combineStart.into, null]);
		}
	}
	const keys = [...entities];
	entityKeys.set(preset, keys);
	return keys;
}

/** Every entity of the preset with every key present and empty: null, or a fresh [] for lists. */
function emptyEntities(preset: EventPreset): Partial<Record<Entity, IDataObject>> {
	const entities: Partial<Record<Entity, IDataObject>> = {};
	for (const [name, keys] of keysOf(preset)) {
		const entity: IDataObject = {};
		for (const [key, value] of keys) entity[key] = Array.isArray(value) ? [] : value;
		entities[name] = entity;
	}
	return entities;
}

/**
 * The output item for a preset event: typed entity objects in a fixed shape
 * (every key present, null when absent), a deterministic lead id, every
 * parameter as received, and all warnings.
 */
export function buildPresetItem(
	preset: EventPreset,
	request: IncomingRequest,
	reader: ParameterReader,
): IDataObject {
	const entities = emptyEntities(preset);
	for (const spec of preset.fields) {
		readField(reader, entities[spec.entity] as IDataObject, spec.entity, spec);
	}
	if (preset.combineStart && entities.appointment) {
		combineStart(entities.appointment, preset.combineStart);
	}

	const { prefix, entity, field } = preset.leadId;
	const idValue = entities[entity]?.[field];
	let leadId: string | null = null;
	if (idValue === null || idValue === undefined) {
		const source = preset.fields.find((spec) => spec.entity === entity && spec.field === field);
		reader.warn(
			`No lead id: parameter "${source?.key}" is missing or empty, so leadId is null. ` +
				`Add ${source?.key}={{${source?.placeholder}}} to the URL in Klientiks.`,
		);
	} else {
		leadId = `${prefix}${String(idValue)}`;
	}

	const parameters = reader.allParameters();
	const item: IDataObject = { event: preset.value, leadId };
	for (const [name, value] of Object.entries(entities)) item[name] = value;
	item.parameters = parameters;
	item.warnings = reader.warnings;
	item.raw = requestSummary(request);
	return item;
}

/**
 * The output item for Custom: every parameter passed through untyped, plus a
 * lead id from the most specific id parameter present.
 */
export function buildCustomItem(
	marker: string | null,
	request: IncomingRequest,
	reader: ParameterReader,
): IDataObject {
	const event = marker ?? CUSTOM_EVENT.value;
	let leadId: string | null = null;
	for (const key of CUSTOM_LEAD_ID_KEYS) {
		const value = reader.nonEmptyText(key);
		if (value !== null) {
			leadId = `klx-${leadIdSlug(event)}-${value}`;
			break;
		}
	}
	if (leadId === null) {
		reader.warn(
			`No lead id: none of ${CUSTOM_LEAD_ID_KEYS.map((key) => `"${key}"`).join(', ')} is in the request, so leadId is null.`,
		);
	}
	const item: IDataObject = { event, leadId };
	setOwn(item, 'parameters', reader.allParameters());
	item.warnings = reader.warnings;
	item.raw = requestSummary(request);
	return item;
}
