import {
	UserError,
	type ICredentialDataDecryptedObject,
	type ICredentialTestRequest,
	type ICredentialType,
	type IHttpRequestOptions,
	type Icon,
	type INodeProperties,
} from 'n8n-workflow';

import { KLIENTIKS_DEFAULT_BASE_URL } from '../nodes/Klientiks/transport/klientiksAnswers';
import { checkBaseUrl, secretMasker } from '../nodes/shared/outsideData';

const FIX = 'Copy Account ID, User ID and Access Token again from Klientiks: Настройки → API.';
const ENABLE = 'In Klientiks: Настройки → API → tick «Включить api»; the API needs the PRO+ or API tariff.';

// The token sits in the URL path (…/a/{account}/u/{user}/t/{token}/…): the node builds every URL itself,
// and authenticate() leaves its requests alone. Only the Test request comes with a baseURL: authenticate()
// checks that Base URL as the node does and builds the Test's path, so the token is never in an expression.
export class KlientiksApi implements ICredentialType {
	name = 'klientiksApi';

	displayName = 'Klientiks API';

	icon: Icon = {
		light: 'file:../nodes/Klientiks/klientiks.svg',
		dark: 'file:../nodes/Klientiks/klientiks.dark.svg',
	};

	documentationUrl = 'https://github.com/klientiks-traffic-light/n8n-nodes-klientiks-traffic-light/blob/main/docs/klientiks-node.md#credential';

	properties: INodeProperties[] = [
		{
			displayName: 'Account ID',
			name: 'accountId',
			type: 'string',
			required: true,
			default: '',
			description: 'From Klientiks: Настройки → API (the API needs the PRO+ or API tariff and «Включить api» ticked)',
		},
		{
			displayName: 'User ID',
			name: 'userId',
			type: 'string',
			required: true,
			default: '',
			description: 'From the same page: Настройки → API',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
			description: 'From the same page: Настройки → API. The node masks it in every output and error.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: KLIENTIKS_DEFAULT_BASE_URL,
			description: 'Root address of the Klientiks API. Change it only for a proxy or a test server.',
		},
	];

	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		if (requestOptions.baseURL === undefined) return requestOptions;
		const token = String(credentials.accessToken ?? '').trim();
		const checked = checkBaseUrl(String(credentials.baseUrl ?? ''), KLIENTIKS_DEFAULT_BASE_URL);
		if (!checked.ok) throw new UserError(`Base URL "${secretMasker(token)(checked.value)}" ${checked.problem}`);
		const segment = (value: unknown) => encodeURIComponent(String(value ?? '').trim());
		const url = `/clientix/Restapi/list/a/${segment(credentials.accountId)}/u/${segment(credentials.userId)}/t/${segment(token)}/m/clients/`;
		return { ...requestOptions, baseURL: checked.baseUrl, url };
	}

	// The cheapest read: the clients list, one row. Every status is taken as an answer (n8n 1.x keeps no
	// response on a thrown error) and judged by its body. A Base URL that is wrong fails in authenticate();
	// an unreachable host fails with n8n's own connection error. research: NOT FOUND, guessed — the words
	// Klientiks answers in `items` for a wrong token and for an API that is off (the mock's guesses); any
	// other refusal is told by the list envelope's `count` being absent.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl}}',
			url: '/clientix/Restapi/list/',
			method: 'GET',
			qs: { offset: '0', limit: '1' },
			ignoreHttpStatusErrors: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: { key: 'items', value: 'Access denied', message: `Klientiks refused the Account ID, User ID or Access Token ("Access denied"). ${FIX}` },
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'items',
					value: 'API is disabled for this account',
					message: `The Klientiks API is not enabled for this account, or its tariff has no API ("API is disabled for this account"). ${ENABLE}`,
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'items',
					value: undefined,
					message: `The Base URL does not point at the Klientiks API: its answer has no "items" (normally ${KLIENTIKS_DEFAULT_BASE_URL}).`,
				},
			},
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'count',
					value: undefined,
					message: `Klientiks refused the request: a wrong Account ID, User ID or Access Token, or the API not enabled. ${FIX} ${ENABLE}`,
				},
			},
		],
	};
}
