import { preview } from '../webhookIntake/limits';
import type { ParameterReader } from '../webhookIntake/parameterReader';
import { CUSTOM_EVENT, EVENT_PRESETS, type EventPreset } from './presets';

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
				: `Event ${preview(marker, 60)} is not one the trigger is set to receive.`,
	};
}
