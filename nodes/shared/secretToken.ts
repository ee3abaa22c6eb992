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

export type TokenCheck = 'notRequired' | 'accepted' | 'missing' | 'wrong';

/**
 * `provided` holds every value the request carried for the token parameter
 * (query and body). The request passes when any of them matches; each one is
 * compared in constant time.
 */
export function checkSecretToken(expected: string, provided: readonly unknown[]): TokenCheck {
	if (expected === '') return 'notRequired';
	const candidates = provided.filter((value): value is string => typeof value === 'string');
	if (candidates.length === 0 || candidates.every((value) => value === '')) return 'missing';
	let matched = false;
	for (const candidate of candidates) {
		// No early exit: every candidate is compared, so timing does not tell which one matched.
		if (secretTokensMatch(expected, candidate)) matched = true;
	}
	return matched ? 'accepted' : 'wrong';
}
