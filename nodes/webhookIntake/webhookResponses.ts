import { createHash, timingSafeEqual } from 'node:crypto';

import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { findQueryValues } from './queryString';
import { checkRepeat } from './repeatDoor';
import { hasBody, rawQueryOf, readIncomingRequest, TOKEN_QUERY_KEY, type IncomingRequest } from './webhookRequest';

/**
 * The answers a trigger gives. Both senders only look at the status
 * code (Traffic Light retries every minute until it sees 200), so the bodies
 * are short JSON meant for a person testing with curl.
 *
 * The webhook descriptions set `responseData: ''`: without it n8n answers the
 * literal text `firstEntryJson` and ignores `webhookResponse` (n8n's webhook
 * helper treats a missing responseData in onReceived mode that way).
 */

/** 200 and an execution. */
export function acceptCall(json: IDataObject, answer: IDataObject): IWebhookResponseData {
	return {
		webhookResponse: { received: true, ...answer },
		workflowData: [[{ json, pairedItem: { item: 0 } }]],
	};
}

/** 200 and no execution: the sender stops retrying, the workflow does not run. */
export function ignoreCall(reason: string): IWebhookResponseData {
	return { webhookResponse: { received: true, ignored: true, reason } };
}

/**
 * 403 and no execution. n8n sends `webhookResponse` with the webhook's fixed
 * status code, so a different code has to be written on the response object
 * directly, after which n8n must be told not to answer again.
 */
export function rejectCall(context: IWebhookFunctions, reason: string): IWebhookResponseData {
	const response = context.getResponseObject();
	response.writeHead(403, { 'Content-Type': 'application/json; charset=utf-8' });
	response.end(JSON.stringify({ received: false, error: reason }));
	return { noWebhookResponse: true };
}

/**
 * Name of the node parameter that holds the saved Secret Token. Workflows
 * store parameters by this name, so it must never change.
 */
export const SECRET_TOKEN_NODE_PARAMETER = 'secretToken';

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

const TOKEN_REJECTIONS: Record<Exclude<TokenCheck, 'notRequired' | 'accepted'>, string> = {
	missing: `The ${TOKEN_QUERY_KEY} parameter is missing.`,
	repeated: `The ${TOKEN_QUERY_KEY} parameter is sent more than once; send it once.`,
	wrong: `The ${TOKEN_QUERY_KEY} parameter is wrong.`,
};

/** The answer to a call without the token in its query but with a body, where the sender may have put it. */
const TOKEN_ONLY_IN_QUERY = `The ${TOKEN_QUERY_KEY} parameter is missing from the URL query; it is read from the URL query only, not from the body.`;

/**
 * Checks the token sent in the query against the node's saved Secret Token
 * before anything else: only the token's own pairs of the query string are
 * decoded, so a call without the right token costs next to nothing and an
 * outsider learns nothing about events or statuses. The token counts only in
 * the URL query, the one place to look for it being the line pasted into the sender.
 * Then a repeat of a call accepted lately is answered at the door, before
 * the call is read; only a call that passes both is read whole, and it is
 * remembered at the door only when it starts an execution.
 */
export function admitCall(
	context: IWebhookFunctions,
): { request: IncomingRequest; rememberAccepted(): void } | { answer: IWebhookResponseData } {
	const savedToken = String(context.getNodeParameter(SECRET_TOKEN_NODE_PARAMETER, '') ?? '');
	const query = findQueryValues(rawQueryOf(context), TOKEN_QUERY_KEY);
	const check = checkSecretToken(savedToken, query.values);
	if (check !== 'notRequired' && check !== 'accepted') {
		const reason = check === 'missing' && hasBody(context) ? TOKEN_ONLY_IN_QUERY : TOKEN_REJECTIONS[check];
		return { answer: rejectCall(context, reason) };
	}
	const door = checkRepeat(context, query.rest);
	if ('repeat' in door) return { answer: door.repeat };
	return { request: readIncomingRequest(context), rememberAccepted: door.rememberAccepted };
}
