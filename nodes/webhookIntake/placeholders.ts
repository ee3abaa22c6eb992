/**
 * A placeholder the sender did not fill in arrives as its literal text:
 * Klientiks `{{client.phone}}` (or `{appointment.status}}`, a typo found in a published
 * Klientiks setup guide),
 * Traffic Light `{sub1}`. Such a value carries no data, so the triggers turn
 * it into `null` and say so in `warnings`.
 */
const UNFILLED_PLACEHOLDER = /^\s*\{{1,2}\s*[\p{L}\p{N}_.\-[\]]+\s*\}{1,2}\s*$/u;

/** Longer than any placeholder name either sender has: such text is data, and the pattern never sees it. */
const MAX_PLACEHOLDER_LENGTH = 100;

export function isUnfilledPlaceholder(value: string): boolean {
	// Every value is checked, most hold no brace: the includes() spares them the pattern.
	return value.length <= MAX_PLACEHOLDER_LENGTH && value.includes('{') && UNFILLED_PLACEHOLDER.test(value);
}
