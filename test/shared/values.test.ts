import {
	normalizePhone,
	parseBoolean,
	parseDate,
	parseId,
	parseMoney,
	parseTime,
	parseTimestamp,
	splitList,
} from '../../nodes/webhookIntake/values';

const valueOf = <T>(parsed: { ok: true; value: T } | { ok: false; reason: string }) =>
	parsed.ok ? parsed.value : `FAIL: ${parsed.reason}`;

describe('parseBoolean', () => {
	it.each(['1', 'true', 'TRUE', 't', 'yes', 'Y', 'on', 'да', 'Да', ' д '])('%j is true', (text) => {
		expect(valueOf(parseBoolean(text))).toBe(true);
	});
	it.each(['0', 'false', 'f', 'F', 'no', 'n', 'off', 'нет', 'НЕТ', '', '  '])('%j is false', (text) => {
		expect(valueOf(parseBoolean(text))).toBe(false);
	});
	it.each(['maybe', '2', 'да!', '{{deleted}}'])('%j is not a boolean', (text) => {
		expect(parseBoolean(text).ok).toBe(false);
	});
});

describe('parseMoney', () => {
	it.each([
		['1500', 1500],
		['1500.50', 1500.5],
		['1500,50', 1500.5],
		['1 500,50', 1500.5],
		['1\u00A0500,50 руб.', 1500.5],
		['1\u202F500 ₽', 1500],
		['₽1500', 1500],
		['1500руб', 1500],
		['1500 р.', 1500],
		['1500 RUB', 1500],
		['1,500.25', 1500.25],
		['1.500,25', 1500.25],
		['1,500,000', 1500000],
		['1,5', 1.5],
		['-200', -200],
		['0', 0],
	])('%j is %d', (text, expected) => {
		expect(valueOf(parseMoney(text))).toBe(expected);
	});
	it.each(['', 'руб', 'abc', '12-34', '1,2,3', 'Infinity', '1e5'])('%j is not money', (text) => {
		expect(parseMoney(text).ok).toBe(false);
	});
});

describe('parseId', () => {
	it('turns all-digit ids into numbers and leaves anything else as trimmed text', () => {
		expect(parseId(' 6439301 ')).toBe(6439301);
		expect(parseId('0')).toBe(0);
		// Leading zeros are part of the id: "00123" and "123" must not give the same lead id.
		expect(parseId('00123')).toBe('00123');
		expect(parseId('a-17')).toBe('a-17');
		// Too long for a safe integer: kept as text so no digit is lost.
		expect(parseId('1234567890123456789')).toBe('1234567890123456789');
	});
});

describe('normalizePhone', () => {
	it.each([
		['8 (999) 123-45-67', '79991234567'],
		['+7 999 123 45 67', '79991234567'],
		['74445550011', '74445550011'],
		['89991234567', '79991234567'],
		['8999123456', '8999123456'],
		['+380 44 123 4567', '380441234567'],
		['no digits', null],
		['', null],
	])('%j → %j', (text, expected) => {
		expect(normalizePhone(text)).toBe(expected);
	});
});

describe('parseTime', () => {
	it.each([
		['14:30', '14:30:00'],
		['9:05', '09:05:00'],
		['14:30:15', '14:30:15'],
		['14:30:15.123456', '14:30:15.123456'],
	])('%j → %j', (text, expected) => {
		expect(valueOf(parseTime(text))).toBe(expected);
	});
	it.each(['24:00', '12:60', '1430', 'noon', ''])('%j is not a time', (text) => {
		expect(parseTime(text).ok).toBe(false);
	});
});

describe('parseDate', () => {
	it.each([
		['2025-03-15', '2025-03-15'],
		['2025-3-5', '2025-03-05'],
		['15.03.2025', '2025-03-15'],
		['5/3/2025', '2025-03-05'],
		['2025-03-15 14:30', '2025-03-15T14:30:00'],
		['15.03.2025 14:30:10', '2025-03-15T14:30:10'],
		['2021-09-28 19:26:04.295301', '2021-09-28T19:26:04.295301'],
		['2015-06-12T17:50:39+00:00', '2015-06-12T17:50:39+00:00'],
		['2015-06-12T17:50:39+0300', '2015-06-12T17:50:39+03:00'],
		['2015-06-12T17:50:39Z', '2015-06-12T17:50:39Z'],
		['2024-02-29', '2024-02-29'],
	])('%j → %j', (text, expected) => {
		expect(parseDate(text)).toMatchObject({ ok: true, value: { iso: expected } });
	});
	it.each(['2025-02-29', '31.04.2025', '2025-13-01', '00.01.2025', 'tomorrow', '2025-03-15 25:00', '15.03.25', ''])(
		'%j is not a date',
		(text) => {
			expect(parseDate(text).ok).toBe(false);
		},
	);
});

describe('parseTimestamp', () => {
	it('gives UTC ISO when the text has an offset', () => {
		expect(valueOf(parseTimestamp('2015-06-12T17:50:39+03:00'))).toBe('2015-06-12T14:50:39.000Z');
	});
	it('keeps local time without an offset, unless told the text is UTC', () => {
		expect(valueOf(parseTimestamp('2021-09-28 19:26:04.295301'))).toBe('2021-09-28T19:26:04.295301');
		expect(valueOf(parseTimestamp('2021-09-28 19:26:04', true))).toBe('2021-09-28T19:26:04.000Z');
	});
	it('keeps a date without time as a date', () => {
		expect(valueOf(parseTimestamp('28.09.2021', true))).toBe('2021-09-28');
	});
});

describe('splitList', () => {
	it('splits on commas, semicolons, pipes and new lines', () => {
		expect(splitList('Стрижка, Укладка;Маникюр\nПедикюр | ')).toEqual(['Стрижка', 'Укладка', 'Маникюр', 'Педикюр']);
		expect(splitList('  ')).toEqual([]);
	});
});
