/**
 * From Klientiks API rows to events, and from events to items in exactly the Klientiks
 * Trigger's shape (its preset tables and typing, `eventItem.ts`), so one Traffic Light
 * mapping serves both triggers and an event gives the same Lead ID whichever saw it.
 *
 * Which row is which event is inferred (the research shows no field list of a visits row);
 * docs/klientiks-trigger.md, Catch-up, names the rule and the one live call that confirms it.
 */
import type { IDataObject } from 'n8n-workflow';

import { combineStart, emptyEntities, typeField } from '../KlientiksTrigger/eventItem';
import { EVENT_PRESETS, type EventPreset } from '../KlientiksTrigger/presets';
import { preview } from '../webhookIntake/limits';
import type { Feed } from './position';

export type CatchUpEvent = 'client_added' | 'appointment_created' | 'visit_paid';
export const CATCH_UP_EVENTS: readonly CatchUpEvent[] = ['client_added', 'appointment_created', 'visit_paid'];
/** The option that emits every changed row instead of events. */
export const RAW_EVENT = 'raw';

const presetOf = (event: CatchUpEvent): EventPreset => EVENT_PRESETS.find((p) => p.value === event) as EventPreset;

// ---- time: Klientiks stamps carry no zone; they are the account's local time ----

const STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/;

/**
 * Process-wide: one formatter per time zone. Building one costs a hundred times its use, and a poll
 * reads four stamps per row: built per stamp, a 1,000-row poll held the event loop over half a second.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
/** Zones are few (one per account); the bound only keeps odd input from growing the map. */
const MAX_FORMATTERS = 64;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
		});
		if (formatters.size >= MAX_FORMATTERS) formatters.clear();
		formatters.set(timeZone, formatter);
	}
	return formatter;
}

/** Minutes the zone is ahead of UTC at this instant. */
function zoneOffsetMinutes(ms: number, timeZone: string): number {
	const parts = formatterFor(timeZone).formatToParts(new Date(ms));
	const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
	return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

/** Whether Intl knows this zone name. */
export function isTimeZone(timeZone: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone });
		return true;
	} catch {
		return false;
	}
}

/** `2026-12-01 12:00:00.295301` in the account's zone → the instant (ms); NaN when it is not such a stamp. */
export function stampToMs(value: unknown, timeZone: string): number {
	if (typeof value !== 'string') return NaN;
	const match = STAMP.exec(value.trim());
	if (!match) return NaN;
	const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = ''] = match;
	const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(fraction.padEnd(3, '0').slice(0, 3)));
	// The zone's offset at the guessed instant, then again at the corrected one (a change of offset in between).
	const first = local - zoneOffsetMinutes(local, timeZone) * 60000;
	return local - zoneOffsetMinutes(first, timeZone) * 60000;
}

/** The account's local day of an instant, `YYYY-MM-DD` (what the clients list's `date/` takes). */
export function dayInZone(ms: number, timeZone: string): string {
	return new Date(ms + zoneOffsetMinutes(ms, timeZone) * 60000).toISOString().slice(0, 10);
}

// ---- which rows are events ----

/** An event found in a row, before its item is built; `at` is the stamp that made it one (ms). */
export interface Found {
	event: CatchUpEvent;
	leadId: string;
	at: number;
	row: IDataObject;
}

const idText = (value: unknown): string | null =>
	(typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.trim() !== '') ? String(value).trim() : null;

/** A client row is Client Added when it was created inside the window. */
export function clientEvents(row: IDataObject, fromMs: number, timeZone: string): Found[] {
	const id = idText(row.id);
	const at = stampToMs(row.created, timeZone);
	if (id === null || !(at >= fromMs)) return [];
	return [{ event: 'client_added', leadId: `klx-client-${id}`, at, row }];
}

/**
 * A visits-feed row (not a sale) is Appointment Created when it was created inside the
 * window, and Visit Paid when it is paid and was modified inside the window. Both can hold.
 */
export function visitEvents(row: IDataObject, fromMs: number, timeZone: string): Found[] {
	if (row.is_sale === true) return [];
	const found: Found[] = [];
	const appointmentId = idText(row.appointment_id);
	const created = stampToMs(row.created, timeZone);
	if (appointmentId !== null && created >= fromMs) {
		found.push({ event: 'appointment_created', leadId: `klx-appointment-${appointmentId}`, at: created, row });
	}
	const id = idText(row.id);
	const modified = stampToMs(row.modified, timeZone);
	if (id !== null && row.paid === true && modified >= fromMs) {
		found.push({ event: 'visit_paid', leadId: `klx-visit-${id}`, at: modified, row });
	}
	return found;
}

// ---- the items ----

const text = (value: unknown): string | null => (value === null || value === undefined || typeof value === 'object' ? null : String(value));

const NOT_IN_FEED =
	'client.name and client.phone are null: the Klientiks API\'s visits feed carries only client_id. To send a lead with a phone, ' +
	'add the Klientiks node (Client → Get, by client.id) before the Traffic Light node.';
const NOT_IN_APPOINTMENT = 'executorName, executorPhone and userPosition are null: the Klientiks API\'s appointment carries only executor_id.';

