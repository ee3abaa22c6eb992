import fc from 'fast-check';

import { parseQueryString } from '../../nodes/webhookIntake/queryString';
import { propertyRuns } from './propertyRuns';

/** Bytes as one percent-encoded value, read back: its text and what it was read as. */
function decodeBytes(bytes: Uint8Array) {
	const { pairs } = parseQueryString(`v=${[...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('')}`);
	return { text: pairs[0]?.value ?? '', encoding: pairs[0]?.encoding ?? 'ascii' };
}

/** Whether reading the value warns about control characters. */
function hasControlCharacters(text: string): boolean {
	const { warnings } = parseQueryString(`v=${encodeURIComponent(text)}`);
	return warnings.some((warning) => warning.includes('control characters'));
}

// The properties below try a few thousand cases by default; PROPERTY_RUNS=full tries up to 20,000.

const pairsOf = (input: string | Uint8Array) => parseQueryString(input).pairs.map(({ key, value }) => [key, value]);

describe('parseQueryString', () => {
	it('decodes UTF-8 percent-encoding', () => {
		const parsed = parseQueryString('name=%D0%98%D0%B2%D0%B0%D0%BD&city=%D0%9C%D0%BE%D1%81%D0%BA%D0%B2%D0%B0');
		expect(pairsOf('name=%D0%98%D0%B2%D0%B0%D0%BD')).toEqual([['name', 'Иван']]);
		expect(parsed.pairs.map((p) => p.encoding)).toEqual(['utf-8', 'utf-8']);
		expect(parsed.warnings).toEqual([]);
	});

	it('decodes Windows-1251 percent-encoding when the bytes are not UTF-8', () => {
		const parsed = parseQueryString('client_name=%C8%E2%E0%ED&x=%D1%E5%F0%E3%E5%E9%20%A8%F1%E8%EA');
		expect(parsed.pairs.map((p) => p.value)).toEqual(['Иван', 'Сергей Ёсик']);
		expect(parsed.pairs.map((p) => p.encoding)).toEqual(['windows-1251', 'windows-1251']);
		expect(parsed.warnings).toEqual([]);
	});

	it('reads + as a space and %2B as a plus', () => {
		expect(pairsOf('name=Ivan+Petrov&phone=%2B7+999')).toEqual([
			['name', 'Ivan Petrov'],
			['phone', '+7 999'],
		]);
	});

	it('keeps a malformed escape as text and reports it', () => {
		const parsed = parseQueryString('a=100%&b=%G1&c=%4');
		expect(parsed.pairs.map((p) => p.value)).toEqual(['100%', '%G1', '%4']);
		expect(parsed.warnings).toHaveLength(3);
		expect(parsed.warnings[0]).toMatch(/"a".*malformed percent escape/);
	});

	it('reports UTF-8 that is cut off or damaged, which would otherwise pass as Windows-1251', () => {
		// «Анна» in UTF-8 with its last byte cut off, and with a stray byte in the middle.
		const parsed = parseQueryString('a=%D0%90%D0%BD%D0%BD%D0&b=%D0%90%FF%D0%BD%D0%BD%D0%B0');
		expect(parsed.pairs.map((p) => p.encoding)).toEqual(['windows-1251', 'windows-1251']);
		expect(parsed.warnings).toEqual([
			expect.stringMatching(/"a".*not valid UTF-8 yet holds UTF-8 Cyrillic/),
			expect.stringMatching(/"b".*not valid UTF-8 yet holds UTF-8 Cyrillic/),
		]);
		// Real Windows-1251 Cyrillic (with «Ё» and «№») is not flagged.
		expect(parseQueryString('c=%D1%E5%F0%E3%E5%E9%20%A8%F1%E8%EA%20%B9%205').warnings).toEqual([]);
	});

	it('reports control characters and keeps the value', () => {
		const parsed = parseQueryString('a=x%00y&b=tab%09ok');
		expect(parsed.pairs[0].value).toBe('x\u0000y');
		expect(parsed.warnings).toEqual([expect.stringMatching(/"a".*control characters/)]);
	});

	it('skips empty segments, keeps keys without "=" and splits on the first "="', () => {
		expect(pairsOf('&a=1&&flag&b=x=y&')).toEqual([
			['a', '1'],
			['flag', ''],
			['b', 'x=y'],
		]);
	});

	it('keeps keys with dots and brackets literally', () => {
		expect(pairsOf('appointment.time=10:00&sub%5B1%5D=x')).toEqual([
			['appointment.time', '10:00'],
			['sub[1]', 'x'],
		]);
	});

	it('keeps each pair exactly as it arrived, for the raw field', () => {
		expect(parseQueryString('a=%C8&b=+x').pairs.map((p) => p.rawPair)).toEqual(['a=%C8', 'b=+x']);
	});

	it('reads a byte buffer (form body) with raw Windows-1251 or UTF-8 bytes', () => {
		const cp1251 = Uint8Array.from([0x6e, 0x3d, 0xc8, 0xe2, 0xe0, 0xed, 0x26, 0x6b, 0x3d, 0x31]);
		expect(pairsOf(cp1251)).toEqual([
			['n', 'Иван'],
			['k', '1'],
		]);
		expect(pairsOf(new TextEncoder().encode('n=Иван+Иванов'))).toEqual([['n', 'Иван Иванов']]);
	});

	it('takes non-ASCII characters in a string as already-decoded text', () => {
		expect(pairsOf('name=Иван')).toEqual([['name', 'Иван']]);
	});

	it('reports the encoding of each pair: a Windows-1251 key or value wins', () => {
		const encodingsOf = (input: string) => parseQueryString(input).pairs.map((p) => p.encoding);
		expect(encodingsOf('a=1')).toEqual(['ascii']);
		expect(encodingsOf('a=%D0%98&b=1')).toEqual(['utf-8', 'ascii']);
		expect(encodingsOf('a=%D0%98&b=%C8')).toEqual(['utf-8', 'windows-1251']);
		expect(encodingsOf('%D0%98=%C8&%C8=%D0%98')).toEqual(['windows-1251', 'windows-1251']);
	});
});

