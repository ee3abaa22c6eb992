import type { INodeProperties } from 'n8n-workflow';

import { OPTIONAL_LEAD_FIELDS, type LeadFieldSpec } from '../leadFields';
import { MAX_CONCURRENCY, MAX_RETRY_ATTEMPTS } from '../options';

const forLead = (operation: string[]) => ({ show: { resource: ['lead'], operation } });

export const leadOperations: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	displayOptions: { show: { resource: ['lead'] } },
	options: [
		{
			name: 'Get Status',
			value: 'getStatus',
			description: 'Look up leads and their statuses in the Traffic Light lead feed',
			action: 'Get lead statuses',
		},
		{
			name: 'Send',
			value: 'send',
			description: 'Send a lead to a Traffic Light offer',
			action: 'Send a lead',
		},
	],
	default: 'send',
};

function collectionOption(spec: LeadFieldSpec): INodeProperties {
	const option: INodeProperties = {
		displayName: spec.displayName,
		name: spec.param,
		type: spec.type,
		default: spec.type === 'number' ? Number(spec.sentByDefault ?? 0) : (spec.sentByDefault ?? ''),
		description: spec.description,
	};
	if (spec.placeholder) option.placeholder = spec.placeholder;
	if (spec.multiline) option.typeOptions = { rows: 3 };
	if (spec.type === 'number') option.typeOptions = { minValue: -12, maxValue: 14, numberPrecision: 0 };
	return option;
}

const sendFields: INodeProperties[] = [
	{
		displayName:
			'Keep "Retry On Fail" in this node\'s Settings off: it resends leads whose outcome is unknown and can create duplicates. The node retries safe failures by itself and checks unknown ones by Lead ID.',
		name: 'retryNotice',
		type: 'notice',
		default: '',
		displayOptions: forLead(['send']),
	},
	{
		displayName: 'Offer ID',
		name: 'offerId',
		type: 'string',
		required: true,
		default: '',
		placeholder: '1234',
		description: 'Numeric ID of the offer in your Traffic Light account (Offers page)',
		displayOptions: forLead(['send']),
	},
	{
		displayName: 'Phone',
		name: 'phone',
		type: 'string',
		required: true,
		default: '',
		placeholder: '+7 999 123-45-67',
		description: "The customer's phone number, in any format",
		displayOptions: forLead(['send']),
	},
	{
		displayName: 'Country',
		name: 'country',
		type: 'string',
		required: true,
		default: 'RU',
		placeholder: 'RU',
		description: "The customer's country as an ISO 3166-1 code: two letters (RU, KZ, UA) or three (RUS)",
		displayOptions: forLead(['send']),
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: forLead(['send']),
		options: [...OPTIONAL_LEAD_FIELDS]
			.sort((a, b) => a.displayName.localeCompare(b.displayName))
			.map(collectionOption),
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forLead(['send']),
		options: [
			{
				displayName: 'Concurrency',
				name: 'concurrency',
				type: 'number',
				default: 5,
				typeOptions: { minValue: 1, maxValue: MAX_CONCURRENCY, numberPrecision: 0 },
				description:
					'How many leads of one run are sent at the same time. Output order always equals input order.',
			},
			{
				displayName: 'Retry Attempts',
				name: 'retryAttempts',
				type: 'number',
				default: 3,
				typeOptions: { minValue: 0, maxValue: MAX_RETRY_ATTEMPTS, numberPrecision: 0 },
				description:
					'How many times to resend a lead after a failure that proves it did not arrive: connection refused, host not found, HTTP 429 or 503. Waits 1, 2, 4… seconds in between. Timeouts are never resent.',
			},
			{
				displayName: 'Skip Duplicates',
				name: 'skipDuplicates',
				type: 'boolean',
				default: true,
				description:
					'Whether to look the Lead ID up in Traffic Light before sending and skip leads it already has (output with duplicate = true). Acts only on items with a Lead ID.',
			},
			{
				displayName: 'Timeout (Seconds)',
				name: 'timeout',
				type: 'number',
				default: 30,
				typeOptions: { minValue: 1, maxValue: 300 },
				description:
					'How long each request to Traffic Light may take as a whole, from connecting to the last byte of the answer. A lead without an answer fails instead of blocking the workflow; after a timeout the node may check the lead feed up to 3 more times, so one lead can take up to 4 × this + 7 seconds (plus one Timeout and the wait for each resend after a refused connection).',
			},
		],
	},
];

const getStatusFields: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookupBy',
		type: 'options',
		default: 'leadId',
		displayOptions: forLead(['getStatus']),
		options: [
			{ name: 'Date Range', value: 'dateRange', description: 'All leads created in a range of days' },
			{ name: 'Lead ID', value: 'leadId', description: 'Your own IDs, sent as "ID" and returned as ID2' },
			{ name: 'Traffic Light ID', value: 'trafficLightId', description: 'IDs Traffic Light gave the leads' },
		],
	},
	{
		displayName: 'Lead IDs',
		name: 'leadIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'klx-appointment-12345, klx-client-678',
		description: 'One or more of your Lead IDs, separated by commas',
		displayOptions: { show: { resource: ['lead'], operation: ['getStatus'], lookupBy: ['leadId'] } },
	},
	{
		displayName: 'Traffic Light IDs',
		name: 'trafficLightIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: '500001, 500002',
		description: 'One or more Traffic Light lead IDs, separated by commas',
		displayOptions: { show: { resource: ['lead'], operation: ['getStatus'], lookupBy: ['trafficLightId'] } },
	},
	{
		displayName: 'From',
		name: 'dateFrom',
		type: 'dateTime',
		default: '',
		required: true,
		description: 'First day of the range (only the date part is used)',
		displayOptions: { show: { resource: ['lead'], operation: ['getStatus'], lookupBy: ['dateRange'] } },
	},
	{
		displayName: 'To',
		name: 'dateTo',
		type: 'dateTime',
		default: '',
		description: 'Last day of the range, included; empty means the same day as From',
		displayOptions: { show: { resource: ['lead'], operation: ['getStatus'], lookupBy: ['dateRange'] } },
	},
];

export const timeoutOption: INodeProperties = {
	displayName: 'Timeout (Seconds)',
	name: 'timeout',
	type: 'number',
	default: 30,
	typeOptions: { minValue: 1, maxValue: 300 },
	description: 'How long each request to Traffic Light may take as a whole, from connecting to the last byte of the answer',
};

export const leadFields: INodeProperties[] = [
	...sendFields,
	...getStatusFields,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: forLead(['getStatus']),
		options: [timeoutOption],
	},
];