/**
 * Where each preset field's text comes from, by the placeholder Klientiks would fill: the
 * webhook's placeholders are the API's own attribute names (research §6), so most are read
 * by that name from the row the event came from.
 */
type Source = (placeholder: string) => unknown;

function buildItem(event: CatchUpEvent, leadId: string, source: Source, warnings: string[], afterTyping?: (entities: Record<string, IDataObject>) => void): IDataObject {
	const preset = presetOf(event);
	const entities = emptyEntities(preset) as Record<string, IDataObject>;
	for (const spec of preset.fields) {
		const value = text(source(spec.placeholder));
		if (value === null) continue;
		const reason = typeField(entities[spec.entity], spec, value);
		if (reason !== null) warnings.push(`Field "${spec.placeholder}" (${preview(value, 60)}) ${reason}; ${spec.entity}.${spec.field} is null.`);
	}
	afterTyping?.(entities);
	if (preset.combineStart && entities.appointment) combineStart(entities.appointment);
	return { event, leadId, ...entities, parameters: null, warnings, raw: null, source: 'catchUp' };
}

/** Client Added from a clients-list row. */
export function clientAddedItem(row: IDataObject, leadId: string): IDataObject {
	return buildItem('client_added', leadId, (placeholder) => row[placeholder], []);
}

/** Visit Paid from a visits-feed row: `appointment.*` are the row's own fields (the webhook's `appointment` is this row). */
export function visitPaidItem(row: IDataObject, leadId: string): IDataObject {
	const source: Source = (placeholder) => {
		if (placeholder === 'client_id') return row.client_id;
		if (placeholder.startsWith('appointment.')) return row[placeholder.slice('appointment.'.length)];
		return null;
	};
	return buildItem('visit_paid', leadId, source, [NOT_IN_FEED]);
}

function serviceNames(appointment: IDataObject | null): { names: string[]; total: number | null } {
	const services = Array.isArray(appointment?.appointed_services) ? (appointment.appointed_services as unknown[]) : [];
	const names: string[] = [];
	let total: number | null = null;
	for (const service of services) {
		if (typeof service !== 'object' || service === null) continue;
		const { name, price } = service as IDataObject;
		if (typeof name === 'string' && name.trim() !== '') names.push(name.trim());
		const amount = typeof price === 'number' ? price : typeof price === 'string' ? Number(price) : NaN;
		if (Number.isFinite(amount)) total = (total ?? 0) + amount;
	}
	return { names, total };
}

/**
 * Appointment Created from a visits-feed row and the appointment read by its id (null when
 * the API had none): date and time from `start_datetime`, services and their total cost
 * from `appointed_services`.
 */
export function appointmentCreatedItem(row: IDataObject, appointment: IDataObject | null, leadId: string): IDataObject {
	const start = text(appointment?.start_datetime);
	const { names, total } = serviceNames(appointment);
	const values: Record<string, unknown> = {
		'client.id': appointment?.client_id ?? row.client_id,
		'appointment.id': appointment?.id ?? row.appointment_id,
		'appointment.date': start?.slice(0, 10),
		'appointment.time': start && start.length > 11 ? start.slice(11) : null,
		services: names.length ? names.join(', ') : null,
		'appointment.total_cost': total,
	};
	const warnings = [NOT_IN_FEED, NOT_IN_APPOINTMENT];
	if (appointment === null) warnings.push(`The Klientiks API had no appointment ${String(row.appointment_id)}: only its id is filled.`);
	return buildItem('appointment_created', leadId, (placeholder) => values[placeholder], warnings, (entities) => {
		// The names as the API lists them: a name with a comma stays one service.
		if (names.length) entities.appointment.servicesList = names;
	});
}

const HEAVY_FIELDS = new Set(['json_data', 'multi_image', 'multi_file', 'client_memo']);

/** Emit Raw Changed Rows: a changed row as the API gave it (heavy fields left out), with the Lead ID its event would have. */
export function rawItem(feed: Feed, row: IDataObject, leadId: string | null): IDataObject {
	const kept: IDataObject = {};
	for (const [key, value] of Object.entries(row)) if (!HEAVY_FIELDS.has(key)) kept[key] = value;
	return { event: RAW_EVENT, leadId, feed, row: kept, parameters: null, warnings: [], raw: null, source: 'catchUp' };
}

/** The Lead ID a raw row stands for: a client; a paid visit; otherwise its appointment. */
export function rawLeadId(feed: Feed, row: IDataObject): string | null {
	if (feed === 'clients') return idText(row.id) === null ? null : `klx-client-${idText(row.id)}`;
	if (row.paid === true && idText(row.id) !== null) return `klx-visit-${idText(row.id)}`;
	return idText(row.appointment_id) === null ? null : `klx-appointment-${idText(row.appointment_id)}`;
}

/** What a raw row is remembered by: the row and its change, so each change is emitted once. */
export function rawKey(feed: Feed, row: IDataObject): string {
	return `raw-${feed}-${String(row.id)}@${String(row.modified)}`;
}
