import type { IDataObject } from 'n8n-workflow';

import { preview } from '../webhookIntake/limits';
import { receivedFields, type CallDecision } from '../webhookIntake/senderTrigger';
import type { ParameterReader } from '../webhookIntake/values';
import type { IncomingRequest } from '../webhookIntake/webhookRequest';
import {
	combineStart,
	CUSTOM_EVENT,
	CUSTOM_LEAD_ID_KEYS,
	emptyEntities,
	EVENT_PRESETS,
	typeField,
	type EventPreset,
} from './presets';

/**
 * The output item for a preset event: typed entity objects in a fixed shape
 * (every key present, null when absent), a deterministic lead id, every
 * parameter as received, and all warnings.
 */
function buildPresetItem(preset: EventPreset, request: IncomingRequest, reader: ParameterReader): IDataObject {
	const entities = emptyEntities(preset);
	for (const spec of preset.fields) {
		const text = reader.text(spec.key);
		if (text === null) continue;
		const reason = typeField(entities[spec.entity] as IDataObject, spec, text);
		if (reason !== null) reader.warn(`Parameter "${spec.key}" (${preview(text, 60)}) ${reason}; ${spec.entity}.${spec.field} is null.`);
	}
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
	return { event: preset.value, leadId, ...entities, ...receivedFields(request, reader) };
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
	let id: string | null = null;
	for (const key of CUSTOM_LEAD_ID_KEYS) {
		id = reader.nonEmptyText(key);
		if (id !== null) break;
	}
	const leadId = id === null ? null : `klx-${leadIdSlug(event)}-${id}`;
	if (leadId === null) {
		reader.warn(
			`No lead id: none of ${CUSTOM_LEAD_ID_KEYS.map((key) => `"${key}"`).join(', ')} is in the request, so leadId is null.`,
		);
	}
	return { event, leadId, ...receivedFields(request, reader) };
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
