/**
 * A placeholder the sender did not fill in arrives as its literal text:
 * Klientiks `{{client.phone}}` (or the seed guide's typo `{appointment.status}}`),
 * Traffic Light `{sub1}`. Such a value carries no data, so the triggers turn
 * it into `null` and say so in `warnings`.
 */
const UNFILLED_PLACEHOLDER = /^\s*\{{1,2}\s*[\p{L}\p{N}_.\-[\]]+\s*\}{1,2}\s*$/u;

export function isUnfilledPlaceholder(value: string): boolean {
	return UNFILLED_PLACEHOLDER.test(value);
}
