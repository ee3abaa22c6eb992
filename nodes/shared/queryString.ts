/**
 * A query-string parser that never throws and never loses a byte silently.
 *
 * Why not `URLSearchParams` / `req.query`: Klientiks documents neither its
 * charset nor its escaping. `decodeURIComponent` throws on cp1251 escapes
 * (`%C8%E2%E0%ED`) and Node's `querystring` turns them into U+FFFD, so the
 * name «Иван» would be lost before the node ever saw it. This parser works on
 * bytes: it percent-decodes first, then decides per key and per value whether
 * the bytes are UTF-8 or Windows-1251, and reports anything malformed instead
 * of crashing.
 */

/** Which text encoding the bytes of a request turned out to be in. */
export type DetectedEncoding = 'ascii' | 'utf-8' | 'windows-1251';

export interface DecodedPair {
	key: string;
	value: string;
	/** The pair exactly as it appeared in the input (still percent-encoded). */
	rawPair: string;
}

export interface ParsedQuery {
	pairs: DecodedPair[];
	/** Human-readable problems found while decoding (malformed escapes, invalid bytes). */
	warnings: string[];
	encoding: DetectedEncoding;
}

const AMPERSAND = 0x26;
const EQUALS = 0x3d;
const PERCENT = 0x25;
const PLUS = 0x2b;
const SPACE = 0x20;

/**
 * Windows-1251 bytes 0x80–0xBF (0xC0–0xFF are А–я, U+0410–U+044F, in order).
 * Byte 0x98 is unassigned in Windows-1251; WHATWG maps it to U+0098, and so do
 * we. A table instead of `TextDecoder('windows-1251')` keeps the node working
 * on a Node.js built without full ICU.
 */
const CP1251_HIGH =
	'\u0402\u0403\u201A\u0453\u201E\u2026\u2020\u2021\u20AC\u2030\u0409\u2039\u040A\u040C\u040B\u040F' +
	'\u0452\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u0098\u2122\u0459\u203A\u045A\u045C\u045B\u045F' +
	'\u00A0\u040E\u045E\u0408\u00A4\u0490\u00A6\u00A7\u0401\u00A9\u0404\u00AB\u00AC\u00AD\u00AE\u0407' +
	'\u00B0\u00B1\u0406\u0456\u0491\u00B5\u00B6\u00B7\u0451\u2116\u0454\u00BB\u0458\u0405\u0455\u0457';

/** Decodes bytes as Windows-1251 (every byte maps to exactly one character). */
export function decodeWindows1251(bytes: Uint8Array): string {
	let text = '';
	for (const byte of bytes) {
		if (byte < 0x80) text += String.fromCharCode(byte);
		else if (byte < 0xc0) text += CP1251_HIGH[byte - 0x80];
		else text += String.fromCharCode(0x0410 + byte - 0xc0);
	}
	return text;
}

/**
 * Strict UTF-8 check (no overlongs, no surrogates, nothing above U+10FFFF),
 * written out so that deciding "is this UTF-8?" needs no exception handling.
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
	let i = 0;
	while (i < bytes.length) {
		const b0 = bytes[i];
		if (b0 < 0x80) {
			i += 1;
			continue;
		}
		let needed: number;
		let min: number;
		let codePoint: number;
		if (b0 >= 0xc2 && b0 <= 0xdf) {
			needed = 1;
			min = 0x80;
			codePoint = b0 & 0x1f;
		} else if (b0 >= 0xe0 && b0 <= 0xef) {
			needed = 2;
			min = 0x800;
			codePoint = b0 & 0x0f;
		} else if (b0 >= 0xf0 && b0 <= 0xf4) {
			needed = 3;
			min = 0x10000;
			codePoint = b0 & 0x07;
		} else {
			return false;
		}
		for (let k = 1; k <= needed; k++) {
			const next = bytes[i + k];
			if (next === undefined || (next & 0xc0) !== 0x80) return false;
			codePoint = (codePoint << 6) | (next & 0x3f);
		}
		if (codePoint < min || codePoint > 0x10ffff) return false;
		if (codePoint >= 0xd800 && codePoint <= 0xdfff) return false;
		i += needed + 1;
	}
	return true;
}

/**
 * Windows-1251 gives every byte a character, so bytes that are not valid UTF-8
 * always decode to *something*. What betrays damaged UTF-8 (cut off, or mixed
 * with stray bytes) is that it still holds UTF-8 Cyrillic pairs (0xD0/0xD1 and
 * a continuation byte); in real Windows-1251 text those are «Р»/«С» followed
 * by punctuation or «Ё», which two times over is very unlikely.
 */
export function looksLikeDamagedUtf8(bytes: Uint8Array): boolean {
	let cyrillicPairs = 0;
	for (let i = 0; i + 1 < bytes.length; i++) {
		if ((bytes[i] === 0xd0 || bytes[i] === 0xd1) && (bytes[i + 1] & 0xc0) === 0x80) {
			cyrillicPairs++;
			i++;
		}
	}
	return cyrillicPairs >= 2;
}

