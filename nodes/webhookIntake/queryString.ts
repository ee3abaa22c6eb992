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
import { decodeComponent, type DecodedComponent } from './percentDecoding';
import { combineEncodings, hasControlCharacters, type DetectedEncoding } from './textEncoding';

/**
 * Calls `onSegment` for each non-empty `&`-separated segment, by index
 * (never by splitting the whole input at once), until it returns false.
 * Returns whether non-empty segments were left unvisited: they are not
 * counted, so a call past the limit costs no pass over the rest of it.
 */
function forEachSegment(input: string, onSegment: (start: number, end: number) => boolean): boolean {
	let start = 0;
	let visiting = true;
	while (start < input.length) {
		// A run of empty segments costs one tight loop.
		while (input.charCodeAt(start) === 0x26) start++;
		if (start >= input.length) break;
		if (!visiting) return true;
		let end = input.indexOf('&', start);
		if (end === -1) end = input.length;
		visiting = onSegment(start, end);
		start = end + 1;
	}
	return false;
}

/**
 * The input as a string of bytes, one character per byte. A string from
 * Node's HTTP server holds only ASCII (Node rejects raw non-ASCII bytes in a
 * request line) and is read as it is; any other character is taken as
 * already-decoded text and encoded as UTF-8 first. A byte buffer (a form
 * body) is read as bytes, so raw Windows-1251 text survives.
 */
function byteString(input: string | Uint8Array): string {
	if (typeof input !== 'string') return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1');
	// byteLength equals length only for ASCII, and is counted natively, faster than a regex scan.
	return Buffer.byteLength(input, 'utf8') === input.length ? input : Buffer.from(input, 'utf8').toString('latin1');
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
	/** Pairs holding text came after REQUEST_LIMITS.maxTotalText characters; those were not decoded. */
	textLeftOut: boolean;
}

/**
 * Parses `a=1&b=%D0%98` (no leading `?`) into decoded pairs. Never throws.
 * Empty segments (`a=1&&b=2`) are skipped; a segment without `=` is a key
 * with an empty value. Work is linear in the input and output is bounded by
 * REQUEST_LIMITS.
 */
export function parseQueryString(
	original: string | Uint8Array,
	sourceName = 'query string',
	maxPairs: number = REQUEST_LIMITS.maxParameters,
): ParsedQuery {
	const { maxKeyLength, maxValueLength } = REQUEST_LIMITS;
	const input = byteString(original);
	const pairs: DecodedPair[] = [];
	const warnings: string[] = [];
	let encoding: DetectedEncoding = 'ascii';
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
		const pairEncoding = combineEncodings(key.encoding, value.encoding);
		encoding = combineEncodings(encoding, pairEncoding);

		addPairWarnings(warnings, key, value, sourceName);
		const pair: DecodedPair = {
			key: key.text,
			value: value.text,
			encoding: pairEncoding,
			damagedUtf8: key.damagedUtf8 || value.damagedUtf8,
			source: sourceName,
		};
		if (input === original) pair.rawPair = input.slice(start, end);
		pairs.push(pair);
		textLeft -= pair.key.length + pair.value.length;
		return pairs.length + undecoded < maxPairs;
	});
	if (pairsLeftOut) {
		warnings.push(`The ${sourceName} has more parameters than the ${pairs.length + undecoded} read; the rest were ignored.`);
	}

	return { pairs, warnings, encoding, textLeftOut: undecoded > 0 };
}

/**
 * The first "=" in `input[start, reach)`, or `end` when there is none. Never
 * looks past the segment: a search to the end of the input for every segment
 * would make a long call quadratic.
 */
function indexOfEquals(input: string, start: number, end: number, reach = end): number {
	const limit = Math.min(end, reach);
	for (let i = start; i < limit; i++) if (input.charCodeAt(i) === 0x3d) return i;
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

/**
 * Every value of one parameter, read straight from a query string without
 * decoding anything else (the secret token is checked before the rest of a
 * call costs any work), and the query string with those pairs cut out.
 */
export function findQueryValues(original: string, wanted: string): { values: string[]; rest: string } {
	const query = byteString(original);
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
			rest += query.slice(restStart, start);
			restStart = end;
		}
		return true;
	});
	return { values, rest: restStart === 0 ? query : rest + query.slice(restStart) };
}