describe('decodeBytes as Windows-1251', () => {
	it('matches the WHATWG windows-1251 decoder for every byte', () => {
		const reference = new TextDecoder('windows-1251');
		for (let byte = 0; byte < 256; byte++) {
			const bytes = Uint8Array.of(byte);
			expect([byte, decodeBytes(bytes).text]).toEqual([byte, reference.decode(bytes)]);
		}
	});
});

describe('decodeBytes judging UTF-8', () => {
	const isValidUtf8 = (bytes: Uint8Array) => decodeBytes(bytes).encoding !== 'windows-1251';
	it('agrees with a fatal TextDecoder on random bytes', () => {
		const fatal = new TextDecoder('utf-8', { fatal: true });
		const referenceValid = (bytes: Uint8Array) => {
			try {
				fatal.decode(bytes);
				return true;
			} catch {
				return false;
			}
		};
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 12 }), (bytes) => isValidUtf8(bytes) === referenceValid(bytes)),
			{ numRuns: propertyRuns(5000, 20000) },
		);
		const spelledOutReplacement = fc.constant([0xef, 0xbf, 0xbd]);
		const withReplacements = fc.array(fc.oneof(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 }), spelledOutReplacement), { maxLength: 6 });
		fc.assert(
			fc.property(withReplacements, (parts) => {
				const bytes = Uint8Array.from(parts.flat());
				return isValidUtf8(bytes) === referenceValid(bytes);
			}),
			{ numRuns: propertyRuns(5000, 20000) },
		);
		fc.assert(
			fc.property(fc.string({ unit: 'binary' }), (text) => isValidUtf8(new TextEncoder().encode(text))),
			{ numRuns: propertyRuns(1000, 2000) },
		);
	});

	it('rejects overlong forms, surrogates and code points above U+10FFFF', () => {
		expect(isValidUtf8(Uint8Array.of(0xc0, 0x80))).toBe(false);
		expect(isValidUtf8(Uint8Array.of(0xe0, 0x80, 0x80))).toBe(false);
		expect(isValidUtf8(Uint8Array.of(0xed, 0xa0, 0x80))).toBe(false);
		expect(isValidUtf8(Uint8Array.of(0xf4, 0x90, 0x80, 0x80))).toBe(false);
		expect(isValidUtf8(Uint8Array.of(0xd0))).toBe(false);
		expect(isValidUtf8(Uint8Array.of(0xf0, 0x9f, 0x98, 0x80))).toBe(true);
		// U+FFFD spelled out is valid; beside an invalid byte it is not.
		expect(isValidUtf8(Uint8Array.of(0xef, 0xbf, 0xbd, 0x41, 0xef, 0xbf, 0xbd))).toBe(true);
		expect(isValidUtf8(Uint8Array.of(0xef, 0xbf, 0xbd, 0xc8))).toBe(false);
		expect(isValidUtf8(Uint8Array.of(0xe0, 0xef, 0xbf, 0xbd))).toBe(false);
	});
});

describe('decodeBytes', () => {
	it('names the encoding it used', () => {
		expect(decodeBytes(Uint8Array.of(0x41))).toEqual({ text: 'A', encoding: 'ascii' });
		expect(decodeBytes(Uint8Array.of(0xd0, 0x98))).toEqual({ text: 'И', encoding: 'utf-8' });
		expect(decodeBytes(Uint8Array.of(0xc8))).toEqual({ text: 'И', encoding: 'windows-1251' });
	});
});

describe('hasControlCharacters', () => {
	it('flags C0/C1 controls but not tab, CR, LF', () => {
		expect(hasControlCharacters('a\tb\r\nc')).toBe(false);
		expect(hasControlCharacters('a\u0001')).toBe(true);
		expect(hasControlCharacters('a\u0098')).toBe(true);
		expect(hasControlCharacters('Ђ')).toBe(false);
	});
});