function readFromDamagedUtf8(decoded: DecodedText, bytes: Uint8Array): boolean {
	return decoded.encoding === 'windows-1251' && looksLikeDamagedUtf8(bytes);
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export interface DecodedText {
	text: string;
	encoding: DetectedEncoding;
}

/** UTF-8 when the bytes are valid UTF-8, Windows-1251 otherwise. */
export function decodeBytes(bytes: Uint8Array): DecodedText {
	if (bytes.every((byte) => byte < 0x80)) {
		return { text: decodeWindows1251(bytes), encoding: 'ascii' };
	}
	if (isValidUtf8(bytes)) {
		return { text: utf8Decoder.decode(bytes), encoding: 'utf-8' };
	}
	return { text: decodeWindows1251(bytes), encoding: 'windows-1251' };
}

function isHexDigit(byte: number | undefined): boolean {
	return (
		byte !== undefined &&
		((byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66))
	);
}

function hexValue(byte: number): number {
	if (byte <= 0x39) return byte - 0x30;
	if (byte <= 0x46) return byte - 0x41 + 10;
	return byte - 0x61 + 10;
}

interface PercentDecoded {
	bytes: Uint8Array;
	malformedEscapes: number;
}

/** `+` becomes a space; `%XX` becomes a byte; a `%` without two hex digits stays a literal `%`. */
function percentDecode(bytes: Uint8Array): PercentDecoded {
	const out = new Uint8Array(bytes.length);
	let length = 0;
	let malformedEscapes = 0;
	for (let i = 0; i < bytes.length; i++) {
		const byte = bytes[i];
		if (byte === PLUS) {
			out[length++] = SPACE;
		} else if (byte === PERCENT) {
			const high = bytes[i + 1];
			const low = bytes[i + 2];
			if (isHexDigit(high) && isHexDigit(low)) {
				out[length++] = hexValue(high) * 16 + hexValue(low);
				i += 2;
			} else {
				out[length++] = PERCENT;
				malformedEscapes++;
			}
		} else {
			out[length++] = byte;
		}
	}
	return { bytes: out.subarray(0, length), malformedEscapes };
}

/** Control characters other than tab/CR/LF usually mean invalid or binary input. */
export function hasControlCharacters(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code === 0x09 || code === 0x0a || code === 0x0d) continue;
		if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
	}
	return false;
}

const ENCODING_RANK: Record<DetectedEncoding, number> = {
	ascii: 0,
	'utf-8': 1,
	'windows-1251': 2,
};

/** The "least plain" of two encodings: any Windows-1251 value makes the whole request Windows-1251. */
export function combineEncodings(a: DetectedEncoding, b: DetectedEncoding): DetectedEncoding {
	return ENCODING_RANK[a] >= ENCODING_RANK[b] ? a : b;
}

interface Segment {
	raw: string;
	bytes: Uint8Array;
}

/**
 * Splits the input on `&`. A string from Node's HTTP server holds only ASCII
 * (Node rejects raw non-ASCII bytes in a request line); any other character
 * is taken as already-decoded text and encoded as UTF-8. A byte buffer (a
 * form body) is split as bytes, so raw Windows-1251 text survives.
 */
function splitSegments(input: string | Uint8Array): Segment[] {
	const encoder = new TextEncoder();
	if (typeof input === 'string') {
		return input
			.split('&')
			.filter((raw) => raw.length > 0)
			.map((raw) => ({ raw, bytes: encoder.encode(raw) }));
	}
	const segments: Segment[] = [];
	let start = 0;
	while (start <= input.length) {
		let end = input.indexOf(AMPERSAND, start);
		if (end === -1) end = input.length;
		const bytes = input.subarray(start, end);
		start = end + 1;
		if (bytes.length === 0) continue;
		let raw = '';
		for (const byte of bytes) raw += String.fromCharCode(byte);
		segments.push({ raw, bytes });
	}
	return segments;
}

function describe(text: string): string {
	const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
	return JSON.stringify(shown);
}

/**
 * Parses `a=1&b=%D0%98` (no leading `?`) into decoded pairs. Never throws.
 * Empty segments (`a=1&&b=2`) are skipped; a segment without `=` is a key
 * with an empty value.
 */
export function parseQueryString(input: string | Uint8Array, sourceName = 'query string'): ParsedQuery {
	const pairs: DecodedPair[] = [];
	const warnings: string[] = [];
	let encoding: DetectedEncoding = 'ascii';

	for (const { raw, bytes: segment } of splitSegments(input)) {
		const equalsAt = segment.indexOf(EQUALS);
		const rawKey = equalsAt === -1 ? segment : segment.subarray(0, equalsAt);
		const rawValue = equalsAt === -1 ? new Uint8Array(0) : segment.subarray(equalsAt + 1);

		const keyBytes = percentDecode(rawKey);
		const valueBytes = percentDecode(rawValue);
		const key = decodeBytes(keyBytes.bytes);
		const value = decodeBytes(valueBytes.bytes);
		encoding = combineEncodings(encoding, combineEncodings(key.encoding, value.encoding));

		const malformed = keyBytes.malformedEscapes + valueBytes.malformedEscapes;
		if (malformed > 0) {
			warnings.push(
				`Parameter ${describe(key.text)} in the ${sourceName} has ${malformed} malformed percent escape(s); the "%" was kept as text.`,
			);
		}
		if (readFromDamagedUtf8(key, keyBytes.bytes) || readFromDamagedUtf8(value, valueBytes.bytes)) {
			warnings.push(
				`Parameter ${describe(key.text)} in the ${sourceName} is not valid UTF-8 yet holds UTF-8 Cyrillic: probably cut-off or damaged UTF-8. It was read as Windows-1251 and may be garbled.`,
			);
		}
		if (hasControlCharacters(key.text) || hasControlCharacters(value.text)) {
			warnings.push(
				`Parameter ${describe(key.text)} in the ${sourceName} contains control characters or bytes that are not valid text.`,
			);
		}
		pairs.push({ key: key.text, value: value.text, rawPair: raw });
	}

	return { pairs, warnings, encoding };
}
