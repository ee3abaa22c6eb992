import {
	NodeConnectionTypes,
	type IDataObject,
	type INodeProperties,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { ParameterReader } from './parameterReader';
import {
	activationHint,
	secretTokenProperties,
	senderWebhooks,
	setupNotice,
	TRIGGER_VERSIONS,
	triggerOptions,
} from './webhookDescription';
import type { IncomingRequest } from './webhookRequest';
import { acceptCall, admitCall, ignoreCall, selectedValues } from './webhookResponses';

/** What an admitted call becomes: an item and the answer's fields, or a reason to start nothing. */
export type CallDecision = { accept: IDataObject; answer: IDataObject } | { ignore: string };

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

/** The description but its icon and subtitle, which n8n's package scanner looks for in the node class itself. */
export function senderTriggerDescription(trigger: SenderTrigger): Omit<INodeTypeDescription, 'icon' | 'subtitle'> {
	const { panel } = trigger;
	return {
		displayName: trigger.displayName,
		name: trigger.name,
		group: ['trigger'],
		version: TRIGGER_VERSIONS.version,
		defaultVersion: TRIGGER_VERSIONS.defaultVersion,
		description: trigger.description,
		defaults: { name: trigger.displayName },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		webhooks: senderWebhooks,
		triggerPanel: {
			header: panel.header,
			executionsHelp: { inactive: panel.inactive, active: panel.active },
			activationHint: activationHint(panel.activationCalls),
		},
		properties: [
			setupNotice(trigger.setup),
			trigger.selection,
			...secretTokenProperties(trigger.sender, trigger.calls),
			...trigger.notices,
			triggerOptions(trigger.calls),
		],
	};
}

/** webhook() of both triggers: the token and the repeat door first, then the trigger's own decision. */
export function receiveCall(context: IWebhookFunctions, trigger: SenderTrigger): IWebhookResponseData {
	const call = admitCall(context);
	if ('answer' in call) return call.answer;
	const { request } = call;
	const reader = new ParameterReader(request.values, request.warnings);
	const decision = trigger.decide(selectedValues(context, trigger.selection.name), request, reader);
	return 'ignore' in decision ? ignoreCall(decision.ignore) : acceptCall(decision.accept, decision.answer);
}
