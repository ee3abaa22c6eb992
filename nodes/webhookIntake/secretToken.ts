import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Neither Klientiks nor Traffic Light can sign a request or send a header:
 * all the user controls is the URL. So the secret travels as a query
 * parameter the user appends (`&token=…`), and both triggers check it here.
 * This is the key the caller sends in the URL query.
 */
export const TOKEN_QUERY_KEY = 'token';

/**
 * Name of the node parameter that holds the saved Secret Token. Workflows
 * store parameters by this name, so it must never change.
 */
export const SECRET_TOKEN_NODE_PARAMETER = 'secretToken';

/** What the user sees in the paste-ready lines instead of the real secret. */
export const SECRET_TOKEN_PLACEHOLDER = 'YOUR_SECRET_TOKEN';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export type TokenCheck = 'notRequired' | 'accepted' | 'missing' | 'repeated' | 'wrong';

/**
 * `sentTokens` holds every value the URL query carried under the token key.
 * Exactly one is allowed: with several, a sender could try many guesses in
 * one call. The saved token is trimmed (a pasted one often ends in a space
 * or new line); the sent value is compared as sent.
 */
export function checkSecretToken(savedToken: string, sentTokens: readonly string[]): TokenCheck {
	const saved = savedToken.trim();
	if (saved === '') return 'notRequired';
	if (sentTokens.length > 1) return 'repeated';
	if (sentTokens.length === 0 || sentTokens[0] === '') return 'missing';
	// Compared in constant time. Both sides are hashed first so the buffers have equal length
	// (timingSafeEqual demands it) and the time does not reveal the saved token's length either.
	return timingSafeEqual(digest(saved), digest(sentTokens[0])) ? 'accepted' : 'wrong';
}
