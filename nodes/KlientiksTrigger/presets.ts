import type { IDataObject } from 'n8n-workflow';

import { normalizePhone, parseBoolean, parseDate, parseId, parseMoney, parseTime, parseTimestamp, splitList, type Parsed } from '../webhookIntake/values';

/**
 * The Klientiks events the trigger knows, as data. Everything event-specific
 * lives in this one table: the option in the node panel, the paste-ready
 * query line, how each parameter is typed in the output, and the lead id.
 *
 * Source: the four query templates of the hosted-integrator (Webjack) guide
 * that Klientiks users followed before this package, with its two typos
 * fixed — `appointment.time={{appointment_time}}` had key and placeholder
 * swapped, `{appointment.status}}` lacked a brace —
 * plus an `event=` marker first (Klientiks sends no event name of its own),
 * `invoice_id={{id}}` for invoices (the invoice is the root object of that
 * event, so `{{id}}` should be its id) and the client's name and phone for
 * paid visits (a lead needs a phone; Invoice Created shows `client.*` is
 * available in such events). The additions are inferred, not documented.
 *
 * Klientiks names of the events (its «Событие» list):
 *   client_added        «Добавление клиента»
 *   appointment_created «Запись клиента на прием»
 *   invoice_created     «Создание счета на оплату»
 *   visit_paid          «Визит клиента оплачен»
 */

export type Entity = 'client' | 'appointment' | 'invoice';

/**
 * How a parameter's text becomes output:
 * - id: number when all digits, else trimmed text
 * - text: trimmed text, empty → null
 * - phone: `<field>` as sent + `<field>Normalized` digits (8… 11 digits → 7…)
 * - boolean / money / date / time / timestamp: typed `<field>` + `<field>Raw`
 * - list: `<field>` as sent + `<field>List` split on , ; | and new lines
 */
export type FieldKind = 'id' | 'text' | 'phone' | 'boolean' | 'money' | 'date' | 'time' | 'timestamp' | 'list';

export interface PresetField {
	/** Query parameter name in the paste-ready line. */
	key: string;
	/** What Klientiks substitutes, written inside `{{ }}`. */
	placeholder: string;
	entity: Entity;
	/** Output property name inside the entity object. */
	field: string;
	kind: FieldKind;
}

export interface EventPreset {
	value: string;
	/** Option name in the node panel. */
	name: string;
	description: string;
	fields: PresetField[];
	/** `klx-appointment-` + the `id` of that entity. */
	leadId: { prefix: string; entity: Entity };
	/** Whether `appointment.date` and `appointment.time` are combined into one ISO `appointment.start`. */
	combineStart?: true;
}

const f = (key: string, placeholder: string, entity: Entity, field: string, kind: FieldKind): PresetField => ({
	key,
	placeholder,
	entity,
	field,
	kind,
});

