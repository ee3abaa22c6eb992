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

import { preview, REQUEST_LIMITS } from './limits';

/** Which text encoding the bytes of a request turned out to be in. */
export type DetectedEncoding = 'ascii' | 'utf-8' | 'windows-1251';

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
	const codes = new Uint16Array(bytes.length);
	for (let i = 0; i < bytes.length; i++) {
		const byte = bytes[i];
		codes[i] = byte < 0x80 ? byte : byte < 0xc0 ? CP1251_HIGH.charCodeAt(byte - 0x80) : 0x0410 + byte - 0xc0;
	}
	return textOfCodes(codes);
}

/**
 * The characters of UTF-16 code units, in chunks (one call with millions of
 * arguments would overflow the stack). `apply` takes the typed array as it
 * is; a spread would walk it through an iterator, six times slower.
 */
function textOfCodes(codes: Uint16Array): string {
	const CHUNK = 8192;
	const charactersOf = (part: Uint16Array) => String.fromCharCode.apply(null, part as unknown as number[]);
	if (codes.length <= CHUNK) return charactersOf(codes);
	const parts: string[] = [];
	for (let start = 0; start < codes.length; start += CHUNK) parts.push(charactersOf(codes.subarray(start, start + CHUNK)));
	return parts.join('');
}

function isAscii(bytes: Uint8Array): boolean {
	for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return false;
	return true;
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

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export interface DecodedText {
	text: string;
	encoding: DetectedEncoding;
}

/** UTF-8 when the bytes are valid UTF-8, Windows-1251 otherwise. */
export function decodeBytes(bytes: Uint8Array): DecodedText {
	if (isAscii(bytes)) return { text: utf8Decoder.decode(bytes), encoding: 'ascii' };
	if (isValidUtf8(bytes)) {
		return { text: utf8Decoder.decode(bytes), encoding: 'utf-8' };
	}
	return { text: decodeWindows1251(bytes), encoding: 'windows-1251' };
}

/** The value of each hex digit by character code, -1 for anything else: one lookup per digit. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) {
	HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
	HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/** The value of the hex digit at `index` (before `end`), or -1. */
function hexAt(input: string | Uint8Array, index: number, end: number): number {
	if (index >= end) return -1;
	const code = codeAt(input, index);
	return code < 128 ? HEX_VALUE[code] : -1;
}

interface PercentDecoded {
	bytes: Uint8Array;
	malformedEscapes: number;
}

/**
 * Where decoded bytes are written: reused from call to call (the bytes are
 * turned into text before the next decode), so a call allocates no buffer
 * per parameter.
 */
let scratch = new Uint8Array(4096);

/** The character code or byte at `index` (a small function V8 inlines; a closure per call would cost an allocation). */
function codeAt(input: string | Uint8Array, index: number): number {
	return typeof input === 'string' ? input.charCodeAt(index) : input[index];
}

/**
 * `+` becomes a space; `%XX` becomes a byte; a `%` without two hex digits
 * stays a literal `%`. Reads `input[start, end)`: the character codes of an
 * ASCII string, or bytes. The result lives in the scratch buffer.
 */
function percentDecode(input: string | Uint8Array, start: number, end: number): PercentDecoded {
	if (scratch.length < end - start) scratch = new Uint8Array(Math.max(end - start, scratch.length * 2));
	const out = scratch;
	let length = 0;
	let malformedEscapes = 0;
	for (let i = start; i < end; i++) {
		const byte = codeAt(input, i);
		if (byte === PLUS) {
			out[length++] = SPACE;
		} else if (byte === PERCENT) {
			const high = hexAt(input, i + 1, end);
			const low = hexAt(input, i + 2, end);
			if (high >= 0 && low >= 0) {
				out[length++] = high * 16 + low;
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

/** An ASCII text without `%` or `+` means itself: no decoding needed. */
function isPlainAscii(input: string, start: number, end: number): boolean {
	for (let i = start; i < end; i++) {
		const code = input.charCodeAt(i);
		if (code === PERCENT || code === PLUS || code >= 0x80) return false;
	}
	return true;
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

/** The "least plain" of two encodings: any Windows-1251 value makes the whole request Windows-1251. */
export function combineEncodings(a: DetectedEncoding, b: DetectedEncoding): DetectedEncoding {
	if (a === 'windows-1251' || b === 'windows-1251') return 'windows-1251';
	return a === 'utf-8' || b === 'utf-8' ? 'utf-8' : 'ascii';
}

/**
 * The end of a byte run that a cut at `end` leaves as whole UTF-8 characters:
 * a multi-byte sequence cut in two would make valid UTF-8 look like
 * Windows-1251. For Windows-1251 bytes this drops at most three bytes.
 */
function wholeCharactersEnd(bytes: Uint8Array, end: number): number {
	let lead = end - 1;
	while (lead >= 0 && end - lead < 4 && (bytes[lead] & 0xc0) === 0x80) lead--;
	if (lead < 0 || bytes[lead] < 0xc0) return end;
	const length = bytes[lead] >= 0xf0 ? 4 : bytes[lead] >= 0xe0 ? 3 : 2;
	return end - lead >= length ? end : lead;
}

export interface DecodedComponent extends DecodedText {
	malformedEscapes: number;
	/** Read as Windows-1251 although it holds UTF-8 Cyrillic pairs. */
	damagedUtf8: boolean;
	/** Longer than the limit it was decoded with; `text` holds its start. */
	cut: boolean;
}

/**
 * Percent-decodes and decodes one key or value, `input[start, end)` (an ASCII
 * string's characters or bytes), keeping at most `maxChars` characters.
 * Bytes past what `maxChars` characters can take are never turned into
 * text, so a 16 MB value costs no more than a short one.
 */
export function decodeComponent(input: string | Uint8Array, start: number, end: number, maxChars: number): DecodedComponent {
	// A character is at most 4 bytes, each at most 3 characters (`%XX`) as sent:
	// what lies past maxChars × 12 is never looked at. The cut backs off an
	// escape it would split.
	let cut = false;
	if (end - start > maxChars * 12) {
		end = start + maxChars * 12;
		if (codeAt(input, end - 1) === PERCENT) end -= 1;
		else if (codeAt(input, end - 2) === PERCENT) end -= 2;
		cut = true;
	}
	if (typeof input === 'string' && isPlainAscii(input, start, end)) {
		let text = input.slice(start, end);
		if (text.length > maxChars) {
			text = text.slice(0, maxChars);
			cut = true;
		}
		return { text, encoding: 'ascii', malformedEscapes: 0, damagedUtf8: false, cut };
	}
	const { bytes: all, malformedEscapes } = percentDecode(input, start, end);
	let bytes = all;
	if (cut || all.length > maxChars * 4) {
		bytes = all.subarray(0, wholeCharactersEnd(all, Math.min(all.length, maxChars * 4)));
		cut = true;
	}
	const decoded = decodeBytes(bytes);
	let text = decoded.text;
	if (text.length > maxChars) {
		// Never end on the first half of a surrogate pair.
		const last = text.charCodeAt(maxChars - 1);
		text = text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars);
		cut = true;
	}
	const damagedUtf8 = decoded.encoding === 'windows-1251' && looksLikeDamagedUtf8(bytes);
	return { text, encoding: decoded.encoding, malformedEscapes, damagedUtf8, cut };
}

export interface QueryLimits {
	/** Pairs decoded; the rest are only counted. */
	maxPairs: number;
	maxKeyLength: number;
	maxValueLength: number;
}

const NO_LIMITS: QueryLimits = { maxPairs: Infinity, maxKeyLength: Infinity, maxValueLength: Infinity };

/** The first index from `start` on that is not "&": a run of empty segments costs one tight loop. */
function skipAmpersands(input: string | Uint8Array, start: number): number {
	let i = start;
	if (typeof input === 'string') {
		while (i < input.length && input.charCodeAt(i) === AMPERSAND) i++;
	} else {
		while (i < input.length && input[i] === AMPERSAND) i++;
	}
	return i;
}

/**
 * Calls `onSegment` for each non-empty `&`-separated segment, by index
 * (never by splitting the whole input at once), until it returns false.
 * Returns whether non-empty segments were left unvisited: they are not
 * counted, so a call past the limit costs no pass over the rest of it.
 */
function forEachSegment(input: string | Uint8Array, onSegment: (start: number, end: number) => boolean): boolean {
	let start = 0;
	let visiting = true;
	while (start < input.length) {
		start = skipAmpersands(input, start);
		if (start >= input.length) break;
		if (!visiting) return true;
		let end = typeof input === 'string' ? input.indexOf('&', start) : input.indexOf(AMPERSAND, start);
		if (end === -1) end = input.length;
		visiting = onSegment(start, end);
		start = end + 1;
	}
	return false;
}

const textEncoder = new TextEncoder();

/**
 * A string from Node's HTTP server holds only ASCII (Node rejects raw
 * non-ASCII bytes in a request line) and is read as it is; any other
 * character is taken as already-decoded text and the string is encoded as
 * UTF-8 first. A byte buffer (a form body) is read as bytes, so raw
 * Windows-1251 text survives.
 */
function asciiOrBytes(input: string | Uint8Array): string | Uint8Array {
	// byteLength equals length only for ASCII, and is counted natively: ~20× faster than a regex scan.
	return typeof input === 'string' && Buffer.byteLength(input, 'utf8') !== input.length ? textEncoder.encode(input) : input;
}

export interface DecodedPair {
	key: string;
	value: string;
	/** What the pair's bytes were read as (the less plain of key and value). */
	encoding: DetectedEncoding;
	/** The value was read as Windows-1251 while holding UTF-8 Cyrillic. */
	damagedUtf8: boolean;
	/** The pair exactly as it appeared in an ASCII string input (still percent-encoded); absent for bytes. */
	rawPair?: string;
	/** Where the pair came from, as named in warnings ("query string", "body"). */
	source: string;
}

export interface ParsedQuery {
	pairs: DecodedPair[];
	/** Human-readable problems found while decoding (malformed escapes, invalid bytes, cut values). */
	warnings: string[];
	encoding: DetectedEncoding;
	/** There were more non-empty pairs than `limits.maxPairs`; those were not read. */
	pairsLeftOut: boolean;
}

/**
 * Parses `a=1&b=%D0%98` (no leading `?`) into decoded pairs. Never throws.
 * Empty segments (`a=1&&b=2`) are skipped; a segment without `=` is a key
 * with an empty value. Work is linear in the input and output is bounded by
 * `limits`.
 */
export function parseQueryString(
	original: string | Uint8Array,
	sourceName = 'query string',
	limits: QueryLimits = NO_LIMITS,
): ParsedQuery {
	const input = asciiOrBytes(original);
	const pairs: DecodedPair[] = [];
	const warnings: string[] = [];
	let encoding: DetectedEncoding = 'ascii';

	const pairsLeftOut = forEachSegment(input, (start, end) => {
		const equalsAt = indexOfEquals(input, start, end);
		const key = decodeComponent(input, start, equalsAt, limits.maxKeyLength);
		const value = decodeComponent(input, Math.min(equalsAt + 1, end), end, limits.maxValueLength);
		const pairEncoding = combineEncodings(key.encoding, value.encoding);
		encoding = combineEncodings(encoding, pairEncoding);

		addPairWarnings(warnings, key, value, sourceName, limits);
		const pair: DecodedPair = {
			key: key.text,
			value: value.text,
			encoding: pairEncoding,
			damagedUtf8: key.damagedUtf8 || value.damagedUtf8,
			source: sourceName,
		};
		if (typeof input === 'string') pair.rawPair = input.slice(start, end);
		pairs.push(pair);
		return pairs.length < limits.maxPairs;
	});
	if (pairsLeftOut) {
		warnings.push(`The ${sourceName} has more parameters than the ${pairs.length} read; the rest were ignored.`);
	}

	return { pairs, warnings, encoding, pairsLeftOut };
}

/**
 * The first "=" in `input[start, reach)`, or `end` when there is none. Never
 * looks past the segment: a search to the end of the input for every segment
 * would make a long call quadratic.
 */
function indexOfEquals(input: string | Uint8Array, start: number, end: number, reach = end): number {
	const limit = Math.min(end, reach);
	if (typeof input === 'string') {
		for (let i = start; i < limit; i++) if (input.charCodeAt(i) === EQUALS) return i;
	} else {
		for (let i = start; i < limit; i++) if (input[i] === EQUALS) return i;
	}
	return end;
}

function addPairWarnings(
	warnings: string[],
	key: DecodedComponent,
	value: DecodedComponent,
	sourceName: string,
	limits: QueryLimits,
): void {
	const clean =
		key.malformedEscapes + value.malformedEscapes === 0 &&
		!key.damagedUtf8 &&
		!value.damagedUtf8 &&
		!key.cut &&
		!value.cut &&
		!hasControlCharacters(key.text) &&
		!hasControlCharacters(value.text);
	if (clean) return;
	const name = `Parameter ${preview(key.text)} in the ${sourceName}`;
	const malformed = key.malformedEscapes + value.malformedEscapes;
	if (malformed > 0) warnings.push(`${name} has ${malformed} malformed percent escape(s); the "%" was kept as text.`);
	if (key.damagedUtf8 || value.damagedUtf8) {
		warnings.push(
			`${name} is not valid UTF-8 yet holds UTF-8 Cyrillic: probably cut-off or damaged UTF-8. It was read as Windows-1251 and may be garbled.`,
		);
	}
	if (hasControlCharacters(key.text) || hasControlCharacters(value.text)) {
		warnings.push(`${name} contains control characters or bytes that are not valid text.`);
	}
	if (key.cut) warnings.push(`${name} has a name longer than ${limits.maxKeyLength} characters; the name was cut.`);
	if (value.cut) {
		warnings.push(`${name} is longer than ${limits.maxValueLength} characters; only the first ${limits.maxValueLength} were kept.`);
	}
}

export interface FoundValues {
	/** Every value sent under the name. */
	values: string[];
	/** The query string with those pairs cut out, in pieces (to hash without joining them). */
	rest: Array<string | Uint8Array>;
}

/**
 * The values of one parameter, read straight from a query string without
 * decoding anything else: the secret token is checked before the rest of a
 * call costs any work.
 */
export function findQueryValues(original: string, wanted: string): FoundValues {
	const query = asciiOrBytes(original);
	const values: string[] = [];
	const rest: Array<string | Uint8Array> = [];
	let restStart = 0;
	const piece = (from: number, to: number) => (typeof query === 'string' ? query.slice(from, to) : query.subarray(from, to));
	// The longest spelling of the name is every character percent-escaped.
	const longestKey = wanted.length * 3;
	forEachSegment(query, (start, end) => {
		const equalsAt = indexOfEquals(query, start, end, start + longestKey + 1);
		if (equalsAt - start > longestKey) return true;
		if (decodeComponent(query, start, equalsAt, longestKey).text === wanted) {
			values.push(decodeComponent(query, Math.min(equalsAt + 1, end), end, REQUEST_LIMITS.maxValueLength).text);
			if (start > restStart) rest.push(piece(restStart, start));
			restStart = end;
		}
		return true;
	});
	if (restStart < query.length) rest.push(restStart === 0 ? query : piece(restStart, query.length));
	return { values, rest };
}
