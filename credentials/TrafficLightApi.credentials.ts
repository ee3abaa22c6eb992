import {
	UserError,
	type ICredentialDataDecryptedObject,
	type ICredentialTestRequest,
	type ICredentialType,
	type IHttpRequestOptions,
	type Icon,
	type INodeProperties,
} from 'n8n-workflow';

import { checkBaseUrl } from '../nodes/shared/outsideData';
import { DEFAULT_BASE_URL } from '../nodes/TrafficLight/transport/trafficLightApi';

export class TrafficLightApi implements ICredentialType {
	name = 'trafficLightApi';

	displayName = 'Traffic Light API';

	icon: Icon = {
		light: 'file:../nodes/TrafficLight/trafficLight.svg',
		dark: 'file:../nodes/TrafficLight/trafficLight.dark.svg',
	};

	documentationUrl =
		'https://github.com/klientiks-traffic-light/n8n-nodes-klientiks-traffic-light#traffic-light-api-credential';

	properties: INodeProperties[] = [
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description:
				'Your Traffic Light API key, from the profile page of your cpa.tl account (https://cpa.tl/u/profile)',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_BASE_URL,
			description:
				'Root address of the Traffic Light API. Change it only for a proxy or a local test server.',
		},
	];

	// Traffic Light reads the key from the request itself, not from a header.
	// On the lead send (a form POST) it goes into the form body, as Traffic
	// Light's own samples do, so it never shows up in URLs or access logs; the
	// read-only GET endpoints (feed, balance) only take it in the query string.
	// Only the Test request comes with a baseURL (the node's come with a full,
	// already checked URL): it gets the node's own Base URL check.
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		if (requestOptions.baseURL !== undefined) {
			const checked = checkBaseUrl(String(credentials.baseUrl ?? ''), DEFAULT_BASE_URL);
			if (!checked.ok) throw new UserError(`Base URL "${checked.value}" ${checked.problem}`);
			requestOptions = { ...requestOptions, baseURL: checked.baseUrl };
		}
		const key = String(credentials.apiKey ?? '');
		const body = requestOptions.body;
		const isPlainObjectBody =
			typeof body === 'object' && body !== null && !Array.isArray(body) && !Buffer.isBuffer(body);
		if ((requestOptions.method ?? 'GET').toUpperCase() === 'POST' && isPlainObjectBody) {
			return { ...requestOptions, body: { ...(body as Record<string, unknown>), key } } as IHttpRequestOptions;
		}
		return { ...requestOptions, qs: { ...(requestOptions.qs ?? {}), key } };
	}

	// The lead feed filtered by an id that cannot exist is the cheapest
	// authenticated call whose success shape is known ({"count": 0, "leads": []}).
	// A wrong key answers {"errmsg": ...} without `count`, and n8n fails the test
	// with our message when `count` is missing. A wrong key may also be answered
	// HTTP 401/403: thrown, n8n would show its own wording ("Authorization
	// failed"; n8n 1.x keeps no response on the error, so `responseCode` rules
	// never match there). Taking every status as an answer sends it through the
	// same `count` rule on both versions.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/api/lead/feed',
			method: 'GET',
			qs: { 'id[]': '0' },
			ignoreHttpStatusErrors: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'count',
					value: undefined,
					message:
						'Traffic Light did not accept this API key. Copy the key again from https://cpa.tl/u/profile and check the Base URL.',
				},
			},
		],
	};
}
