import type {
	INodeProperties,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import { escapeNoticeText, manuallyPastedWebhook, pasteLineNotices, senderTriggerDescription, senderWebhook, type SenderTrigger } from '../webhookIntake/senderTrigger';
import { decideEvent, EVENT_MARKER_PARAMETER } from './eventItem';
import { CUSTOM_EVENT, EVENT_PRESETS, templatePairs } from './presets';

const EVENTS_PARAMETER = 'events';

const eventOptions = [...EVENT_PRESETS, CUSTOM_EVENT]
	.map(({ name, value, description }) => ({ name, value, description }))
	.sort((a, b) => a.name.localeCompare(b.name));

/** One paste-ready line per event, built from the preset table; the editor shows the selected ones. */
const pasteLines: INodeProperties[] = [
	...EVENT_PRESETS.map((preset) => ({
		value: preset.value,
		lead: `${preset.name} — in Klientiks choose this event; after the webhook URL append`,
		pairs: templatePairs(preset),
	})),
	{
		value: CUSTOM_EVENT.value,
		lead:
			'Custom — after the webhook URL append this start, then parameters of your own ' +
			'(a name of your own may replace "custom"; every parameter reaches the output)',
		pairs: [['your_parameter', '{{klientiks_placeholder}}']] as Array<[string, string]>,
	},
].flatMap(({ value, lead, pairs }) => pasteLineNotices(EVENTS_PARAMETER, [EVENT_MARKER_PARAMETER, value], lead, pairs));

const KLIENTIKS: SenderTrigger = {
	displayName: 'Klientiks Trigger',
	name: 'klientiksTrigger',
	description: 'Starts the workflow when Klientiks CRM reports a new client, appointment, invoice or paid visit',
	sender: 'Klientiks',
	calls: 'Calls',
	panel: {
		header: 'Waiting for a call from Klientiks',
		inactive:
			"While you build the workflow, click 'Listen for test event', paste the Test URL (followed by the event's line) into Klientiks and make the event happen there. For real use, publish (activate on n8n 1.x) the workflow and paste the Production URL instead.",
		active:
			'The workflow is published (active on n8n 1.x): every call Klientiks makes to the Production URL starts an execution. The Test URL only works while you listen for a test event.',
		activationCalls: 'Klientiks calls',
	},
	setup:
		'In Klientiks open Settings → Event handlers (klientiks.ru/clientix/admin/eventHandlers), click "Add event webhook", ' +
		'choose the event and fill "Request address" with the webhook URL shown above followed by that event\'s line below. ' +
		'Test URL: works only while you click "Listen for test event", for one call. ' +
		'Production URL: works only while the workflow is published (active on n8n 1.x) — use it for real events.',
	selection: {
		displayName: 'Events',
		name: EVENTS_PARAMETER,
		type: 'multiOptions',
		required: true,
		default: [],
		options: eventOptions,
		description: 'Klientiks events that start the workflow. Calls for other events are answered with 200 and start nothing.',
	},
	notices: [
		...pasteLines,
		{
			displayName: escapeNoticeText(
				'Each item has a leadId built from the Klientiks id (e.g. klx-appointment-123). Map it into the Traffic Light node\'s Lead ID: ' +
					'the same Klientiks event always gives the same id, so a repeated call is recognised as a duplicate. ' +
					'A timestamp or random id would be new on every call and defeat any duplicate check.',
			),
			name: 'leadIdNotice',
			type: 'notice',
			default: '',
		},
	],
	decide: decideEvent,
};

export class KlientiksTrigger implements INodeType {
	description: INodeTypeDescription = {
		...senderTriggerDescription(KLIENTIKS),
		icon: { light: 'file:klientiksTrigger.svg', dark: 'file:klientiksTrigger.dark.svg' },
		subtitle: '={{ ($parameter["events"] || []).join(", ") }}',
	};

	webhookMethods = manuallyPastedWebhook;

	webhook = senderWebhook(KLIENTIKS);
}
