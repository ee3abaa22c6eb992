import type { IDataObject } from 'n8n-workflow';

import { shorten } from '../utils/shortText';
import { OPTIONAL_LEAD_FIELDS, type LeadFieldSpec } from './leadFields';

/** A lead exactly as it goes into Traffic Light's form body (the API key is added by the credential). */
export type LeadForm = Record<string, string>;

/** Why a value cannot be sent: which field, what was wrong, what to do. */
export interface LeadInputProblem {
	field: string;
	message: string;
	fix: string;
}

export type LeadValidation = { ok: true; form: LeadForm } | { ok: false; problem: LeadInputProblem };

export interface LeadInput {
	offerId: unknown;
	phone: unknown;
	country: unknown;
	additionalFields: IDataObject;
}

const IPV4_PART = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_PART}(\\.${IPV4_PART}){3}$`);

export function isIpv4(value: string): boolean {
	return IPV4.test(value);
}

/** RFC 4291 text forms: eight groups, one `::`, an optional trailing IPv4, an optional %zone. */
export function isIpv6(value: string): boolean {
	const address = value.split('%')[0];
	if (address === '' || value.split('%').length > 2) return false;
	const halves = address.split('::');
	if (halves.length > 2) return false;
	const groupsOf = (part: string): string[] | null => {
		if (part === '') return [];
		const groups = part.split(':');
		const last = groups[groups.length - 1];
		const out: string[] = [];
		for (let i = 0; i < groups.length; i++) {
			const group = groups[i];
			if (i === groups.length - 1 && group.includes('.')) {
				if (!isIpv4(last)) return null;
				out.push('v4a', 'v4b');
				continue;
			}
			if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
			out.push(group);
		}
		return out;
	};
	const head = groupsOf(halves[0]);
	if (head === null) return false;
	if (halves.length === 1) return head.length === 8;
	if (head.includes('v4a')) return false; // an IPv4 tail can only come last
	const tail = groupsOf(halves[1]);
	if (tail === null) return false;
	return head.length + tail.length <= 7;
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

const problem = (field: string, message: string, fix: string): LeadValidation => ({
	ok: false,
	problem: { field, message, fix },
});

/**
 * Checks one lead against what Traffic Light accepts and builds its form body.
 * Every refusal names the field, the value and the fix, because the user reads
 * it in the n8n execution view or in an error-workflow e-mail.
 */
export function buildLeadForm(input: LeadInput): LeadValidation {
	const offerId = text(input.offerId);
	if (offerId === '') {
		return problem(
			'Offer ID',
			'Offer ID is empty',
			'Enter the numeric ID of the offer from your Traffic Light account (Offers page), e.g. 1234.',
		);
	}
	if (!/^\d+$/.test(offerId) || /^0+$/.test(offerId)) {
		return problem(
			'Offer ID',
			`Offer ID ${show(offerId)} is not a positive whole number`,
			'Use the numeric offer ID from your Traffic Light account, e.g. 1234 — not the offer name or a link.',
		);
	}

	const phone = text(input.phone);
	if (phone === '') {
		return problem(
			'Phone',
			'Phone is empty',
			"Map the customer's phone into Phone, e.g. {{ $json.client.phone }} from the Klientiks Trigger.",
		);
	}
	if (!/\d/.test(phone)) {
		return problem(
			'Phone',
			`Phone ${show(phone)} contains no digits`,
			'Phone must contain the phone number, in any format, e.g. +7 (999) 123-45-67. Check that the right field is mapped.',
		);
	}

	const country = text(input.country);
	if (country === '') {
		return problem(
			'Country',
			'Country is empty',
			'Enter the ISO 3166-1 code of the customer\'s country, e.g. RU, KZ or UA.',
		);
	}
	if (!/^[A-Za-z]{2,3}$/.test(country)) {
		return problem(
			'Country',
			`Country ${show(country)} is not an ISO 3166-1 code`,
			'Use two letters (alpha-2, e.g. RU) or three letters (alpha-3, e.g. RUS), not the country name.',
		);
	}

	const form: LeadForm = { offer_id: offerId, phone, country: country.toUpperCase() };

	for (const spec of OPTIONAL_LEAD_FIELDS) {
		let value = text(input.additionalFields[spec.param]);
		if (value === '' && spec.sentByDefault !== undefined) value = spec.sentByDefault;
		if (value === '') continue;
		const checked = checkRule(spec, value);
		if (typeof checked !== 'string') return checked;
		form[spec.formField] = checked;
	}
	return { ok: true, form };
}

/** The value as sent, or why the field's rule refuses it. */
function checkRule(spec: LeadFieldSpec, value: string): string | LeadValidation {
	const { rule, displayName } = spec;
	switch (rule.kind) {
		case 'text':
			if (rule.maxLength === undefined || value.length <= rule.maxLength) return value;
			return problem(
				displayName,
				`${displayName} ${show(value)} is longer than ${rule.maxLength} characters`,
				`Traffic Light accepts at most ${rule.maxLength} characters in ${spec.formField}; shorten the value or map a shorter field.`,
			);
		case 'wholeNumber':
			if (/^[+-]?\d+$/.test(value) && Number(value) >= rule.min && Number(value) <= rule.max) return String(Number(value));
			return problem(
				displayName,
				`${displayName} ${show(value)} is not a whole number of ${rule.unit} between ${rule.min} and ${rule.max}`,
				rule.fix,
			);
		case 'ipAddress':
			if (isIpv4(value) || isIpv6(value)) return value;
			return problem(displayName, `${displayName} ${show(value)} is not a valid IPv4 or IPv6 address`, rule.fix);
	}
}
