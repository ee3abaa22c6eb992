import {
	NodeConnectionTypes,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { buildPasteLine, escapeNoticeText, noticeWithLine, pasteLineNotices } from '../shared/notices';
import { manuallyPastedWebhook } from '../shared/manualWebhook';
import { SECRET_TOKEN_PLACEHOLDER } from '../shared/secretToken';
import { ParameterReader } from '../shared/webhookRequest';
import { acceptCall, ignoreCall, readAuthorizedCall, selectedValues } from '../shared/webhookResponses';
import { buildPostbackItem, decideStatus } from './postbackItem';
import {
	DOCUMENTED_MACROS,
	INFERRED_STREAM_MACROS,
	POSTBACK_STATUSES,
	STATUS_MARKER_PARAMETER,
} from './statuses';

const STATUSES_PARAMETER = 'statuses';
const TOKEN_PARAMETER = 'secretToken';

const statusOptions = POSTBACK_STATUSES.map(({ name, value, description }) => ({
	name,
	value,
	description,
})).sort((a, b) => a.name.localeCompare(b.name));

/** One postback URL line per status, built from the status table; the editor shows the selected ones. */
const postbackLines: INodeProperties[] = POSTBACK_STATUSES.flatMap((status) =>
	pasteLineNotices({
		id: status.value,
		selector: { parameter: STATUSES_PARAMETER, value: status.value },
		tokenParameter: TOKEN_PARAMETER,
		lead: `${status.name} — postback URL: the Production URL shown above, followed by`,
		marker: [STATUS_MARKER_PARAMETER, status.value],
		pairs: DOCUMENTED_MACROS,
	}),
);

export class TrafficLightTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Traffic Light Trigger',
		name: 'trafficLightTrigger',
		icon: { light: 'file:trafficLightTrigger.svg', dark: 'file:trafficLightTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ ($parameter["statuses"] || []).join(", ") }}',
		description: 'Starts the workflow when Traffic Light (cpa.tl) reports a new lead or a status change by postback',
		defaults: {
			name: 'Traffic Light Trigger',
		},
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: [
			{
				name: 'default',
				// Traffic Light sends postbacks by GET or POST depending on the profile
				// settings; n8n registers one webhook per listed method on the same path.
				httpMethod: 'GET,POST',
				// Answer 200 at once: Traffic Light retries every minute until it sees 200.
				responseMode: 'onReceived',
				// Empty, so n8n sends our `webhookResponse`; left out, n8n would answer the
				// literal text "firstEntryJson".
				responseData: '',
				path: 'webhook',
			},
		],
		triggerPanel: {
			header: 'Waiting for a postback from Traffic Light',
			executionsHelp: {
				inactive:
					"Traffic Light can only reach the Production URL reliably: publish (activate on n8n 1.x) the workflow and paste the Production URL lines into Traffic Light. To try the node first, click 'Listen for test event' and call the Test URL yourself with the same query.",
				active:
					'The workflow is published (active on n8n 1.x): every postback Traffic Light sends to the Production URL starts an execution.',
			},
			activationHint:
				'Once the workflow is published (activated on n8n 1.x), postbacks to the Production URL start it automatically.',
		},
		properties: [
			{
				displayName: escapeNoticeText(
					'In Traffic Light (cpa.tl) open your profile page — or a stream, for postbacks of that stream only — and fill the postback URL of each status ' +
						'with the Production URL shown above followed by that status\'s line below. ' +
						'The workflow must be published (active on n8n 1.x) for the Production URL to answer. ' +
						'Traffic Light repeats a postback every minute for a week until it gets HTTP 200; this trigger answers 200 at once, also for statuses it ignores.',
				),
				name: 'setupNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Statuses',
				name: STATUSES_PARAMETER,
				type: 'multiOptions',
				required: true,
				default: ['new', 'confirmed', 'hold', 'canceled', 'trash'],
				options: statusOptions,
				description:
					'Statuses that start the workflow. Postbacks with other statuses are answered with 200 and start nothing.',
			},
			{
				displayName: 'Secret Token',
				name: TOKEN_PARAMETER,
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description: `Recommended. Any long random text. Postbacks without it get 403 and start nothing. In the lines below it appears as ${SECRET_TOKEN_PLACEHOLDER}: replace that with this value when you paste into Traffic Light. It never reaches the output.`,
			},
			{
				displayName:
					'No Secret Token set: anyone who learns the webhook URL can start this workflow. Setting one is recommended.',
				name: 'noTokenNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { [TOKEN_PARAMETER]: [''] } },
			},
			...postbackLines,
			{
				displayName: noticeWithLine(
					'Optional stream parameters. Traffic Light documents only {id}, {id2} and {created_at}; the macros below are inferred from the stream link parameters ({sub1} is reported to work). ' +
						'A macro Traffic Light does not fill arrives as its literal text and becomes null with a warning. To try them, add to the end of a line:',
					buildPasteLine(INFERRED_STREAM_MACROS).replace(/^\?/, '&'),
				),
				name: 'streamMacrosNotice',
				type: 'notice',
				default: '',
			},
		],
	};

	webhookMethods = manuallyPastedWebhook;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const call = readAuthorizedCall(this, TOKEN_PARAMETER);
		if ('rejection' in call) return call.rejection;
		const { request } = call;
		const selected = selectedValues(this, STATUSES_PARAMETER);

		const reader = new ParameterReader(request.values, request.warnings);
		const decision = decideStatus(selected, reader);
		if (decision.action === 'ignore') return ignoreCall(decision.reason);
		return acceptCall(buildPostbackItem(decision.status, request, reader), { status: decision.status });
	}
}
