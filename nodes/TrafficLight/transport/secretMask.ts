/**
 * Hides the API key in text that came back from Traffic Light (or whatever
 * answers at the Base URL): an errmsg that repeats the request, an HTML error
 * page that shows the URL or the form, a field that echoes the query. A server
 * may echo the key changed, so each character also matches in any case,
 * percent-encoded ("+" for a space), and as an HTML entity; the whole key also
 * matches base64-encoded.
 */
export const MASK = '***';

/** Long text is masked this many characters at a time. */
const SLICE_CHARS = 64 * 1024;
/** Shorter base64 fragments of the key could match unrelated text. */
const MIN_BASE64_CHARS = 8;
/** The longest form of one character: "&#x" + leading zeros + six hex digits + ";". */
const MAX_CHARS_PER_CHARACTER = 14;

const NAMED_ENTITIES: Record<string, string> = { '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' };

function escapeForRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** One character of the key in every form a server may echo it; the `i` flag covers letter and hex-digit case. */
function characterPattern(character: string): string {
	const code = character.codePointAt(0) as number;
	const percent = [...Buffer.from(character, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
	// Leading zeros are bounded so that the longest match stays known (see `maskSlice`).
	const forms = [escapeForRegExp(character), percent, `&#0{0,4}${code};`, `&#x0{0,4}${code.toString(16)};`];
	if (character === ' ') forms.push('\\+');
	if (NAMED_ENTITIES[character] !== undefined) forms.push(`&${NAMED_ENTITIES[character]};`);
	return `(?:${forms.join('|')})`;
}

/**
 * The parts of the key's base64 that do not depend on what was encoded around it:
 * one per position of the key within a 3-byte group, in the standard and URL alphabets.
 */
function base64Forms(secret: string): string[] {
	const bytes = Buffer.from(secret, 'utf8');
	const forms = new Set<string>();
	for (let offset = 0; offset < 3; offset++) {
		const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
		const core = encoded.slice(offset === 0 ? 0 : 4, Math.floor((offset + bytes.length) / 3) * 4);
		if (core.length < MIN_BASE64_CHARS) continue;
		forms.add(core);
		forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
	}
	return [...forms];
}

export interface KeyMasker {
	/** The text with every form of the key replaced by "***". */
	(text: string): string;
	/** The masked start of `text`, at least `minChars` of it (all of it when shorter), and whether text was left out. */
	start(text: string, minChars: number): { text: string; cut: boolean };
	/** Masks what later text cannot change: `rest` is the unmasked end to put before the next part. */
	settled(text: string): { masked: string; rest: string };
}

/** A masker that replaces every occurrence of `secret`, in any of its forms, with "***". */
export function secretMasker(secret: string): KeyMasker {
	const characters = [...secret];
	const base64 = base64Forms(secret);
	const forms = secret === '' ? [] : [characters.map(characterPattern).join(''), ...base64.map(escapeForRegExp)];
	// No alternative repeats or nests, so each position is tried against at most the key's length: linear in the text.
	// Without a key the pattern matches nothing.
	const pattern = new RegExp(forms.join('|') || '(?!)', 'gi');
	const shortest = Math.min(secret.length, ...base64.map((form) => form.length));
	const longest = characters.length * MAX_CHARS_PER_CHARACTER;

	/** Masks text from `from` on, for about `sliceChars` characters; `next` is where the following slice starts. */
	function maskSlice(text: string, from: number, sliceChars: number): { piece: string; next: number } {
		// A match that starts in this slice ends within `longest` characters; later ones are the next slice's.
		const window = text.slice(from, from + sliceChars + longest);
		const end = Math.min(sliceChars, window.length);
		let piece = '';
		let last = 0;
		pattern.lastIndex = 0;
		for (let match = pattern.exec(window); match && match.index < end; match = pattern.exec(window)) {
			piece += window.slice(last, match.index) + MASK;
			last = match.index + match[0].length;
		}
		const next = Math.max(last, end);
		return { piece: piece + window.slice(last, next), next: from + next };
	}

	const mask = (text: string): string => {
		if (text.length < shortest) return text;
		let masked = '';
		for (let from = 0; from < text.length; ) {
			const { piece, next } = maskSlice(text, from, SLICE_CHARS);
			masked += piece;
			from = next;
		}
		return masked;
	};
	const start = (text: string, minChars: number) => {
		const { piece, next } = maskSlice(text, 0, minChars);
		return { text: piece, cut: next < text.length };
	};
	const settled = (text: string) => {
		const { piece, next } = maskSlice(text, 0, Math.max(0, text.length - longest));
		return { masked: piece, rest: text.slice(next) };
	};
	return Object.assign(mask, { start, settled });
}
