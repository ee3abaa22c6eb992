/**
 * Hides the API key in text that came back from Traffic Light (or whatever
 * answers at the Base URL): an errmsg that repeats the request, an HTML error
 * page that shows the URL or the form, a field that echoes the query. A server
 * echoes the key the way it received it, so every character may also come
 * percent-encoded (in either hex case) and a space as "+".
 */
export const MASK = '***';

function escapeForRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** "%c3" matches "%C3" and "%c3": servers differ in the case of their hex digits. */
function percentEncodedPattern(character: string): string {
	return [...Buffer.from(character, 'utf8')]
		.map((byte) => {
			const hex = byte.toString(16).padStart(2, '0');
			return `%${[...hex].map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit)).join('')}`;
		})
		.join('');
}

function characterPattern(character: string): string {
	const forms = [escapeForRegExp(character), percentEncodedPattern(character)];
	if (character === ' ') forms.push('\\+');
	return `(?:${forms.join('|')})`;
}

/** A function that replaces every occurrence of `secret`, in any of its encodings, with "***". */
export function secretMasker(secret: string): (text: string) => string {
	if (secret === '') return (text) => text;
	// Every encoding of the secret is at least as long as the secret itself, so shorter text (most
	// of an answer: ids, statuses, field names) cannot hold it; the pattern is built on first need.
	let pattern: RegExp | undefined;
	return (text) => {
		if (text.length < secret.length) return text;
		pattern ??= new RegExp([...secret].map(characterPattern).join(''), 'g');
		return text.replace(pattern, MASK);
	};
}

export function maskSecret(text: string, secret: string): string {
	return secretMasker(secret)(text);
}

// Deeper structures are not walked (a hostile answer could nest thousands of
// levels); they are replaced, so no unmasked string can hide in them.
const MAX_DEPTH = 20;

/** Masks every string (and key) of a parsed JSON answer. */
export function maskDeep(value: unknown, mask: (text: string) => string, depth = 0): unknown {
	if (typeof value === 'string') return mask(value);
	if (typeof value !== 'object' || value === null) return value;
	if (depth >= MAX_DEPTH) return '[nested too deeply]';
	if (Array.isArray(value)) return value.map((entry) => maskDeep(entry, mask, depth + 1));
	const masked: Record<string, unknown> = {};
	for (const [key, entry] of Object.entries(value)) masked[mask(key)] = maskDeep(entry, mask, depth + 1);
	return masked;
}
