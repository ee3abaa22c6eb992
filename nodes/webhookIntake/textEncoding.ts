/**
 * Bytes to text when the sender names no charset: Klientiks documents none, and
 * its calls arrive as UTF-8 or as Windows-1251. Decided per run of bytes,
 * never throwing; a Windows-1251 table instead of TextDecoder keeps the node
 * working on a Node.js built without full ICU.
 */

/** Which text encoding the bytes of a request turned out to be in. */
export type DetectedEncoding = 'ascii' | 'utf-8' | 'windows-1251';

/**
 * Windows-1251 bytes 0x80–0xBF (0xC0–0xFF are А–я, U+0410–U+044F, in order).
 * Byte 0x98 is unassigned in Windows-1251; WHATWG maps it to U+0098, and so do
 * we.
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
 * is; a spread would walk it through an iterator, far slower.
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
