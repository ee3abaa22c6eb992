/**
 * Bytes to text when the sender names no charset: Klientiks documents none, and
 * its calls arrive as UTF-8 or as Windows-1251. Decided per run of bytes, never throwing.
 */

/** Which text encoding the bytes of a request turned out to be in. */
export type DetectedEncoding = 'ascii' | 'utf-8' | 'windows-1251';

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

export interface DecodedText {
	text: string;
	encoding: DetectedEncoding;
}

/** UTF-8 when the bytes are strictly valid UTF-8, Windows-1251 otherwise. */
export function decodeBytes(bytes: Uint8Array): DecodedText {
	const text = validUtf8Text(bytes);
	if (text === undefined) return { text: windows1251Decoder.decode(bytes), encoding: 'windows-1251' };
	// Every non-ASCII character takes more bytes than it takes UTF-16 units.
	return { text, encoding: text.length === bytes.length ? 'ascii' : 'utf-8' };
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
