// The query-string and form parser, on bytes: decodeURIComponent throws on Windows-1251 escapes and querystring garbles them.
import { preview, REQUEST_LIMITS } from './limits';

/** Which text encoding the bytes of a request turned out to be in. */
export type DetectedEncoding = 'ascii' | 'utf-8' | 'windows-1251';

const AMPERSAND = 0x26;
const AMPERSANDS = Buffer.alloc(4096, AMPERSAND);
const EQUALS = 0x3d;
const PERCENT = 0x25;

/** Visits each non-empty `&` segment in place until `onSegment` returns false; returns whether any were left unvisited (uncounted, so no pass over the rest). */
function forEachSegment(input: Buffer, onSegment: (start: number, end: number) => boolean): boolean {
	let start = 0;
	let visiting = true;
	while (start < input.length) {
		// A run of empty segments is passed a block at a time by a native compare.
		const block = AMPERSANDS.length;
		while (start + block <= input.length && input.compare(AMPERSANDS, 0, block, start, start + block) === 0) start += block;
		while (input[start] === AMPERSAND) start++;
		if (start >= input.length) break;
		if (!visiting) return true;
		let end = input.indexOf(AMPERSAND, start);
		if (end === -1) end = input.length;
		visiting = onSegment(start, end);
		start = end + 1;
	}
	return false;
}

