/**
 * Text and data from outside (webhook calls, API answers, errmsgs, Locations): the one
 * shortener and the one `__proto__` rule, shared by every node of the package.
 */

/**
 * The one rule for a `__proto__` key, in a webhook call or an API answer alike: it is dropped.
 * (Assigned anywhere later, it would set the object's prototype instead of a value.)
 */
export const isDroppedKey = (key: string): boolean => key === '__proto__';

/** JSON.parse with the one rule applied: `__proto__` keys are dropped at every depth. */
export function parseJsonData(text: string): unknown {
	return JSON.parse(text, (key, value: unknown) => (isDroppedKey(key) ? undefined : value));
}

/** The one way text from outside is shortened for messages and output; never ends on half a surrogate pair. */
export function shorten(text: string, maxChars: number): string {
	if (text.length <= maxChars) return text;
	const code = text.charCodeAt(maxChars - 1);
	// Never end on the first half of a surrogate pair.
	const end = code >= 0xd800 && code <= 0xdbff ? maxChars - 1 : maxChars;
	return `${text.slice(0, end)}…`;
}

/**
 * JSON.stringify(value) shortened to `maxChars`, without serializing the rest:
 * an answer may hold a million small values, of which a message shows a line.
 */
export function shortJson(value: unknown, maxChars: number): string {
	let out = '';
	const write = (entry: unknown): void => {
		if (Array.isArray(entry)) {
			out += '[';
			for (let i = 0; i < entry.length && out.length <= maxChars; i++) {
				if (i > 0) out += ',';
				write(entry[i]);
			}
			out += ']';
		} else if (typeof entry === 'object' && entry !== null) {
			out += '{';
			let first = true;
			for (const key in entry) {
				if (out.length > maxChars) break;
				if (!Object.prototype.hasOwnProperty.call(entry, key)) continue;
				out += `${first ? '' : ','}${JSON.stringify(key)}:`;
				first = false;
				write((entry as Record<string, unknown>)[key]);
			}
			out += '}';
		} else {
			out += JSON.stringify(entry) ?? 'null';
		}
	};
	write(value);
	return shorten(out, maxChars);
}
