import {
	NodeConnectionTypes,
	type IDataObject,
	type IDisplayOptions,
	type INodeProperties,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { ParameterReader } from './values';
import { TOKEN_QUERY_KEY, type IncomingRequest } from './webhookRequest';
import { acceptCall, admitCall, ignoreCall, IGNORE_REPEATS_DEFAULT_SECONDS, IGNORE_REPEATS_OPTION, SECRET_TOKEN_NODE_PARAMETER } from './webhookResponses';

/** What the user sees in the paste-ready lines instead of the real secret. */
export const SECRET_TOKEN_PLACEHOLDER = 'YOUR_SECRET_TOKEN';

/** What an admitted call becomes: an item and the answer's fields, or a reason to start nothing. */
export type CallDecision = { accept: IDataObject; answer: IDataObject } | { ignore: string };

/** What every item ends with: the parameters as received, the warnings (reading them may add some) and the call. */
export function receivedFields(request: IncomingRequest, reader: ParameterReader): IDataObject {
	const parameters = reader.allParameters();
	// `raw` says how the call came, for debugging; `encodings` only when its values were read differently.
	const raw: IDataObject = { method: request.method, query: request.rawQuery, encoding: request.encoding };
	if (request.encodings) raw.encodings = request.encodings as IDataObject;
	return { parameters, warnings: reader.warnings, raw };
}

/**
 * What differs between the Klientiks Trigger and the Traffic Light Trigger;
 * both are built from it, so their description and webhook() have one shape.
 */
export interface SenderTrigger {
	displayName: string;
	name: string;
	description: string;
	/** Who calls ("Klientiks") and what its calls are named ("Postbacks"). */
	sender: string;
	calls: string;
	panel: { header: string; inactive: string; active: string; activationCalls: string };
	/** The first notice: where in the sender to paste the URL. */
	setup: string;
	/** The multi-select of events or statuses that start the workflow. */
	selection: INodeProperties;
	/** The notices below the Secret Token: paste-ready lines and the trigger's own. */
	notices: INodeProperties[];
	decide(selected: string[], request: IncomingRequest, reader: ParameterReader): CallDecision;
}

/**
 * Version 2 only spares n8n work on each call; the nodes behave the same in both versions.
 * For a version-1 webhook node n8n evaluates the expression
 * `$parameter["options"]["binaryData"]` before it answers each call (an isolate on n8n 2.x), and
 * buffers a body of any content type. For version 2 it evaluates nothing and reads a body only
 * when it is form, JSON, text or XML, which are the only bodies these nodes read
 * (`parseRequestBody` in n8n's webhook-helpers). Workflows saved with version 1 keep it.
 */
export const TRIGGER_VERSIONS = { version: [1, 2], defaultVersion: 2 };

/**
 * The description but its icon and subtitle, which n8n's package scanner looks for in the node
 * class itself. Both triggers share it, as n8n's own Webhook node shares its properties.
 */
export function senderTriggerDescription(trigger: SenderTrigger): Omit<INodeTypeDescription, 'icon' | 'subtitle'> {
	const { panel, sender, calls } = trigger;
	return {
		displayName: trigger.displayName,
		name: trigger.name,
		group: ['trigger'],
		...TRIGGER_VERSIONS,
		description: trigger.description,
		defaults: { name: trigger.displayName },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: [
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
		],
		triggerPanel: {
			header: panel.header,
			executionsHelp: { inactive: panel.inactive, active: panel.active },
			activationHint: `Once the workflow is published (activated on n8n 1.x), ${panel.activationCalls} to the Production URL start it automatically.`,
		},
		properties: [
			// The first notice: where in the sender to paste the Production URL and the lines.
			notice('setupNotice', escapeNoticeText(trigger.setup)),
			trigger.selection,
			{
				displayName: 'Secret Token',
				name: SECRET_TOKEN_NODE_PARAMETER,
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description: `Recommended. Any long random text. ${calls} without it get 403 and start nothing. In the lines below it appears as ${SECRET_TOKEN_PLACEHOLDER}: replace that with this value when you paste into ${sender}. It never reaches the output.`,
			},
			notice(
				'noTokenNotice',
				'No Secret Token set: anyone who learns the webhook URL can start this workflow. Setting one is recommended.',
				{ show: { [SECRET_TOKEN_NODE_PARAMETER]: [''] } },
			),
			...trigger.notices,
			{
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
			},
		],
	};
}

/** webhook() of both triggers: the token and the repeat door first, then the trigger's own decision. */
export function senderWebhook(trigger: SenderTrigger) {
	return async function webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const call = admitCall(this);
		if ('answer' in call) return call.answer;
		const { request, rememberAccepted } = call;
		const reader = new ParameterReader(request.values, request.warnings);
		// The events or statuses chosen in the trigger's multi-select.
		const selected = this.getNodeParameter(trigger.selection.name, []);
		const decision = trigger.decide(Array.isArray(selected) ? selected.map(String) : [], request, reader);
		if ('ignore' in decision) return ignoreCall(decision.ignore);
		rememberAccepted();
		return acceptCall(decision.accept, decision.answer);
	};
}

