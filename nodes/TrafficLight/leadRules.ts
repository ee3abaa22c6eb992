// A lead as Traffic Light takes it: its fields, the rule each value must meet, and the form built once every value passes.
import type { IDataObject } from 'n8n-workflow';

import { shorten } from '../shared/outsideData';

// One row per field of POST /api/lead/send: the node's fields, the checks and the form are all built from these tables.
// Traffic Light documents 100 characters for the tracking fields (utm_*, sub1–sub5, web_id); other limits are not published.
export type LeadFieldRule =
	/** Any text, at most `maxLength` characters when given. */
	| { kind: 'text'; maxLength?: number }
	/** A whole number of `unit` from `min` to `max`, sent without sign or leading zeros (`+05` → `5`). */
	| { kind: 'wholeNumber'; min: number; max: number; unit: string; fix: string }
	/** A value `accepts` takes; `problem` says what any other value is not. Sent upper-cased when `upperCase`. */
	| { kind: 'format'; accepts: (value: string) => boolean; problem: string; fix: string; upperCase?: boolean };

export interface LeadFieldSpec {
	/** Parameter name: a field of its own when `whenEmpty` is set, else inside "Additional Fields". */
	param: string;
	/** Form field name Traffic Light reads. */
	formField: string;
	displayName: string;
	description: string;
	/** What the value must be, any text when left out; `fix` is the advice shown when it is not. */
	rule?: LeadFieldRule;
	/** A required field: the advice shown when it is empty. */
	whenEmpty?: string;
	/** Value sent when the user does not add an optional field (Traffic Light expects these three). */
	sentByDefault?: string;
	/** The editor's default of a required field. */
	editorDefault?: string;
	placeholder?: string;
	multiline?: boolean;
}

const IPV4_PART = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_PART}(\\.${IPV4_PART}){3}$`);

export const isIpv4 = (value: string): boolean => IPV4.test(value);

/** RFC 4291 text forms with an optional %zone: the address is checked by the URL parser, which knows them all. */
export function isIpv6(value: string): boolean {
	const [address, ...zone] = value.split('%');
	return zone.length <= 1 && /^[\da-f:.]+$/i.test(address) && URL.canParse(`http://[${address}]`);
}

export const REQUIRED_LEAD_FIELDS: readonly LeadFieldSpec[] = [
	{
		param: 'offerId',
		formField: 'offer_id',
		displayName: 'Offer ID',
		description: 'Numeric ID of the offer in your Traffic Light account (Offers page)',
		placeholder: '1234',
		whenEmpty: 'Enter the numeric ID of the offer from your Traffic Light account (Offers page), e.g. 1234.',
		rule: {
			kind: 'format',
			accepts: (value) => /^\d*[1-9]\d*$/.test(value),
			problem: 'is not a positive whole number',
			fix: 'Use the numeric offer ID from your Traffic Light account, e.g. 1234 — not the offer name or a link.',
		},
	},
	{
		param: 'phone',
		formField: 'phone',
		displayName: 'Phone',
		description: "The customer's phone number, in any format",
		placeholder: '+7 999 123-45-67',
		whenEmpty: "Map the customer's phone into Phone, e.g. {{ $json.client.phone }} from the Klientiks Trigger.",
		rule: {
			kind: 'format',
			accepts: (value) => /\d/.test(value),
			problem: 'contains no digits',
			fix: 'Phone must contain the phone number, in any format, e.g. +7 (999) 123-45-67. Check that the right field is mapped.',
		},
	},
	{
		param: 'country',
		formField: 'country',
		displayName: 'Country',
		description: "The customer's country as an ISO 3166-1 code: two letters (RU, KZ, UA) or three (RUS)",
		placeholder: 'RU',
		editorDefault: 'RU',
		whenEmpty: "Enter the ISO 3166-1 code of the customer's country, e.g. RU, KZ or UA.",
		rule: {
			kind: 'format',
			accepts: (value) => /^[A-Za-z]{2,3}$/.test(value),
			problem: 'is not an ISO 3166-1 code',
			fix: 'Use two letters (alpha-2, e.g. RU) or three letters (alpha-3, e.g. RUS), not the country name.',
			upperCase: true,
		},
	},
];

const TRACKING_TEXT: LeadFieldRule = { kind: 'text', maxLength: 100 };

const utm = (part: string): LeadFieldSpec => {
	const label = `${part[0].toUpperCase()}${part.slice(1)}`;
	return {
		param: `utm${label}`,
		formField: `utm_${part}`,
		displayName: `UTM ${label}`,
		description: `The utm_${part} tag of the visit that produced the lead (at most 100 characters)`,
		rule: TRACKING_TEXT,
	};
};

const extraInfo = (n: number): LeadFieldSpec => ({
	param: `sub${n}`,
	formField: `sub${n}`,
	displayName: `Extra Info ${n}`,
	description: `Free data passed as sub${n}; Traffic Light returns it in reports and postbacks (at most 100 characters)`,
	rule: TRACKING_TEXT,
});