/** The input's bytes: a non-ASCII string is already-decoded text (read as UTF-8); a buffer is read in place so raw Windows-1251 survives. */
function bytesOf(input: string | Uint8Array): Buffer {
	if (typeof input === 'string') return Buffer.from(input, 'utf8');
	return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/** The value of each hex digit by byte, -1 for anything else: one lookup per digit. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 16; digit++) {
	HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
	HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/** `input[start, end)` with `+` as a space, `%XX` as a byte, and a `%` without two hex digits kept literal. */
function percentDecode(input: Buffer, start: number, end: number): { bytes: Uint8Array; malformedEscapes: number } {
	const bytes = new Uint8Array(end - start);
	const hexAt = (index: number) => (index < end ? HEX_VALUE[input[index]] : -1);
	let length = 0;
	let malformedEscapes = 0;
	for (let i = start; i < end; i++) {
		const byte = input[i];
		const high = byte === PERCENT ? hexAt(i + 1) : -1;
		const low = byte === PERCENT ? hexAt(i + 2) : -1;
		if (high >= 0 && low >= 0) {
			bytes[length++] = high * 16 + low;
			i += 2;
		} else {
			if (byte === PERCENT) malformedEscapes++;
			bytes[length++] = byte === 0x2b ? 0x20 : byte;
		}
	}
	return { bytes: bytes.subarray(0, length), malformedEscapes };
}

/** Where a cut at `end` leaves whole UTF-8 characters: a split sequence would make valid UTF-8 look like Windows-1251. */
function wholeCharactersEnd(bytes: Uint8Array, end: number): number {
	let lead = end - 1;
	while (lead >= 0 && end - lead < 4 && (bytes[lead] & 0xc0) === 0x80) lead--;
	if (lead < 0 || bytes[lead] < 0xc0) return end;
	const length = bytes[lead] >= 0xf0 ? 4 : bytes[lead] >= 0xe0 ? 3 : 2;
	return end - lead >= length ? end : lead;
}

/** Two UTF-8 Cyrillic pairs (0xD0/0xD1 + continuation) betray damaged UTF-8: in real Windows-1251 that is «Р»/«С» before punctuation, twice. */
function looksLikeDamagedUtf8(bytes: Uint8Array): boolean {
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
const windows1251Decoder = new TextDecoder('windows-1251');
/** U+FFFD as UTF-8: a sender may spell out the replacement character itself. */
const REPLACEMENT_BYTES = Uint8Array.of(0xef, 0xbf, 0xbd);

/** The text of strictly valid UTF-8, or undefined: valid when the decoder's U+FFFDs are no more than the bytes spell out. */
function validUtf8Text(bytes: Uint8Array): string | undefined {
	const text = utf8Decoder.decode(bytes);
	if (!text.includes('\uFFFD')) return text;
	const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	let spelledOut = 0;
	for (let i = buffer.indexOf(REPLACEMENT_BYTES); i !== -1; i = buffer.indexOf(REPLACEMENT_BYTES, i + 3)) spelledOut++;
	let replaced = 0;
	for (let i = text.indexOf('\uFFFD'); i !== -1 && replaced <= spelledOut; i = text.indexOf('\uFFFD', i + 1)) replaced++;
	return replaced === spelledOut ? text : undefined;
}

/** Control characters other than tab/CR/LF usually mean invalid or binary input. */
function hasControlCharacters(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const code = text.charCodeAt(i);
		if (code === 0x09 || code === 0x0a || code === 0x0d) continue;
		if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
	}
	return false;
}

/** The "least plain" of a key's and a value's encodings: either in Windows-1251 makes the pair Windows-1251. */
function combineEncodings(a: DetectedEncoding, b: DetectedEncoding): DetectedEncoding {
	if (a === 'windows-1251' || b === 'windows-1251') return 'windows-1251';
	return a === 'utf-8' || b === 'utf-8' ? 'utf-8' : 'ascii';
}

interface DecodedComponent {
	text: string;
	/** UTF-8 when the bytes are strictly valid UTF-8, Windows-1251 otherwise. */
	encoding: DetectedEncoding;
	malformedEscapes: number;
	/** Read as Windows-1251 although it holds UTF-8 Cyrillic pairs. */
	damagedUtf8: boolean;
	/** Longer than the limit it was decoded with; `text` holds its start. */
	cut: boolean;
}

/** One key or value, `input[start, end)`, to at most `maxChars` characters; bytes past those are never decoded, so size costs nothing. */
function decodeComponent(input: Buffer, start: number, end: number, maxChars: number): DecodedComponent {
	// A character is at most 4 bytes of `%XX`: nothing past maxChars × 12 is read, and the cut never splits an escape.
	let cut = false;
	if (end - start > maxChars * 12) {
		end = start + maxChars * 12;
		if (input[end - 1] === PERCENT) end -= 1;
		else if (input[end - 2] === PERCENT) end -= 2;
		cut = true;
	}
	const { bytes: all, malformedEscapes } = percentDecode(input, start, end);
	let bytes = all;
	if (cut || all.length > maxChars * 4) {
		bytes = all.subarray(0, wholeCharactersEnd(all, Math.min(all.length, maxChars * 4)));
		cut = true;
	}
	const utf8 = validUtf8Text(bytes);
	let text = utf8 ?? windows1251Decoder.decode(bytes);
	// Every non-ASCII character takes more bytes than it takes UTF-16 units.
	const encoding = utf8 === undefined ? 'windows-1251' : text.length === bytes.length ? 'ascii' : 'utf-8';
	if (text.length > maxChars) {
		// Never end on the first half of a surrogate pair.
		const last = text.charCodeAt(maxChars - 1);
		text = text.slice(0, last >= 0xd800 && last <= 0xdbff ? maxChars - 1 : maxChars);
		cut = true;
	}
	const damagedUtf8 = encoding === 'windows-1251' && looksLikeDamagedUtf8(bytes);
	return { text, encoding, malformedEscapes, damagedUtf8, cut };
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
	/** Pairs holding text came after REQUEST_LIMITS.maxTotalText characters; those were not decoded. */
	textLeftOut: boolean;
}

/** `a=1&b=%D0%98` (no `?`) as decoded pairs, bounded by REQUEST_LIMITS; empty segments skipped, a segment without `=` has an empty value. */
export function parseQueryString(
	original: string | Uint8Array,
	sourceName = 'query string',
	maxPairs: number = REQUEST_LIMITS.maxParameters,
): ParsedQuery {
	const { maxKeyLength, maxValueLength } = REQUEST_LIMITS;
	const input = bytesOf(original);
	// The pairs of an ASCII string (a query) are kept as sent, for raw.query.
	const keepsRaw = typeof original === 'string' && input.length === original.length;
	const pairs: DecodedPair[] = [];
	const warnings: string[] = [];
	let textLeft: number = REQUEST_LIMITS.maxTotalText;
	let undecoded = 0;

	const pairsLeftOut = forEachSegment(input, (start, end) => {
		// Once the text an item keeps is spent, a pair is only counted: none of it could be kept.
		if (textLeft <= 0) {
			undecoded++;
			return pairs.length + undecoded < maxPairs;
		}
		const equalsAt = indexOfEquals(input, start, end);
		const key = decodeComponent(input, start, equalsAt, maxKeyLength);
		const value = decodeComponent(input, Math.min(equalsAt + 1, end), end, maxValueLength);
		addPairWarnings(warnings, key, value, sourceName);
		const pair: DecodedPair = {
			key: key.text,
			value: value.text,
			encoding: combineEncodings(key.encoding, value.encoding),
			damagedUtf8: key.damagedUtf8 || value.damagedUtf8,
			source: sourceName,
		};
		if (keepsRaw) pair.rawPair = input.toString('latin1', start, end);
		pairs.push(pair);
		textLeft -= pair.key.length + pair.value.length;
		return pairs.length + undecoded < maxPairs;
	});
	if (pairsLeftOut) {
		warnings.push(`The ${sourceName} has more parameters than the ${pairs.length + undecoded} read; the rest were ignored.`);
	}

	return { pairs, warnings, textLeftOut: undecoded > 0 };
}

/** The first "=" in `input[start, reach)`, or `end`: never past the segment, which would make a long call quadratic. */
function indexOfEquals(input: Buffer, start: number, end: number, reach = end): number {
	const limit = Math.min(end, reach);
	for (let i = start; i < limit; i++) if (input[i] === EQUALS) return i;
	return end;
}

function addPairWarnings(warnings: string[], key: DecodedComponent, value: DecodedComponent, sourceName: string): void {
	const { maxKeyLength, maxValueLength } = REQUEST_LIMITS;
	const malformed = key.malformedEscapes + value.malformedEscapes;
	// A message is built only for a problem the pair has.
	const problems = [
		malformed > 0 && `has ${malformed} malformed percent escape(s); the "%" was kept as text.`,
		(key.damagedUtf8 || value.damagedUtf8) &&
			'is not valid UTF-8 yet holds UTF-8 Cyrillic: probably cut-off or damaged UTF-8. It was read as Windows-1251 and may be garbled.',
		(hasControlCharacters(key.text) || hasControlCharacters(value.text)) &&
			'contains control characters or bytes that are not valid text.',
		key.cut && `has a name longer than ${maxKeyLength} characters; the name was cut.`,
		value.cut && `is longer than ${maxValueLength} characters; only the first ${maxValueLength} were kept.`,
	];
	for (const problem of problems) if (problem) warnings.push(`Parameter ${preview(key.text)} in the ${sourceName} ${problem}`);
}

/** One parameter's values and the query without them, decoding nothing else: the token is checked before the call costs work. */
export function findQueryValues(original: string, wanted: string): { values: string[]; rest: string } {
	const query = bytesOf(original);
	const values: string[] = [];
	let rest = '';
	let restStart = 0;
	// The longest spelling of the name is every character percent-escaped.
	const longestKey = wanted.length * 3;
	forEachSegment(query, (start, end) => {
		const equalsAt = indexOfEquals(query, start, end, start + longestKey + 1);
		if (equalsAt - start > longestKey) return true;
		if (decodeComponent(query, start, equalsAt, longestKey).text === wanted) {
			values.push(decodeComponent(query, Math.min(equalsAt + 1, end), end, REQUEST_LIMITS.maxValueLength).text);
			rest += query.toString('latin1', restStart, start);
			restStart = end;
		}
		return true;
	});
	return { values, rest: rest + query.toString('latin1', restStart) };
}