/**
 * Neither Klientiks nor Traffic Light has an API to register a webhook: the
 * user pastes the URL by hand. So the lifecycle does nothing and reports the
 * webhook as existing, as n8n's own TheHive Trigger does.
 */
const exists = async (): Promise<boolean> => true;
export const manuallyPastedWebhook = { default: { checkExists: exists, create: exists, delete: exists } };

// ---- The paste-ready lines of the panel ----

/**
 * The editor renders a notice's text as sanitized HTML. Escaping keeps a
 * paste-ready line intact: `&` stays `&` instead of starting an entity
 * (`&not…` would otherwise become `¬…`), and nothing is mistaken for a tag.
 */
export function escapeNoticeText(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Notice text with the line as a list item of its own, so it stands on its
 * own row and a triple-click selects exactly the line.
 */
export function noticeWithLine(lead: string, line: string): string {
	return `${escapeNoticeText(lead)}<ul><li>${escapeNoticeText(line)}</li></ul>`;
}

/** A query string built from `[key, value]` pairs, values written as given (they are sender placeholders). */
export function buildPasteLine(pairs: ReadonlyArray<readonly [string, string]>): string {
	return `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`;
}

/**
 * Two notices per line, of which the editor shows one: without a secret
 * token set, the plain line; with one set, the line with
 * `token=YOUR_SECRET_TOKEN`. A notice cannot evaluate expressions, and
 * printing the real secret in the panel would expose it in every
 * screenshot, so the user replaces the placeholder once when pasting.
 */
export function pasteLineNotices(
	selection: string,
	marker: readonly [string, string],
	lead: string,
	pairs: ReadonlyArray<readonly [string, string]>,
): INodeProperties[] {
	// The marker's value is the option of `selection` that shows the line, and names its notices.
	const id = marker[1];
	return [
		notice(`pasteLine_${id}`, noticeWithLine(`${lead}:`, buildPasteLine([marker, ...pairs])), {
			show: { [selection]: [id], [SECRET_TOKEN_NODE_PARAMETER]: [''] },
		}),
		notice(
			`pasteLineWithToken_${id}`,
			noticeWithLine(
				`${lead} (then replace ${SECRET_TOKEN_PLACEHOLDER} with your Secret Token):`,
				buildPasteLine([marker, [TOKEN_QUERY_KEY, SECRET_TOKEN_PLACEHOLDER], ...pairs]),
			),
			{ show: { [selection]: [id] }, hide: { [SECRET_TOKEN_NODE_PARAMETER]: [''] } },
		),
	];
}

/** A notice of the panel: its text (HTML), and when the editor shows it. */
function notice(name: string, displayName: string, displayOptions?: IDisplayOptions): INodeProperties {
	return { displayName, name, type: 'notice', default: '', ...(displayOptions && { displayOptions }) };
}
