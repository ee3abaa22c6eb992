import type { IDataObject } from 'n8n-workflow';

import { preview, setOwn } from '../webhookIntake/limits';
import type { ParameterReader } from '../webhookIntake/parameterReader';
import { requestSummary, type IncomingRequest } from '../webhookIntake/webhookRequest';
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
} from '../webhookIntake/values';
import {
	CLIENT_FIELDS,
	CUSTOM_EVENT,
	CUSTOM_LEAD_ID_KEYS,
	type Entity,
	type EventPreset,
	type FieldKind,
	type PresetField,
} from './presets';

/** What each kind adds beside the field itself: the normalised phone, the split list, or the text as sent. */
const COMPANION_SUFFIX: Record<FieldKind, string | null> = {
	id: null,
	text: null,
	phone: 'Normalized',
	list: 'List',
	boolean: 'Raw',
	money: 'Raw',
	date: 'Raw',
	time: 'Raw',
	timestamp: 'Raw',
};

type FieldShape = Pick<PresetField, 'field' | 'kind'>;

/** `phoneNormalized`, `servicesList`, `amountRaw`…, per field spec: computed once, not per call. */
const companionKeys = new Map<FieldShape, string | null>();

function companionKey(spec: FieldShape): string | null {
	let key = companionKeys.get(spec);
	if (key === undefined) {
		const suffix = COMPANION_SUFFIX[spec.kind];
		key = suffix === null ? null : `${spec.field}${suffix}`;
		companionKeys.set(spec, key);
	}
	return key;
}

/** The output properties one field produces, all null before the request is read (a list's companion is []). */
function emptyField(spec: FieldShape): Array<[string, IDataObject[string]]> {
	const companion = companionKey(spec);
	if (companion === null) return [[spec.field, null]];
	return [
		[spec.field, null],
		[companion, spec.kind === 'list' ? [] : null],
	];
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
	const companion = companionKey(spec);
	switch (kind) {
		case 'id':
			entity[field] = trimmed === '' ? null : parseId(trimmed);
			return;
		case 'text':
			entity[field] = trimmed === '' ? null : trimmed;
			return;
		case 'phone':
			entity[field] = trimmed === '' ? null : trimmed;
			entity[companion as string] = normalizePhone(text);
			return;
		case 'list':
			entity[field] = trimmed === '' ? null : trimmed;
			entity[companion as string] = splitList(text);
			return;
		default: {
			entity[companion as string] = text;
			// An empty boolean is PHP's rendering of false; an empty amount or date is just absent.
			if (trimmed === '' && kind !== 'boolean') return;
			const parsed = typed(kind, text);
			if (parsed.ok) entity[field] = parsed.value;
			else {
				reader.warn(
					`Parameter "${key}" (${preview(text, 60)}) ${parsed.reason}; ${entityName}.${field} is null.`,
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

interface EntityTemplate {
	name: Entity;
	/** Every key of the entity, null; copied with a spread, which V8 does in one step for a fixed shape. */
	empty: IDataObject;
	/** Keys that hold a list and need a fresh [] on every call. */
	listKeys: string[];
}

/** Per preset, the empty shape of every entity (computed once; the shape never changes). */
const entityTemplates = new Map<EventPreset, EntityTemplate[]>();

function templatesOf(preset: EventPreset): EntityTemplate[] {
	const known = entityTemplates.get(preset);
	if (known) return known;
	const entities = new Map<Entity, Array<[string, IDataObject[string]]>>([
		['client', CLIENT_FIELDS.flatMap(emptyField)],
	]);
	for (const spec of preset.fields) {
		const entity = entities.get(spec.entity) ?? [];
		entities.set(spec.entity, entity);
		for (const [key, value] of emptyField(spec)) {
			if (!entity.some(([existing]) => existing === key)) entity.push([key, value]);
		}
		// `start` sits right after the time it is combined from.
		if (preset.combineStart && spec.entity === 'appointment' && spec.field === preset.combineStart.time) {
			entity.push([preset.combineStart.into, null]);
		}
	}
	const templates = [...entities].map(([name, keys]) => ({
		name,
		empty: Object.fromEntries(keys.map(([key, value]) => [key, Array.isArray(value) ? null : value])) as IDataObject,
		listKeys: keys.filter(([, value]) => Array.isArray(value)).map(([key]) => key),
	}));
	entityTemplates.set(preset, templates);
	return templates;
}

/** Adds every entity of the preset to the item, every key present and empty: null, or a fresh [] for lists. */
function addEmptyEntities(item: IDataObject, preset: EventPreset): Partial<Record<Entity, IDataObject>> {
	for (const { name, empty, listKeys } of templatesOf(preset)) {
		const entity: IDataObject = { ...empty };
		for (const key of listKeys) entity[key] = [];
		item[name] = entity;
	}
	return item as Partial<Record<Entity, IDataObject>>;
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
	// Keys in output order: event, leadId (set below), the entities, parameters, warnings, raw.
	const item: IDataObject = { event: preset.value, leadId: null };
	const entities = addEmptyEntities(item, preset);
	for (const spec of preset.fields) {
		readField(reader, entities[spec.entity] as IDataObject, spec.entity, spec);
	}
	if (preset.combineStart && entities.appointment) {
		combineStart(entities.appointment, preset.combineStart);
	}

	const { prefix, entity, field } = preset.leadId;
	const idValue = entities[entity]?.[field];
	if (idValue === null || idValue === undefined) {
		const source = preset.fields.find((spec) => spec.entity === entity && spec.field === field);
		reader.warn(
			`No lead id: parameter "${source?.key}" is missing or empty, so leadId is null. ` +
				`Add ${source?.key}={{${source?.placeholder}}} to the URL in Klientiks.`,
		);
	} else {
		item.leadId = `${prefix}${String(idValue)}`;
	}

	item.parameters = reader.allParameters();
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
