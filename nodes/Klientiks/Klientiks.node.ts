import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import * as appointmentGet from './actions/appointment/get.operation';
import * as clientFindByPhone from './actions/client/findByPhone.operation';
import * as clientGet from './actions/client/get.operation';
import * as clientGetMany from './actions/client/getMany.operation';
import { router } from './actions/router';
import * as visitGetMany from './actions/visit/getMany.operation';

// Programmatic: the token sits in the URL path, and answers need reading whatever the status
// (`items` as rows, one row, "No data" or the API's error words), which routing rules cannot do.
export class Klientiks implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Klientiks',
		name: 'klientiks',
		icon: { light: 'file:klientiks.svg', dark: 'file:klientiks.dark.svg' },
		group: ['input'],
		version: 1,
		subtitle: '={{$parameter["operation"] + ": " + $parameter["resource"]}}',
		description: 'Read clients, appointments, visits and sales from the Klientiks CRM API (PRO+ or API tariff)',
		defaults: { name: 'Klientiks' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'klientiksApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Appointment', value: 'appointment' },
					{ name: 'Client', value: 'client' },
					{ name: 'Visit', value: 'visit' },
				],
				default: 'client',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['client'] } },
				options: [
					{ name: 'Find by Phone', value: 'findByPhone', description: 'Find a client by phone number', action: 'Find a client by phone' },
					{ name: 'Get', value: 'get', description: 'Get a client by ID', action: 'Get a client' },
					{ name: 'Get Many', value: 'getMany', description: 'List clients, all or changed since a date', action: 'Get many clients' },
				],
				default: 'get',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['appointment'] } },
				options: [{ name: 'Get', value: 'get', description: 'Get an appointment by ID', action: 'Get an appointment' }],
				default: 'get',
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show: { resource: ['visit'] } },
				options: [
					{
						name: 'Get Many',
						value: 'getMany',
						description: 'List visits and sales changed since a time (is_sale tells which)',
						action: 'Get many visits and sales',
					},
				],
				default: 'getMany',
			},
			...clientGet.description,
			...clientFindByPhone.description,
			...clientGetMany.description,
			...appointmentGet.description,
			...visitGetMany.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
