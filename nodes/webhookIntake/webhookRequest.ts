// Reading one webhook call: the raw query and body from n8n's request, decoded byte by byte by the parser
// at the end of this file (UTF-8 or Windows-1251 per call), bounded by limits.ts.
import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { isDroppedKey } from '../shared/outsideData';
import { boundedJson, ItemBudget, preview, REQUEST_LIMITS, WarningList } from './limits';

/**
 * Neither Klientiks nor Traffic Light can sign a request or send a header: all the user controls is
 * the URL. So the secret travels as a query parameter the user appends (`&token=…`); this is its key,
 * checked by `admitCall` and never part of an item.
 */
export const TOKEN_QUERY_KEY = 'token';

/** The parts of express' Request the triggers read, raw (n8n types it loosely): query string as sent, headers, body bytes. */
interface RequestLike {
	method?: unknown;
	originalUrl?: unknown;
	rawBody?: unknown;
	headers?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requestOf(context: IWebhookFunctions): RequestLike {
	return (context.getRequestObject() ?? {}) as RequestLike;
}

/**
 * n8n hands the node an express request whose `originalUrl` still holds the
 * query string exactly as it was sent; only that form lets us decode cp1251
 * and report malformed escapes.
 */
export function rawQueryOf(context: IWebhookFunctions): string {
	const url = requestOf(context).originalUrl;
	if (typeof url !== 'string') return '';
	// Everything after the first "?" is data, "#" included: clients never send a
	// fragment, so a "#" here is a value the sender forgot to escape.
	const questionMark = url.indexOf('?');
	return questionMark === -1 ? '' : url.slice(questionMark + 1);
}

export function headerValue(headers: unknown, name: string): string {
	if (!isRecord(headers)) return '';
	const value = headers[name];
	return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0] ?? '') : '';
}

/** Whether the call carries a body, told by its headers alone (HTTP/1.1 marks every body one of these two ways). */
export function hasBody(context: IWebhookFunctions): boolean {
	const { headers } = requestOf(context);
	const length = Number(headerValue(headers, 'content-length'));
	return length > 0 || headerValue(headers, 'transfer-encoding') !== '';
}

/**
 * The body as received, for telling one call from another: its bytes as n8n
 * keeps them (`req.rawBody`), or undefined when a parsed body came without them.
 */
export function bodyBytesOf(context: IWebhookFunctions): string | Uint8Array | undefined {
	const { rawBody } = requestOf(context);
	if (rawBody instanceof Uint8Array) return rawBody;
	const body: unknown = context.getBodyData();
	if (typeof body === 'string') return body;
	return body === undefined || body === null || (isRecord(body) && Object.keys(body).length === 0) ? '' : undefined;
}

/**
 * One webhook call, read the same way by both triggers: the query string
 * decoded from its raw form, merged with a form or JSON body, bounded by
 * REQUEST_LIMITS, with the secret token taken out so that it can never reach
 * the output.
 */
export interface IncomingRequest {
	method: string;
	/** Every value received per parameter name: body values first, then query values. */
	values: Map<string, unknown[]>;
	/** The query string as received, minus the secret token, at most REQUEST_LIMITS.maxRawQuery characters. */
	rawQuery: string;
	/** What the call's text was read as: one encoding, or `mixed` when its values differ. */
	encoding: DetectedEncoding | 'mixed';
	/** What each non-ASCII parameter was read as, when the call's values were not all read alike. */
	encodings?: Record<string, DetectedEncoding>;
	warnings: WarningList;
}

interface BodyValues {
	/** Decoded pairs of a form or text body, with their encodings. */
	pairs: DecodedPair[];
	/** Top-level entries of a JSON body, bounded. */
	entries: Array<[string, unknown]>;
	/** Form pairs past the text an item keeps were left undecoded. */
	textLeftOut?: boolean;
}

/**
 * A form body is decoded from its raw bytes (n8n keeps them as
 * `req.rawBody`) for the same cp1251 reason as the query; a JSON body is
 * taken as n8n parsed it, bounded; a text body is read as a query string.
 */
