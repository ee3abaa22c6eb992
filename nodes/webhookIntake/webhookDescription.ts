import type { INodeProperties, IWebhookDescription } from 'n8n-workflow';

import { escapeNoticeText } from './notices';
import { IGNORE_REPEATS_DEFAULT_SECONDS, IGNORE_REPEATS_OPTION } from './repeatDoor';
import { SECRET_TOKEN_NODE_PARAMETER, SECRET_TOKEN_PLACEHOLDER } from './secretToken';

/**
 * The description parts both triggers share, kept in one place as n8n's own
 * Webhook node keeps its shared properties. Each takes what differs between
 * the senders: who calls (`sender`, e.g. "Klientiks") and what its calls are
 * named (`calls`, e.g. "Postbacks").
 */

export const senderWebhooks: IWebhookDescription[] = [
	{
		name: 'default',
		// Traffic Light sends by GET or POST depending on the profile settings,
		// Klientiks does not document its method: n8n registers one webhook per
		// comma-separated method on the same path.
		httpMethod: 'GET,POST',
		// Answer at once: no sender should wait for the workflow, and Traffic
		// Light retries every minute until it sees 200.
		responseMode: 'onReceived',
		// Empty, so n8n sends our `webhookResponse`; left out, n8n would answer the
		// literal text "firstEntryJson".
		responseData: '',
		path: 'webhook',
	},
];

/**
 * Version 2 only spares n8n work on each call; the nodes behave the same in both versions.
 * For a version-1 webhook node n8n evaluates the expression
 * `$parameter["options"]["binaryData"]` before it answers each call (an isolate on n8n 2.x), and
 * buffers a body of any content type. For version 2 it evaluates nothing and reads a body only
 * when it is form, JSON, text or XML, which are the only bodies these nodes read
 * (`parseRequestBody` in n8n's webhook-helpers). Workflows saved with version 1 keep it.
 */
export const TRIGGER_VERSIONS = { version: [1, 2], defaultVersion: 2 };

/** The first notice: where in the sender to paste the Production URL and the lines. */
export function setupNotice(text: string): INodeProperties {
	return { displayName: escapeNoticeText(text), name: 'setupNotice', type: 'notice', default: '' };
}

/** The Secret Token field and the warning shown while it is empty. */
export function secretTokenProperties(sender: string, calls: string): INodeProperties[] {
	return [
		{
			displayName: 'Secret Token',
			name: SECRET_TOKEN_NODE_PARAMETER,
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: `Recommended. Any long random text. ${calls} without it get 403 and start nothing. In the lines below it appears as ${SECRET_TOKEN_PLACEHOLDER}: replace that with this value when you paste into ${sender}. It never reaches the output.`,
		},
		{
			displayName:
				'No Secret Token set: anyone who learns the webhook URL can start this workflow. Setting one is recommended.',
			name: 'noTokenNotice',
			type: 'notice',
			default: '',
			displayOptions: { show: { [SECRET_TOKEN_NODE_PARAMETER]: [''] } },
		},
	];
}

/** The trigger panel's hint once the workflow runs on its own. */
export function activationHint(calls: string): string {
	return `Once the workflow is published (activated on n8n 1.x), ${calls} to the Production URL start it automatically.`;
}

/** The Options collection: how long a production call is remembered so that its repeats start nothing. */
export function triggerOptions(calls: string): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Ignore Repeats Within',
				name: IGNORE_REPEATS_OPTION,
				type: 'number',
				typeOptions: { minValue: 0 },
				default: IGNORE_REPEATS_DEFAULT_SECONDS,
				description: `Seconds. ${calls} to the Production URL identical to one accepted within this time (same method, query and body; the token aside) get 200 as a repeat and start nothing. 0 turns this off. Test calls are never held back.`,
			},
		],
	};
}
