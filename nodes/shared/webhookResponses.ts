import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { checkSecretToken, SECRET_TOKEN_PARAMETER } from './secretToken';
import type { IncomingRequest } from './webhookRequest';

/**
 * The three answers a trigger gives. Both senders only look at the status
 * code (Traffic Light retries every minute until it sees 200), so the bodies
 * are short JSON meant for a person testing with curl.
 *
 * The webhook descriptions set `responseData: ''`: without it n8n answers the
 * literal text `firstEntryJson` and ignores `webhookResponse`
 * (research n8n-nodes.md §2.4).
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
 * The 403 answer for a call without the Secret Token set in the node's
 * `tokenParameter`, or null when the call may go on. Checked before anything
 * else, so an outsider learns nothing about events or statuses.
 */
export function rejectWithoutToken(
	context: IWebhookFunctions,
	tokenParameter: string,
	request: IncomingRequest,
): IWebhookResponseData | null {
	const expected = String(context.getNodeParameter(tokenParameter, '') ?? '');
	const check = checkSecretToken(expected, request.tokenValues);
	if (check === 'missing' || check === 'wrong') {
		return rejectCall(context, `The ${SECRET_TOKEN_PARAMETER} parameter is ${check}.`);
	}
	return null;
}

/** The values chosen in a multi-select parameter (events, statuses). */
export function selectedValues(context: IWebhookFunctions, parameter: string): string[] {
	const selected = context.getNodeParameter(parameter, []);
	return Array.isArray(selected) ? selected.map(String) : [];
}
