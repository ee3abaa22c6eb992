import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Neither Klientiks nor Traffic Light can sign a request or send a header:
 * all the user controls is the URL. So the secret travels as a query
 * parameter the user appends (`&token=…`), and both triggers check it here.
 */
export const SECRET_TOKEN_PARAMETER = 'token';

/** What the user sees in the paste-ready lines instead of the real secret. */
export const SECRET_TOKEN_PLACEHOLDER = 'YOUR_SECRET_TOKEN';

function digest(text: string): Buffer {
	return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Compares in constant time. Both sides are hashed first so the buffers have
 * equal length (timingSafeEqual demands it) and the comparison time does not
 * reveal the length of the expected token either.
 */
export function secretTokensMatch(expected: string, provided: string): boolean {
	return timingSafeEqual(digest(expected), digest(provided));
}

export type TokenCheck = 'notRequired' | 'accepted' | 'missing' | 'repeated' | 'wrong';

/**
 * `provided` holds every value the URL query carried for the token
 * parameter. Exactly one is allowed: with several, a sender could try many
 * guesses in one call. The saved token is trimmed (a pasted one often ends
 * in a space or new line); the compared value is taken as sent.
 */
export function checkSecretToken(savedToken: string, provided: readonly string[]): TokenCheck {
	const expected = savedToken.trim();
	if (expected === '') return 'notRequired';
	if (provided.length > 1) return 'repeated';
	if (provided.length === 0 || provided[0] === '') return 'missing';
	return secretTokensMatch(expected, provided[0]) ? 'accepted' : 'wrong';
}