export const OPTIONAL_LEAD_FIELDS: readonly LeadFieldSpec[] = [
	{
		param: 'leadId',
		formField: 'id',
		displayName: 'Lead ID',
		description:
			'Your own ID of this lead, stable for the same client or appointment (e.g. the Klientiks Trigger output "leadId"). Traffic Light returns it as id2; Skip Duplicates and the timeout check look leads up by it. Never use a timestamp or a random value: it defeats every duplicate check.',
		placeholder: 'klx-appointment-12345',
	},
	{
		param: 'streamId',
		formField: 'stream_hid',
		displayName: 'Stream ID',
		description: 'The stream (flow) hash from https://cpa.tl/streams/, e.g. EZyFO7Wb; the lead is attached to that stream',
	},
	{
		param: 'ipAddress',
		formField: 'ip_address',
		displayName: 'IP Address',
		description:
			'IPv4 or IPv6 address of the customer. Sent as 0.0.0.0 when not set, as Traffic Light asks for leads without an IP (CRM, lead forms).',
		rule: {
			kind: 'format',
			accepts: (value) => isIpv4(value) || isIpv6(value),
			problem: 'is not a valid IPv4 or IPv6 address',
			fix: "Send the customer's IP, e.g. 203.0.113.7 or 2001:db8::1, or leave the field out to send 0.0.0.0 (no IP known).",
		},
		sentByDefault: '0.0.0.0',
	},
	{ param: 'name', formField: 'name', displayName: 'Name', description: 'Name or full name of the customer' },
	{
		param: 'comments',
		formField: 'comments',
		displayName: 'Comments',
		description: 'Comments on the order, e.g. the booked services and date',
		multiline: true,
	},
	{ param: 'address', formField: 'address', displayName: 'Address', description: 'Address of the customer' },
	{
		param: 'timezone',
		formField: 'tz',
		displayName: 'Time Zone',
		description:
			'Offset of the customer from UTC in whole hours, -12 to 14 (3 = Moscow). Sent as 3 when not set.',
		rule: {
			kind: 'wholeNumber',
			min: -12,
			max: 14,
			unit: 'hours',
			fix: 'Use the offset from UTC in whole hours, e.g. 3 for Moscow or 5 for Yekaterinburg.',
		},
		sentByDefault: '3',
	},
	{
		param: 'webmasterId',
		formField: 'web_id',
		displayName: 'Webmaster ID',
		description:
			'ID of the sub-affiliate in your system (at most 100 characters). Sent as 0 when not set, as Traffic Light asks when you have none.',
		rule: TRACKING_TEXT,
		sentByDefault: '0',
	},
	{
		param: 'email',
		formField: 'email',
		displayName: 'Email',
		description: 'Email address of the customer',
		placeholder: 'name@email.com',
	},
	{
		param: 'userAgent',
		formField: 'user_agent',
		displayName: 'User Agent',
		description: "The customer's browser User-Agent string; leave empty when the lead did not come from a browser",
	},
	...['source', 'medium', 'campaign', 'content', 'term'].map(utm),
	...[1, 2, 3, 4, 5].map(extraInfo),
	{
		param: 'techComments',
		formField: 'tech_comments',
		displayName: 'Technical Comment',
		description: 'Technical comment for the call centre, e.g. extra form fields as JSON',
		multiline: true,
	},
];

/** A lead exactly as it goes into Traffic Light's form body (the API key is added by the credential). */
export type LeadForm = Record<string, string>;

/** The form, or why a value cannot be sent: which field, what was wrong, what to do. */
export type LeadValidation = { ok: true; form: LeadForm } | { ok: false; problem: { field: string; message: string; fix: string } };

export interface LeadInput {
	offerId: unknown;
	phone: unknown;
	country: unknown;
	additionalFields: IDataObject;
}

function text(value: unknown): string {
	if (value === undefined || value === null) return '';
	if (typeof value === 'object') return JSON.stringify(value);
	return String(value).trim();
}

/** A value quoted in a message: long ones shortened, with their full length. */
function show(value: string): string {
	const start = shorten(value, 60);
	return start === value ? `"${value}"` : `"${start}" (${value.length} characters)`;
}

/**
 * Checks one lead against what Traffic Light accepts and builds its form body.
 * Every refusal names the field, the value and the fix, because the user reads
 * it in the n8n execution view or in an error-workflow e-mail.
 */
export function buildLeadForm(input: LeadInput): LeadValidation {
	// Optional fields exist only inside Additional Fields, required ones only outside it.
	const values: Record<string, unknown> = { ...input.additionalFields, offerId: input.offerId, phone: input.phone, country: input.country };
	const form: LeadForm = {};
	for (const spec of [...REQUIRED_LEAD_FIELDS, ...OPTIONAL_LEAD_FIELDS]) {
		const { displayName: field } = spec;
		const value = text(values[spec.param]) || (spec.sentByDefault ?? '');
		if (value === '' && spec.whenEmpty) return { ok: false, problem: { field, message: `${field} is empty`, fix: spec.whenEmpty } };
		if (value === '') continue;
		const checked = checkRule(spec, value);
		if (typeof checked === 'string') form[spec.formField] = checked;
		else return { ok: false, problem: { field, message: `${field} ${show(value)} ${checked.problem}`, fix: checked.fix } };
	}
	return { ok: true, form };
}

/** The value as sent, or what it is not and the fix. */
function checkRule(spec: LeadFieldSpec, value: string): string | { problem: string; fix: string } {
	const { rule = { kind: 'text' } } = spec;
	switch (rule.kind) {
		case 'text':
			if (rule.maxLength === undefined || value.length <= rule.maxLength) return value;
			return {
				problem: `is longer than ${rule.maxLength} characters`,
				fix: `Traffic Light accepts at most ${rule.maxLength} characters in ${spec.formField}; shorten the value or map a shorter field.`,
			};
		case 'wholeNumber':
			if (/^[+-]?\d+$/.test(value) && Number(value) >= rule.min && Number(value) <= rule.max) return String(Number(value));
			return { problem: `is not a whole number of ${rule.unit} between ${rule.min} and ${rule.max}`, fix: rule.fix };
		case 'format':
			if (!rule.accepts(value)) return rule;
			return rule.upperCase ? value.toUpperCase() : value;
	}
}
