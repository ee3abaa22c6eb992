import { preview } from '../webhookIntake/limits';
import type { ParameterReader } from '../webhookIntake/parameterReader';
import type { CallDecision } from '../webhookIntake/senderTrigger';
import type { IncomingRequest } from '../webhookIntake/webhookRequest';
import { buildCustomItem, buildPresetItem } from './eventItem';
import { CUSTOM_EVENT, EVENT_PRESETS } from './presets';

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
