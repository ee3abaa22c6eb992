/**
 * Percent-decoding of one key or value (`+`, `%XX`), then reading its bytes
 * as text, bounded: what lies past the characters kept is never decoded.
 * Input is a string of bytes: each character code is one byte (0–255).
 */

import { decodeBytes, looksLikeDamagedUtf8, type DecodedText } from './textEncoding';

const PERCENT = 0x25;

/** The value of each hex digit by character code, -1 for anything else: one lookup per digit. */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let digit = 0; digit < 16; digit++) {
	HEX_VALUE['0123456789abcdef'.charCodeAt(digit)] = digit;
	HEX_VALUE['0123456789ABCDEF'.charCodeAt(digit)] = digit;
}

/** The value of the hex digit at `index` (before `end`), or -1. */
function hexAt(input: string, index: number, end: number): number {
	return index < end ? HEX_VALUE[input.charCodeAt(index)] : -1;
}

/** Where decoded bytes are written, reused: they are turned into text before the next decode. */
let scratch = new Uint8Array(4096);

/**
 * `+` becomes a space; `%XX` becomes a byte; a `%` without two hex digits
 * stays a literal `%`. Reads `input[start, end)`.
 */
function percentDecode(input: string, start: number, end: number): { bytes: Uint8Array; malformedEscapes: number } {
	if (scratch.length < end - start) scratch = new Uint8Array(Math.max(end - start, scratch.length * 2));
	const bytes = scratch;
	let length = 0;
	let malformedEscapes = 0;
	for (let i = start; i < end; i++) {
		const byte = input.charCodeAt(i);
		const high = byte === PERCENT ? hexAt(input, i + 1, end) : -1;
		const low = byte === PERCENT ? hexAt(input, i + 2, end) : -1;
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

export interface DecodedComponent extends DecodedText {
	malformedEscapes: number;
	/** Read as Windows-1251 although it holds UTF-8 Cyrillic pairs. */
	damagedUtf8: boolean;
	/** Longer than the limit it was decoded with; `text` holds its start. */
	cut: boolean;
}

/** An ASCII text without `%` or `+` means itself: no decoding needed. */
const NEEDS_DECODING = /[%+\u0080-\u00ff]/;

/**
 * Percent-decodes and decodes one key or value, `input[start, end)`, keeping
 * at most `maxChars` characters. Bytes past what `maxChars` characters can
 * take are never turned into text, so a 16 MB value costs no more than a short one.
 */
export function decodeComponent(input: string, start: number, end: number, maxChars: number): DecodedComponent {
	// A character is at most 4 bytes, each at most 3 characters (`%XX`) as sent:
	// what lies past maxChars × 12 is never looked at. The cut backs off an
	// escape it would split.
	let cut = false;
	if (end - start > maxChars * 12) {
		end = start + maxChars * 12;
		if (input.charCodeAt(end - 1) === PERCENT) end -= 1;
		else if (input.charCodeAt(end - 2) === PERCENT) end -= 2;
		cut = true;
	}
	const raw = input.slice(start, end);
	if (!NEEDS_DECODING.test(raw)) {
		cut ||= raw.length > maxChars;
		return { text: raw.slice(0, maxChars), encoding: 'ascii', malformedEscapes: 0, damagedUtf8: false, cut };
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