function readBody(
	context: IWebhookFunctions,
	request: RequestLike,
	maxPairs: number,
	budget: ItemBudget,
	warnings: WarningList,
): BodyValues {
	const contentType = headerValue(request.headers, 'content-type').toLowerCase();
	const rawBody = request.rawBody;
	let formOrText: string | Uint8Array | undefined;
	if (contentType.startsWith('application/x-www-form-urlencoded') && rawBody instanceof Uint8Array && rawBody.length > 0) {
		formOrText = rawBody;
	}
	const body: unknown = formOrText === undefined ? context.getBodyData() : undefined;
	// A text body is read from its bytes too when n8n kept them: a 16 MB string is never copied whole.
	if (typeof body === 'string') formOrText = rawBody instanceof Uint8Array && rawBody.length > 0 ? rawBody : body;
	if (formOrText !== undefined) {
		const parsed = parseQueryString(formOrText, 'body', maxPairs);
		warnings.addAll(parsed.warnings);
		return { pairs: parsed.pairs, entries: [], textLeftOut: parsed.textLeftOut };
	}
	if (isRecord(body)) {
		const entries: Array<[string, unknown]> = [];
		let skipped = 0;
		for (const key of Object.keys(body)) {
			if (entries.length >= maxPairs) {
				skipped++;
			} else if (!budget.spent) {
				const boundedKey = budget.take(key.slice(0, REQUEST_LIMITS.maxKeyLength));
				entries.push([boundedKey, boundedJson(body[key], 0, preview(key), budget, warnings)]);
			}
		}
		if (skipped > 0) {
			warnings.add(`The body has more parameters than the ${entries.length} read; the rest were ignored.`);
		}
		return { pairs: [], entries };
	}
	if (body !== undefined && body !== null) {
		warnings.add('The request body is not an object or form data; it was ignored.');
	}
	return { pairs: [], entries: [] };
}

/**
 * Encoding is judged per call: when some values are valid UTF-8 and others
 * only read as Windows-1251, the latter are most likely damaged UTF-8 (a
 * lone `%D0`), and each is named in a warning.
 */
function judgeEncoding(pairs: DecodedPair[], warnings: WarningList): Pick<IncomingRequest, 'encoding' | 'encodings'> {
	const hasUtf8 = pairs.some((pair) => pair.encoding === 'utf-8');
	const hasWindows1251 = pairs.some((pair) => pair.encoding === 'windows-1251');
	if (!(hasUtf8 && hasWindows1251)) {
		return { encoding: hasWindows1251 ? 'windows-1251' : hasUtf8 ? 'utf-8' : 'ascii' };
	}
	const encodings: Record<string, DetectedEncoding> = {};
	for (const pair of pairs) {
		if (pair.encoding === 'ascii' || isDroppedKey(pair.key)) continue;
		encodings[pair.key] = pair.encoding;
		if (pair.encoding === 'windows-1251' && !pair.damagedUtf8) {
			warnings.add(
				`Parameter ${preview(pair.key)} in the ${pair.source} is not valid UTF-8 while the rest of the call is; it was read as Windows-1251 (${preview(pair.value)}) and may be garbled.`,
			);
		}
	}
	return { encoding: 'mixed', encodings };
}

/** The query string minus the token, kept to REQUEST_LIMITS.maxRawQuery characters. */
function boundedRawQuery(pairs: DecodedPair[], fullLength: number, warnings: WarningList): string {
	let raw = '';
	for (const { rawPair } of pairs) {
		if (rawPair === undefined) continue;
		raw += raw === '' ? rawPair : `&${rawPair}`;
		if (raw.length > REQUEST_LIMITS.maxRawQuery) break;
	}
	if (raw.length <= REQUEST_LIMITS.maxRawQuery) return raw;
	warnings.add(
		`raw.query keeps the first ${REQUEST_LIMITS.maxRawQuery} of the query string's ${fullLength} characters.`,
	);
	return `${raw.slice(0, REQUEST_LIMITS.maxRawQuery)}…`;
}

