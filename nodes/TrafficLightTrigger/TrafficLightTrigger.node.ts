import type {
	INodeProperties,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { buildPasteLine, manuallyPastedWebhook, noticeWithLine, pasteLineNotices, senderTriggerDescription, senderWebhook, type SenderTrigger } from '../webhookIntake/senderTrigger';
import { decidePostback } from './postbackItem';
import { DOCUMENTED_MACROS, INFERRED_STREAM_MACROS, POSTBACK_STATUSES, STATUS_MARKER_PARAMETER } from './statuses';

const STATUSES_PARAMETER = 'statuses';

/** One postback URL line per status, built from the status table; the editor shows the selected ones. */
const postbackLines: INodeProperties[] = POSTBACK_STATUSES.flatMap((status) =>
	pasteLineNotices(STATUSES_PARAMETER, [STATUS_MARKER_PARAMETER, status.value], `${status.name} — postback URL: the Production URL shown above, followed by`, DOCUMENTED_MACROS),
);

const TRAFFIC_LIGHT: SenderTrigger = {
	displayName: 'Traffic Light Trigger',
	name: 'trafficLightTrigger',
	description: 'Starts the workflow when Traffic Light (cpa.tl) reports a new lead or a status change by postback',
	sender: 'Traffic Light',
	calls: 'Postbacks',
	panel: {
		header: 'Waiting for a postback from Traffic Light',
		inactive:
			"Traffic Light can only reach the Production URL reliably: publish (activate on n8n 1.x) the workflow and paste the Production URL lines into Traffic Light. To try the node first, click 'Listen for test event' and call the Test URL yourself with the same query.",
		active:
			'The workflow is published (active on n8n 1.x): every postback Traffic Light sends to the Production URL starts an execution.',
		activationCalls: 'postbacks',
	},
	setup:
		'In Traffic Light (cpa.tl) open your profile page — or a stream, for postbacks of that stream only — and fill the postback URL of each status ' +
		'with the Production URL shown above followed by that status\'s line below. ' +
		'The workflow must be published (active on n8n 1.x) for the Production URL to answer. ' +
		'Traffic Light repeats a postback every minute for a week until it gets HTTP 200; this trigger answers 200 at once, also for statuses it ignores.',
	selection: {
		displayName: 'Statuses',
		name: STATUSES_PARAMETER,
		type: 'multiOptions',
		required: true,
		default: ['new', 'confirmed', 'hold', 'canceled', 'trash'],
		options: [...POSTBACK_STATUSES].sort((a, b) => a.name.localeCompare(b.name)),
		description: 'Statuses that start the workflow. Postbacks with other statuses are answered with 200 and start nothing.',
	},
	notices: [
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
	decide: decidePostback,
};

export class TrafficLightTrigger implements INodeType {
	description: INodeTypeDescription = {
		...senderTriggerDescription(TRAFFIC_LIGHT),
		icon: { light: 'file:trafficLightTrigger.svg', dark: 'file:trafficLightTrigger.dark.svg' },
		subtitle: '={{ ($parameter["statuses"] || []).join(", ") }}',
	};

	webhookMethods = manuallyPastedWebhook;

	webhook = senderWebhook(TRAFFIC_LIGHT);
}
