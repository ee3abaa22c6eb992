import type { IDataObject } from 'n8n-workflow';

import { shorten } from '../../shared/outsideData';
import { OPTIONAL_LEAD_FIELDS, REQUIRED_LEAD_FIELDS, type LeadFieldSpec } from './leadFields';

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