export function readIncomingRequest(context: IWebhookFunctions): IncomingRequest {
	const request = requestOf(context);
	const method = typeof request.method === 'string' ? request.method.toUpperCase() : 'GET';
	const warnings = new WarningList();
	const budget = new ItemBudget(warnings);

	const rawQuery = rawQueryOf(context);
	const query = parseQueryString(rawQuery);
	warnings.addAll(query.warnings);
	const body = readBody(context, request, REQUEST_LIMITS.maxParameters - query.pairs.length, budget, warnings);

	const values = new Map<string, unknown[]>();
	const add = (key: string, value: unknown, source: string) => {
		if (key === TOKEN_QUERY_KEY) {
			if (source === 'body') {
				warnings.add(`The body's ${TOKEN_QUERY_KEY} parameter was left out: the token is read from the URL query only.`);
			}
			return;
		}
		if (isDroppedKey(key)) {
			warnings.add(`The ${source} holds a "__proto__" parameter; it was left out.`);
			return;
		}
		const list = values.get(key);
		if (list) list.push(value);
		else values.set(key, [value]);
	};
	// JSON entries were bounded as they were read; decoded pairs are bounded here.
	for (const [key, value] of body.entries) add(key, value, 'body');
	const addPairs = (decoded: DecodedPair[], textLeftOut: boolean | undefined) => {
		for (const pair of decoded) {
			const key = budget.take(pair.key);
			// A name the budget had to cut is not the name that was sent: leave the pair out.
			if (key.length === pair.key.length) add(key, budget.take(pair.value), pair.source);
		}
		if (textLeftOut) budget.leaveOutTheRest();
	};
	addPairs(body.pairs, body.textLeftOut);
	addPairs(query.pairs, query.textLeftOut);

	const withoutToken = (pair: DecodedPair) => pair.key !== TOKEN_QUERY_KEY;
	const queryWithoutToken = query.pairs.filter(withoutToken);
	return {
		method,
		values,
		rawQuery: boundedRawQuery(queryWithoutToken, rawQuery.length, warnings),
		...judgeEncoding([...body.pairs.filter(withoutToken), ...queryWithoutToken], warnings),
		warnings,
	};
}

/** `raw` of an item: how the call came, for debugging; `encodings` only when its values were read differently. */
export function requestSummary(request: IncomingRequest): IDataObject {
	const summary: IDataObject = { method: request.method, query: request.rawQuery, encoding: request.encoding };
	if (request.encodings) summary.encodings = request.encodings as IDataObject;
	return summary;
}

// ---- The query-string and form parser ----

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

const AMPERSAND = 0x26;
const AMPERSANDS = Buffer.alloc(4096, AMPERSAND);
const EQUALS = 0x3d;
const PERCENT = 0x25;

/**
 * Calls `onSegment` for each non-empty `&`-separated segment (found with the
 * Buffer's own search, never by splitting or copying the input), until it returns
 * false. Returns whether non-empty segments were left unvisited: they are not
 * counted, so a call past the limit costs no pass over the rest of it.
 */
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

/**
 * The input's bytes. A string from Node's HTTP server holds only ASCII (Node
 * rejects raw non-ASCII bytes in a request line); any other character is taken
 * as already-decoded text and read as its UTF-8. A byte buffer (a form body) is
 * read in place, never copied or turned into text whole, so raw Windows-1251 survives.
 */
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

/**
 * `+` becomes a space; `%XX` becomes a byte; a `%` without two hex digits
 * stays a literal `%`. Reads `input[start, end)`.
 */
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

/**
 * Windows-1251 gives every byte a character, so bytes that are not valid UTF-8
 * always decode to *something*. What betrays damaged UTF-8 (cut off, or mixed
 * with stray bytes) is that it still holds UTF-8 Cyrillic pairs (0xD0/0xD1 and
 * a continuation byte); in real Windows-1251 text those are «Р»/«С» followed
 * by punctuation or «Ё», which two times over is very unlikely.
 */
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

/**
 * The text of strictly valid UTF-8, or undefined. The decoder replaces every
 * invalid sequence (overlong, surrogate, cut off) with U+FFFD, and a spelled-out
 * U+FFFD always decodes as itself: the bytes are valid when the text holds no
 * more of them than the bytes spell out. No exception is thrown for a verdict.
 */
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

/** The "least plain" of two encodings: any Windows-1251 value makes the whole request Windows-1251. */
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

/**
 * Percent-decodes and decodes one key or value, `input[start, end)`, keeping
 * at most `maxChars` characters. Bytes past what `maxChars` characters can
 * take are never turned into text, so a 16 MB value costs no more than a short one.
 */
function decodeComponent(input: Buffer, start: number, end: number, maxChars: number): DecodedComponent {
	// A character is at most 4 bytes, each at most 3 characters (`%XX`) as sent:
	// what lies past maxChars × 12 is never looked at. The cut backs off an
	// escape it would split.
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
	const input = bytesOf(original);
	// The pairs of an ASCII string (a query) are kept as sent, for raw.query.
	const keepsRaw = typeof original === 'string' && input.length === original.length;
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
		if (keepsRaw) pair.rawPair = input.toString('latin1', start, end);
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

/**
 * Every value of one parameter, read straight from a query string without
 * decoding anything else (the secret token is checked before the rest of a
 * call costs any work), and the query string with those pairs cut out.
 */
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