export const EVENT_PRESETS: readonly EventPreset[] = [
	{
		value: 'client_added',
		name: 'Client Added',
		description: 'A new client card was created in Klientiks',
		fields: [
			f('client_id', 'id', 'client', 'id', 'id'),
			f('client_phone', 'phone', 'client', 'phone', 'phone'),
			f('client_name', 'name', 'client', 'name', 'text'),
			f('client_first_name', 'first_name', 'client', 'firstName', 'text'),
			f('client_patron_name', 'patron_name', 'client', 'patronymic', 'text'),
			f('client_second_name', 'second_name', 'client', 'lastName', 'text'),
			f('client_deleted', 'deleted', 'client', 'deleted', 'boolean'),
			f('client_email', 'email', 'client', 'email', 'text'),
		],
		leadId: { prefix: 'klx-client-', entity: 'client' },
	},
	{
		value: 'appointment_created',
		name: 'Appointment Created',
		description: 'A client was booked for an appointment',
		fields: [
			f('client_id', 'client.id', 'client', 'id', 'id'),
			f('client_phone', 'client.phone', 'client', 'phone', 'phone'),
			f('client_name', 'client.name', 'client', 'name', 'text'),
			f('appointment_id', 'appointment.id', 'appointment', 'id', 'id'),
			f('appointment_date', 'appointment.date', 'appointment', 'date', 'date'),
			f('appointment_time', 'appointment.time', 'appointment', 'time', 'time'),
			f('executor_name', 'executor_name', 'appointment', 'executorName', 'text'),
			f('executor_phone', 'executor_phone', 'appointment', 'executorPhone', 'phone'),
			f('services', 'services', 'appointment', 'services', 'list'),
			f('appointment_total_cost', 'appointment.total_cost', 'appointment', 'totalCost', 'money'),
			f('user_position', 'user.position', 'appointment', 'userPosition', 'text'),
		],
		leadId: { prefix: 'klx-appointment-', entity: 'appointment' },
		combineStart: true,
	},
	{
		value: 'invoice_created',
		name: 'Invoice Created',
		description: 'An invoice for payment was created',
		fields: [
			f('client_id', 'client_id', 'client', 'id', 'id'),
			f('client_name', 'client.name', 'client', 'name', 'text'),
			f('client_phone', 'client.phone', 'client', 'phone', 'phone'),
			f('invoice_id', 'id', 'invoice', 'id', 'id'),
			f('appointment_id', 'object_id', 'invoice', 'objectId', 'id'),
			f('appointment_amount', 'amount', 'invoice', 'amount', 'money'),
			f('appointment_paid', 'paid', 'invoice', 'paid', 'boolean'),
			f('appointment_name', 'name', 'invoice', 'name', 'text'),
			f('appointment_description', 'description', 'invoice', 'description', 'text'),
			f('appointment_paid_sum', 'paid_sum', 'invoice', 'paidSum', 'money'),
			f('appointment_left_to_pay', 'left_to_pay', 'invoice', 'leftToPay', 'money'),
		],
		leadId: { prefix: 'klx-invoice-', entity: 'invoice' },
	},
	{
		value: 'visit_paid',
		name: 'Visit Paid',
		description: "A client's visit was marked as paid",
		fields: [
			f('client_id', 'client_id', 'client', 'id', 'id'),
			f('client_name', 'client.name', 'client', 'name', 'text'),
			f('client_phone', 'client.phone', 'client', 'phone', 'phone'),
			f('appointment_id', 'appointment.id', 'appointment', 'id', 'id'),
			f('appointment_account_id', 'appointment.account_id', 'appointment', 'accountId', 'id'),
			f('appointment_created', 'appointment.created', 'appointment', 'created', 'timestamp'),
			f('appointment_appointment_id', 'appointment.appointment_id', 'appointment', 'appointmentId', 'id'),
			f('appointment_status', 'appointment.status', 'appointment', 'status', 'text'),
			f('appointment_paid', 'appointment.paid', 'appointment', 'paid', 'boolean'),
		],
		leadId: { prefix: 'klx-visit-', entity: 'appointment' },
	},
];

/** The option that accepts any parameters (and requests without an `event` marker). */
export const CUSTOM_EVENT = {
	value: 'custom' as const,
	name: 'Custom',
	description: 'Any Klientiks event, with parameters of your own; every parameter is passed through',
};

/**
 * For Custom the lead id uses the first of these parameters that is present,
 * most specific entity first: `klx-<event>-<id>`.
 */
export const CUSTOM_LEAD_ID_KEYS = ['appointment_id', 'invoice_id', 'client_id', 'id'] as const;

/**
 * Every client object has these keys, whatever the event carries (null when
 * absent): the fields of Client Added, the one event about the client itself.
 */
export const CLIENT_FIELDS: readonly PresetField[] = EVENT_PRESETS[0].fields;

/** The Klientiks template of a preset: `[key, '{{placeholder}}']` pairs. */
export function templatePairs(preset: EventPreset): Array<[string, string]> {
	return preset.fields.map(({ key, placeholder }) => [key, `{{${placeholder}}}`]);
}

// ---- typing a field by its kind (the webhook trigger and the catch-up trigger alike) ----

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

/** A date that carries its own time is the start already; otherwise date and time are joined. */
export function combineStart(appointment: IDataObject): void {
	const { date, time } = appointment;
	if (typeof date !== 'string') return;
	if (date.includes('T')) appointment.start = date;
	else if (typeof time === 'string') appointment.start = `${date}T${time}`;
}
