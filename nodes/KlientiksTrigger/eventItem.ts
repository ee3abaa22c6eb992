import type { IDataObject } from 'n8n-workflow';

import { preview } from '../webhookIntake/limits';
import type { ParameterReader } from '../webhookIntake/parameterReader';
import type { CallDecision } from '../webhookIntake/senderTrigger';
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
	EVENT_PRESETS,
	type Entity,
	type EventPreset,
	type FieldKind,
	type PresetField,
} from './presets';

type Value = IDataObject[string];

interface KindRule {
	/** The field's value from its trimmed, non-empty text. */
	read(trimmed: string): Parsed<Value>;
	/** The property beside the field: its key suffix and its value from the text as sent. */
	companion?: [suffix: string, of: (text: string) => Value];
}

const ok = (value: Value): Parsed<Value> => ({ ok: true, value });
const RAW: KindRule['companion'] = ['Raw', (text) => text];

/** What each kind of field puts into its entity (documented in docs/klientiks-trigger.md, Output). */
const KINDS: Record<FieldKind, KindRule> = {
	id: { read: (text) => ok(parseId(text)) },
	text: { read: ok },
	phone: { read: ok, companion: ['Normalized', normalizePhone] },
	list: { read: ok, companion: ['List', splitList] },
	boolean: { read: parseBoolean, companion: RAW },
	money: { read: parseMoney, companion: RAW },
	date: {
		read: (text) => {
			const parsed = parseDate(text);
			return parsed.ok ? ok(parsed.value.iso) : parsed;
		},
		companion: RAW,
	},
	time: { read: parseTime, companion: RAW },
	timestamp: { read: (text) => parseTimestamp(text), companion: RAW },
};

/** The preset's entities with every key present, null before the call is read ([] for a list); `client` comes first. */
export function emptyEntities(preset: EventPreset): Partial<Record<Entity, IDataObject>> {
	const entities: Partial<Record<Entity, IDataObject>> = {};
	for (const { entity, field, kind } of [...CLIENT_FIELDS, ...preset.fields]) {
		const keys = (entities[entity] ??= {});
		if (field in keys) continue;
		keys[field] = null;
		const companion = KINDS[kind].companion;
		if (companion) keys[field + companion[0]] = kind === 'list' ? [] : null;
		// `start` sits right after the time it is combined from.
		if (preset.combineStart && entity === 'appointment' && field === 'time') keys.start = null;
	}
	return entities;
}

/**
 * Puts a field's text, typed by its kind, into its entity (with its companion); returns why
 * it could not be read, or null. The catch-up trigger types the API's values through it too.
 */
export function typeField(entity: IDataObject, { field, kind }: PresetField, text: string): string | null {
	const { read, companion } = KINDS[kind];
	if (companion) entity[field + companion[0]] = companion[1](text);
	const trimmed = text.trim();
	// An empty boolean is PHP's rendering of false; any other empty value is just absent.
	if (trimmed === '' && kind !== 'boolean') return null;
	const parsed = read(trimmed);
	if (parsed.ok) {
		entity[field] = parsed.value;
		return null;
	}
	return parsed.reason;
}

function readField(reader: ParameterReader, entity: IDataObject, spec: PresetField): void {
	const text = reader.text(spec.key);
	if (text === null) return;
	const reason = typeField(entity, spec, text);
	if (reason !== null) reader.warn(`Parameter "${spec.key}" (${preview(text, 60)}) ${reason}; ${spec.entity}.${spec.field} is null.`);
}

/** A date that carries its own time is the start already; otherwise date and time are joined. */
export function combineStart(appointment: IDataObject): void {
	const { date, time } = appointment;
	if (typeof date !== 'string') return;
	if (date.includes('T')) appointment.start = date;
	else if (typeof time === 'string') appointment.start = `${date}T${time}`;
}

/**
 * The output item for a preset event: typed entity objects in a fixed shape
 * (every key present, null when absent), a deterministic lead id, every
 * parameter as received, and all warnings.
 */
function buildPresetItem(preset: EventPreset, request: IncomingRequest, reader: ParameterReader): IDataObject {
	const entities = emptyEntities(preset);
	for (const spec of preset.fields) readField(reader, entities[spec.entity] as IDataObject, spec);
	if (preset.combineStart && entities.appointment) combineStart(entities.appointment);

	const { prefix, entity } = preset.leadId;
	const id = entities[entity]?.id;
	const leadId = id === null || id === undefined ? null : `${prefix}${String(id)}`;
	if (leadId === null) {
		const source = preset.fields.find((spec) => spec.entity === entity && spec.field === 'id');
		reader.warn(
			`No lead id: parameter "${source?.key}" is missing or empty, so leadId is null. ` +
				`Add ${source?.key}={{${source?.placeholder}}} to the URL in Klientiks.`,
		);
	}
	return { event: preset.value, leadId, ...entities, ...received(request, reader) };
}

/** `My Event!` → `my-event`; only the marker's start is looked at, however long the marker is. */
function leadIdSlug(marker: string): string {
	const slug = marker
		.slice(0, 80)
		.toLowerCase()
		.replace(/[^a-z0-9_-]+/g, '-')
		.replace(/^-+|-+$/g, '')
		.slice(0, 40);
	return slug === '' ? CUSTOM_EVENT.value : slug;
}

/**
 * The output item for Custom: every parameter passed through untyped, plus a
 * lead id from the most specific id parameter present.
 */
function buildCustomItem(marker: string | null, request: IncomingRequest, reader: ParameterReader): IDataObject {
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
	return { event, leadId, ...received(request, reader) };
}

/** What every item ends with: the parameters as received, the warnings (reading them may add some) and the call. */
function received(request: IncomingRequest, reader: ParameterReader): IDataObject {
	const parameters = reader.allParameters();
	return { parameters, warnings: reader.warnings, raw: requestSummary(request) };
}

// ---- Which event a call is for ----

/** The query parameter that tells one trigger's events apart. */
export const EVENT_MARKER_PARAMETER = 'event';

/**
 * A preset marker is handled only when that preset is selected. Anything else
 * (no marker, or a marker of the user's own) is Custom's, when Custom is
 * selected. Selecting Custom does not catch a known but unselected preset:
 * the user said they do not want that event.
 */
export function decideEvent(selected: string[], request: IncomingRequest, reader: ParameterReader): CallDecision {
	// Trimmed and lower-cased; null when absent, empty or unfilled.
	const marker = reader.nonEmptyText(EVENT_MARKER_PARAMETER)?.toLowerCase() ?? null;
	const preset = EVENT_PRESETS.find((p) => p.value === marker);
	if (preset) {
		if (!selected.includes(preset.value)) return { ignore: `Event "${preset.value}" is not selected in the trigger.` };
		return { accept: buildPresetItem(preset, request, reader), answer: { event: preset.value } };
	}
	if (!selected.includes(CUSTOM_EVENT.value)) {
		return {
			ignore:
				marker === null
					? 'The request has no "event" parameter and Custom is not selected in the trigger.'
					: `Event ${preview(marker, 60)} is not one the trigger is set to receive.`,
		};
	}
	const item = buildCustomItem(marker, request, reader);
	return { accept: item, answer: { event: item.event } };
}
