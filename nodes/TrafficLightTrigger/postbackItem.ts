import type { IDataObject } from 'n8n-workflow';

import { preview } from '../webhookIntake/limits';
import { parseId, parseTimestamp, type ParameterReader } from '../webhookIntake/values';
import { receivedFields, type CallDecision } from '../webhookIntake/senderTrigger';
import type { IncomingRequest } from '../webhookIntake/webhookRequest';
import { POSTBACK_STATUSES, STATUS_ALIASES, STATUS_MARKER_PARAMETER } from './statuses';

/** Only the selected statuses start the workflow; everything else is answered 200 so Traffic Light stops retrying. */
export function decidePostback(selected: string[], request: IncomingRequest, reader: ParameterReader): CallDecision {
	const marker = reader.nonEmptyText(STATUS_MARKER_PARAMETER)?.toLowerCase();
	if (marker === undefined) return { ignore: 'The request has no "status" parameter.' };
	// The marker is the sender's text: only the table's own entries are aliases (not `constructor`).
	const status = Object.prototype.hasOwnProperty.call(STATUS_ALIASES, marker) ? STATUS_ALIASES[marker] : marker;
	if (!POSTBACK_STATUSES.some((option) => option.value === status)) {
		return { ignore: `Status ${preview(status, 60)} is not a known postback status.` };
	}
	if (!selected.includes(status)) return { ignore: `Status "${status}" is not selected in the trigger.` };
	return { accept: buildPostbackItem(status, request, reader), answer: { status } };
}

/**
 * One postback as an item: the status, Traffic Light's order id (`{id}`),
 * your own lead id (`{id2}`, the Lead ID you sent), the creation time as ISO
 * UTC, every parameter as received, and warnings.
 */
function buildPostbackItem(status: string, request: IncomingRequest, reader: ParameterReader): IDataObject {
	const idText = reader.nonEmptyText('id');
	if (idText === null) reader.warn('No Traffic Light order id: "id" is missing or empty, so trafficLightId is null.');
	const leadId = reader.nonEmptyText('id2');
	if (leadId === null) {
		reader.warn(
			'No lead id: "id2" is missing or empty (Traffic Light fills {id2} only when the lead was sent with a Lead ID).',
		);
	}
	const createdAtRaw = reader.text('created_at');
	let createdAt: string | null = null;
	if (createdAtRaw !== null && createdAtRaw.trim() !== '') {
		const parsed = parseTimestamp(createdAtRaw, true);
		if (parsed.ok) createdAt = parsed.value;
		else reader.warn(`Parameter "created_at" (${preview(createdAtRaw, 60)}) ${parsed.reason}; createdAt is null.`);
	}
	return {
		status,
		trafficLightId: idText === null ? null : parseId(idText),
		leadId,
		createdAt,
		createdAtRaw,
		...receivedFields(request, reader),
	};
}
