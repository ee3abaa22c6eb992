import { timingSafeEqual } from 'node:crypto';

import { checkSecretToken, secretTokensMatch } from '../../nodes/shared/secretToken';

// Wrap the real timingSafeEqual so tests can see that (and how) it is called.
jest.mock('node:crypto', () => {
	const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
	return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const spy = timingSafeEqual as jest.MockedFunction<typeof timingSafeEqual>;

beforeEach(() => spy.mockClear());

describe('secretTokensMatch', () => {
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
	it('requires nothing when no token is configured', () => {
		expect(checkSecretToken('', [])).toBe('notRequired');
		expect(checkSecretToken('', ['anything'])).toBe('notRequired');
	});

	it('tells a missing token from a wrong one', () => {
		expect(checkSecretToken('abc', [])).toBe('missing');
		expect(checkSecretToken('abc', [''])).toBe('missing');
		expect(checkSecretToken('abc', [{ nested: 'abc' }])).toBe('missing');
		expect(checkSecretToken('abc', ['abd'])).toBe('wrong');
	});

	it('accepts when any supplied value matches (token in the query and in the body)', () => {
		expect(checkSecretToken('abc', ['abc'])).toBe('accepted');
		expect(checkSecretToken('abc', ['nope', 'abc'])).toBe('accepted');
	});

	it('compares every candidate, so timing does not reveal which one matched', () => {
		checkSecretToken('abc', ['abc', 'x', 'y']);
		expect(spy).toHaveBeenCalledTimes(3);
	});
});
