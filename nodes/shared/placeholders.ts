/**
 * A placeholder the sender did not fill in arrives as its literal text:
 * Klientiks `{{client.phone}}` (or the seed guide's typo `{appointment.status}}`),
 * Traffic Light `{sub1}`. Such a value carries no data, so the triggers turn
 * it into `null` and say so in `warnings`.
 */
const UNFILLED_PLACEHOLDER = /^\s*\{{1,2}\s*[\p{L}\p{N}_.\-[\]]+\s*\}{1,2}\s*$/u;

/** Longer than any placeholder name either sender has: such text is data, and the pattern never sees it. */
const MAX_PLACEHOLDER_LENGTH = 100;

export function isUnfilledPlaceholder(value: string): boolean {
	return value.length <= MAX_PLACEHOLDER_LENGTH && UNFILLED_PLACEHOLDER.test(value);
}
