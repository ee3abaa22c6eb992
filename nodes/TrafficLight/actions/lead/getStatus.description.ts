import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

import { optionsCollection, timeoutOption } from '../options';

// The fields of Lead → Get Status; getStatus.ts reads them.

const displayOptions = { show: { resource: ['lead'], operation: ['getStatus'] } };
const whenLookingUpBy = (lookupBy: string): IDisplayOptions => ({
	show: { ...displayOptions.show, lookupBy: [lookupBy] },
});

export const getStatusFields: INodeProperties[] = [
	{
		displayName: 'Look Up By',
		name: 'lookupBy',
		type: 'options',
		default: 'leadId',
		displayOptions,
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
		displayOptions: whenLookingUpBy('leadId'),
	},
	{
		displayName: 'Traffic Light IDs',
		name: 'trafficLightIds',
		type: 'string',
		default: '',
		required: true,
		placeholder: '500001, 500002',
		description: 'One or more Traffic Light lead IDs, separated by commas',
		displayOptions: whenLookingUpBy('trafficLightId'),
	},
	{
		displayName: 'From',
		name: 'dateFrom',
		type: 'dateTime',
		default: '',
		required: true,
		description: 'First day of the range (only the date part is used)',
		displayOptions: whenLookingUpBy('dateRange'),
	},
	{
		displayName: 'To',
		name: 'dateTo',
		type: 'dateTime',
		default: '',
		description: 'Last day of the range, included; empty means the same day as From',
		displayOptions: whenLookingUpBy('dateRange'),
	},
	optionsCollection(displayOptions, [timeoutOption()]),
];
