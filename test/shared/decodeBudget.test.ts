import type { IDataObject } from 'n8n-workflow';

import { KlientiksTrigger } from '../../nodes/KlientiksTrigger/KlientiksTrigger.node';
import { REQUEST_LIMITS } from '../../nodes/webhookIntake/limits';
import { callTrigger } from './webhookContext';

/**
 * A form body far larger than what an item keeps (REQUEST_LIMITS.maxTotalText
 * characters) is decoded only as far as that budget: the pairs past it are
 * counted, never decoded, and the item is what it always was.
 */

const SECRET = 'decode-budget-secret';
const klientiks = new KlientiksTrigger();
const SIXTEEN_MB = 16 * 1024 * 1024;

/** `event=custom` and then numbered pairs of raw 8-bit escapes, about `bytes` long. */
function formBody(escape: string, charactersPerValue: number, bytes: number): { body: string; pairs: number } {
	const value = escape.repeat(charactersPerValue);
	const parts = ['event=custom'];
	let length = parts[0].length;
	while (length < bytes) {
		const part = `k${parts.length - 1}=${value}`;
		parts.push(part);
		length += part.length + 1;
	}
	return { body: parts.join('&'), pairs: parts.length };
}

function postForm(body: string) {
	return callTrigger(klientiks, {
		method: 'POST',
		query: `token=${SECRET}`,
		headers: { 'content-type': 'application/x-www-form-urlencoded' },
		rawBody: Buffer.from(body),
		parameters: { events: ['custom'], secretToken: SECRET },
	});
}

/** Bytes turned into text during one call (every key and value goes through a TextDecoder). */
async function decodedDuring(call: () => Promise<unknown>): Promise<number> {
	const spy = jest.spyOn(TextDecoder.prototype, 'decode');
	try {
		await call();
		return spy.mock.calls.reduce((sum, [bytes]) => sum + ((bytes as Uint8Array | undefined)?.byteLength ?? 0), 0);
	} finally {
		spy.mockRestore();
	}
}

describe('a call larger than an item keeps is decoded only up to that budget', () => {
	it.each([
		['Windows-1251', '%C0', 1],
		['UTF-8', '%D0%98', 1],
		['UTF-8 (4-byte characters)', '%F0%9F%98%80', 2],
	])('16 MB of %s pairs costs about as much decoding as a call at the budget', async (_name, escape, charactersPerEscape) => {
		const escapes = 2000;
		const atBudget = formBody(escape, escapes, (REQUEST_LIMITS.maxTotalText / charactersPerEscape) * escape.length);
		const huge = formBody(escape, escapes, SIXTEEN_MB);
		const decodedAtBudget = await decodedDuring(() => postForm(atBudget.body));
		const decodedHuge = await decodedDuring(() => postForm(huge.body));
		// Past the call at the budget, at most the value the budget cuts and one more are decoded.
		expect(decodedHuge).toBeLessThanOrEqual(decodedAtBudget + 2 * escapes * escape.length);
		expect(decodedHuge).toBeLessThan(huge.body.length / 10);
	});

	it('reads a 16 MB body of only "&" without turning it into text', async () => {
		const spy = jest.spyOn(Buffer.prototype, 'toString');
		try {
			const { item } = await postForm(`event=custom&x=1${'&'.repeat(SIXTEEN_MB)}`);
			expect(item?.parameters).toEqual({ event: 'custom', x: '1' });
			const materialised = spy.mock.calls.reduce((sum, call, i) => {
				const [, start = 0, end = (spy.mock.contexts[i] as Buffer).length] = call as unknown[] as [string?, number?, number?];
				return sum + Math.min(end, (spy.mock.contexts[i] as Buffer).length) - start;
			}, 0);
			expect(materialised).toBeLessThan(1024);
		} finally {
			spy.mockRestore();
		}
	});

	it('keeps the same values and warnings as when the whole body was decoded', async () => {
		const characters = 3000;
		const { body, pairs } = formBody('%C4', characters, SIXTEEN_MB);
		expect(pairs).toBeGreaterThan(REQUEST_LIMITS.maxParameters);
		const { item } = await postForm(body);

		// What the item keeps: "event", then whole pairs while the budget lasts, then the start of one value.
		const expected: IDataObject = { event: 'custom' };
		let left = REQUEST_LIMITS.maxTotalText - 'event'.length - 'custom'.length;
		for (let i = 0; left > 0; i++) {
			const key = `k${i}`;
			left -= key.length;
			expected[key] = 'Д'.repeat(Math.max(0, Math.min(characters, left)));
			left -= characters;
		}
		const parameters = item?.parameters as IDataObject;
		expect(Object.keys(parameters)).toEqual(Object.keys(expected));
		expect(parameters).toEqual(expected);
		expect(item?.warnings).toEqual([
			`The body has more parameters than the ${REQUEST_LIMITS.maxParameters - 1} read; the rest were ignored.`,
			`This call carries more than ${REQUEST_LIMITS.maxTotalText} characters of parameters; text past that was cut or left out.`,
			'No lead id: none of "appointment_id", "invoice_id", "client_id", "id" is in the request, so leadId is null.',
		]);
		expect((item?.raw as IDataObject).encoding).toBe('windows-1251');
	});

	it('keeps the pairs that spend the budget exactly and warns about the rest', async () => {
		// Pairs of plain text that spend the budget to the last character.
		const filled: IDataObject = { event: 'custom' };
		let left = REQUEST_LIMITS.maxTotalText - 'event'.length - 'custom'.length;
		for (let i = 0; left > 0; i++) {
			const key = `a${i}`;
			filled[key] = 'x'.repeat(Math.min(REQUEST_LIMITS.maxValueLength, left - key.length));
			left -= key.length + (filled[key] as string).length;
		}
		const form = Object.entries(filled).map(([key, value]) => `${key}=${value as string}`).join('&');
		const { item } = await postForm(`${form}&b=1&c=${'%C4'.repeat(1000)}`);
		expect(item?.parameters).toEqual(filled);
		expect(item?.warnings).toContainEqual(expect.stringMatching(/more than 200000 characters of parameters/));
	});
});
