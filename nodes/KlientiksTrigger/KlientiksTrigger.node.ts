import {
	NodeConnectionTypes,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { manuallyPastedWebhook } from '../shared/manualWebhook';
import { escapeNoticeText, pasteLineNotices } from '../shared/notices';
import {
	activationHint,
	secretTokenProperties,
	senderWebhooks,
	setupNotice,
	TRIGGER_VERSIONS,
	triggerOptions,
} from '../shared/webhookDescription';
import { ParameterReader } from '../shared/webhookRequest';
import { acceptCall, admitCall, ignoreCall, selectedValues } from '../shared/webhookResponses';
import {
	buildCustomItem,
	buildPresetItem,
	decideEvent,
	EVENT_MARKER_PARAMETER,
	readEventMarker,
} from './eventItem';
import { CUSTOM_EVENT, EVENT_PRESETS, templatePairs } from './presets';

const EVENTS_PARAMETER = 'events';

const eventOptions = [...EVENT_PRESETS, CUSTOM_EVENT]
	.map(({ name, value, description }) => ({ name, value, description }))
	.sort((a, b) => a.name.localeCompare(b.name));

/** One paste-ready line per event, built from the preset table; the editor shows the selected ones. */
const pasteLines: INodeProperties[] = [
	...EVENT_PRESETS.flatMap((preset) =>
		pasteLineNotices({
			id: preset.value,
			selector: { parameter: EVENTS_PARAMETER, value: preset.value },
			lead: `${preset.name} — in Klientiks choose this event; after the webhook URL append`,
			marker: [EVENT_MARKER_PARAMETER, preset.value],
			pairs: templatePairs(preset),
		}),
	),
	...pasteLineNotices({
		id: CUSTOM_EVENT.value,
		selector: { parameter: EVENTS_PARAMETER, value: CUSTOM_EVENT.value },
		lead:
			'Custom — after the webhook URL append this start, then parameters of your own ' +
			'(a name of your own may replace "custom"; every parameter reaches the output)',
		marker: [EVENT_MARKER_PARAMETER, CUSTOM_EVENT.value],
		pairs: [['your_parameter', '{{klientiks_placeholder}}']],
	}),
];

export class KlientiksTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Klientiks Trigger',
		name: 'klientiksTrigger',
		icon: { light: 'file:klientiksTrigger.svg', dark: 'file:klientiksTrigger.dark.svg' },
		group: ['trigger'],
		version: TRIGGER_VERSIONS.version,
		defaultVersion: TRIGGER_VERSIONS.defaultVersion,
		subtitle: '={{ ($parameter["events"] || []).join(", ") }}',
		description: 'Starts the workflow when Klientiks CRM reports a new client, appointment, invoice or paid visit',
		defaults: {
			name: 'Klientiks Trigger',
		},
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: senderWebhooks,
		triggerPanel: {
			header: 'Waiting for a call from Klientiks',
			executionsHelp: {
				inactive:
					"While you build the workflow, click 'Listen for test event', paste the Test URL (followed by the event's line) into Klientiks and make the event happen there. For real use, publish (activate on n8n 1.x) the workflow and paste the Production URL instead.",
				active:
					'The workflow is published (active on n8n 1.x): every call Klientiks makes to the Production URL starts an execution. The Test URL only works while you listen for a test event.',
			},
			activationHint: activationHint('Klientiks calls'),
		},
		properties: [
			setupNotice(
				'In Klientiks open Settings → Event handlers (klientiks.ru/clientix/admin/eventHandlers), click "Add event webhook", ' +
					'choose the event and fill "Request address" with the webhook URL shown above followed by that event\'s line below. ' +
					'Test URL: works only while you click "Listen for test event", for one call. ' +
					'Production URL: works only while the workflow is published (active on n8n 1.x) — use it for real events.',
			),
			{
				displayName: 'Events',
				name: EVENTS_PARAMETER,
				type: 'multiOptions',
				required: true,
				default: [],
				options: eventOptions,
				description:
					'Klientiks events that start the workflow. Calls for other events are answered with 200 and start nothing.',
			},
			...secretTokenProperties('Klientiks', 'Calls'),
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
			triggerOptions('Calls'),
		],
	};

	webhookMethods = manuallyPastedWebhook;

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const call = admitCall(this);
		if ('answer' in call) return call.answer;
		const { request } = call;
		const selected = selectedValues(this, EVENTS_PARAMETER);

		const reader = new ParameterReader(request.values, request.warnings);
		const decision = decideEvent(selected, readEventMarker(reader));
		switch (decision.action) {
			case 'ignore':
				return ignoreCall(decision.reason);
			case 'preset':
				return acceptCall(buildPresetItem(decision.preset, request, reader), {
					event: decision.preset.value,
				});
			case 'custom': {
				const item = buildCustomItem(decision.marker, request, reader);
				return acceptCall(item, { event: item.event });
			}
		}
	}
}
