/**
 * The optional fields of Traffic Light's lead receiver (POST /api/lead/send),
 * one row per field: the n8n parameter name, the form field Traffic Light
 * reads, and the rules we check before sending. The UI collection, the
 * validation and the form builder are all generated from this table, so a
 * field is added in one place.
 *
 * Lengths: Traffic Light documents 100 characters for the tracking fields
 * (utm_*, sub1–sub5, web_id); limits of the other fields are not published.
 */
export interface LeadFieldSpec {
	/** Parameter name inside the node's "Additional Fields" collection. */
	param: string;
	/** Form field name Traffic Light reads. */
	formField: string;
	displayName: string;
	description: string;
	type: 'string' | 'number';
	/** Value sent when the user does not add the field (Traffic Light expects these three). */
	sentByDefault?: string;
	maxLength?: number;
	placeholder?: string;
	multiline?: boolean;
}

const TRACKING_LIMIT = 100;

const utm = (part: string, label: string): LeadFieldSpec => ({
	param: `utm${part[0].toUpperCase()}${part.slice(1)}`,
	formField: `utm_${part}`,
	displayName: `UTM ${label}`,
	description: `The utm_${part} tag of the visit that produced the lead (at most 100 characters)`,
	type: 'string',
	maxLength: TRACKING_LIMIT,
});

const extraInfo = (n: number): LeadFieldSpec => ({
	param: `sub${n}`,
	formField: `sub${n}`,
	displayName: `Extra Info ${n}`,
	description: `Free data passed as sub${n}; Traffic Light returns it in reports and postbacks (at most 100 characters)`,
	type: 'string',
	maxLength: TRACKING_LIMIT,
});

export const LEAD_ID_PARAM = 'leadId';

export const OPTIONAL_LEAD_FIELDS: readonly LeadFieldSpec[] = [
	{
		param: LEAD_ID_PARAM,
		formField: 'id',
		displayName: 'Lead ID',
		description:
			'Your own ID of this lead, stable for the same client or appointment (e.g. the Klientiks Trigger output "leadId"). Traffic Light returns it as id2; Skip Duplicates and the timeout check look leads up by it. Never use a timestamp or a random value: it defeats every duplicate check.',
		type: 'string',
		placeholder: 'klx-appointment-12345',
	},
	{
		param: 'streamId',
		formField: 'stream_hid',
		displayName: 'Stream ID',
		description: 'The stream (flow) hash from https://cpa.tl/streams/, e.g. EZyFO7Wb; the lead is attached to that stream',
		type: 'string',
	},
	{
		param: 'ipAddress',
		formField: 'ip_address',
		displayName: 'IP Address',
		description:
			'IPv4 or IPv6 address of the customer. Sent as 0.0.0.0 when not set, as Traffic Light asks for leads without an IP (CRM, lead forms).',
		type: 'string',
		sentByDefault: '0.0.0.0',
	},
	{
		param: 'name',
		formField: 'name',
		displayName: 'Name',
		description: 'Name or full name of the customer',
		type: 'string',
	},
	{
		param: 'comments',
		formField: 'comments',
		displayName: 'Comments',
		description: 'Comments on the order, e.g. the booked services and date',
		type: 'string',
		multiline: true,
	},
	{
		param: 'address',
		formField: 'address',
		displayName: 'Address',
		description: 'Address of the customer',
		type: 'string',
	},
	{
		param: 'timezone',
		formField: 'tz',
		displayName: 'Time Zone',
		description:
			'Offset of the customer from UTC in whole hours, -12 to 14 (3 = Moscow). Sent as 3 when not set.',
		type: 'number',
		sentByDefault: '3',
	},
	{
		param: 'webmasterId',
		formField: 'web_id',
		displayName: 'Webmaster ID',
		description:
			'ID of the sub-affiliate in your system (at most 100 characters). Sent as 0 when not set, as Traffic Light asks when you have none.',
		type: 'string',
		sentByDefault: '0',
		maxLength: TRACKING_LIMIT,
	},
	{
		param: 'email',
		formField: 'email',
		displayName: 'Email',
		description: 'Email address of the customer',
		type: 'string',
		placeholder: 'name@email.com',
	},
	{
		param: 'userAgent',
		formField: 'user_agent',
		displayName: 'User Agent',
		description: "The customer's browser User-Agent string; leave empty when the lead did not come from a browser",
		type: 'string',
	},
	utm('source', 'Source'),
	utm('medium', 'Medium'),
	utm('campaign', 'Campaign'),
	utm('content', 'Content'),
	utm('term', 'Term'),
	extraInfo(1),
	extraInfo(2),
	extraInfo(3),
	extraInfo(4),
	extraInfo(5),
	{
		param: 'techComments',
		formField: 'tech_comments',
		displayName: 'Technical Comment',
		description: 'Technical comment for the call centre, e.g. extra form fields as JSON',
		type: 'string',
		multiline: true,
	},
];
