import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { callIdentity, recentCalls } from './recentCalls';
import { bodyBytesOf, requestOf } from './webhookRequest';

/** The trigger option (in its Options collection) and its default, in seconds; 0 turns the door off. */
export const IGNORE_REPEATS_OPTION = 'ignoreRepeatsWithin';
export const IGNORE_REPEATS_DEFAULT_SECONDS = 60;

function windowSecondsOf(context: IWebhookFunctions): number {
	const options = context.getNodeParameter('options', {}) as IDataObject;
	const seconds = options[IGNORE_REPEATS_OPTION] ?? IGNORE_REPEATS_DEFAULT_SECONDS;
	return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/**
 * For a production call the token accepted: the answer to a repeat of a call
 * accepted within the trigger's window (200, starting nothing), or undefined
 * after remembering this one. Test
 * calls (Listen for test event) are never held back and never remembered.
 * `queryWithoutToken` is the query string with the token's pairs cut out.
 */
export function answerRepeat(context: IWebhookFunctions, queryWithoutToken: string): IWebhookResponseData | undefined {
	if (context.getMode() === 'manual') return undefined;
	const windowSeconds = windowSecondsOf(context);
	if (windowSeconds === 0) return undefined;
	const body = bodyBytesOf(context);
	// A body whose bytes n8n did not keep cannot be compared byte for byte: such a call passes.
	if (body === undefined) return undefined;
	const node = context.getNode();
	const method = requestOf(context).method;
	const identity = callIdentity({
		workflowId: String(context.getWorkflow().id ?? ''),
		nodeId: node.id ?? node.name,
		method: typeof method === 'string' ? method.toUpperCase() : 'GET',
		query: queryWithoutToken,
		body,
	});
	const firstReceivedAt = recentCalls.admit(identity, windowSeconds * 1000, Date.now());
	if (firstReceivedAt === undefined) return undefined;
	return {
		webhookResponse: {
			received: true,
			repeat: true,
			firstReceivedAt: new Date(firstReceivedAt).toISOString(),
			message: `An identical call was received within the last ${windowSeconds} s; this repeat starts nothing.`,
		},
	};
}
