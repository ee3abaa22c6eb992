import { timingSafeEqual } from 'node:crypto';

import { checkSecretToken } from '../../nodes/webhookIntake/webhookResponses';

// Wrap the real timingSafeEqual so tests can see that (and how) it is called.
jest.mock('node:crypto', () => {
	const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
	return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const spy = timingSafeEqual as jest.MockedFunction<typeof timingSafeEqual>;

beforeEach(() => spy.mockClear());

/** Whether a call sending `sentToken` once passes a node that saved `savedToken`. */
const secretTokensMatch = (savedToken: string, sentToken: string) =>
	checkSecretToken(savedToken, [sentToken]) === 'accepted';

describe('the token comparison', () => {
	it('matches equal tokens only', () => {
		expect(secretTokensMatch('s3cr3t', 's3cr3t')).toBe(true);
		expect(secretTokensMatch('s3cr3t', 's3cr3T')).toBe(false);
		expect(secretTokensMatch('s3cr3t', 's3cr3t ')).toBe(false);
		expect(secretTokensMatch('токен', 'токен')).toBe(true);
	});

	it('handles tokens of different lengths without throwing', () => {
		expect(secretTokensMatch('short', 'a much longer candidate token')).toBe(false);
		expect(secretTokensMatch('x', '')).toBe(false);
	});

	it('compares with crypto.timingSafeEqual on equal-length digests', () => {
		secretTokensMatch('expected-token', 'x');
		expect(spy).toHaveBeenCalledTimes(1);
		const [a, b] = spy.mock.calls[0] as [Buffer, Buffer];
		expect(a.length).toBe(32);
		expect(b.length).toBe(32);
	});
});

describe('checkSecretToken', () => {
	it('requires nothing when no token is saved (a blank one counts as none)', () => {
		expect(checkSecretToken('', [])).toBe('notRequired');
		expect(checkSecretToken(' \n', ['anything'])).toBe('notRequired');
	});

	it('tells a missing token from a wrong one', () => {
		expect(checkSecretToken('abc', [])).toBe('missing');
		expect(checkSecretToken('abc', [''])).toBe('missing');
		expect(checkSecretToken('abc', ['abd'])).toBe('wrong');
	});

	it('accepts exactly one matching value and trims the saved token, not the sent one', () => {
		expect(checkSecretToken('abc', ['abc'])).toBe('accepted');
		expect(checkSecretToken(' abc\n', ['abc'])).toBe('accepted');
		expect(checkSecretToken('abc', [' abc'])).toBe('wrong');
	});

	it('refuses several values, even when one of them matches', () => {
		expect(checkSecretToken('abc', ['nope', 'abc'])).toBe('repeated');
		expect(checkSecretToken('abc', ['abc', 'abc'])).toBe('repeated');
		expect(spy).not.toHaveBeenCalled();
	});
});
