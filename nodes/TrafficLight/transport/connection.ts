import { NodeOperationError, type ICredentialsDecrypted, type IExecuteFunctions } from 'n8n-workflow';

import { checkBaseUrl } from './baseUrl';
import { secretMasker, type KeyMasker } from './secretMask';
import { newThrottle, type Throttle } from './throttle';

export const CREDENTIAL_TYPE = 'trafficLightApi';

/** Where to send and with which credential: read once per execution, used for every request of it. */
export interface TrafficLightConnection {
	baseUrl: string;
	credentials: ICredentialsDecrypted;
	/** Replaces the API key, in any encoding, in text that came from the API. */
	maskKey: KeyMasker;
	/** Shared by every request of the execution: backs off when Traffic Light refuses one for load. */
	throttle: Throttle;
}

const BASE_URL_FIX =
	'Open the Traffic Light API credential and set Base URL to https://api.cpa.tl, or to the root address of your proxy or local test server (http:// or https://, no "?…" or "#…"). Nothing was sent.';

/**
 * Reads the credential once per execution and checks its Base URL before any
 * request, so a typo is a configuration error, not a lead of unknown fate.
 */
export async function openConnection(this: IExecuteFunctions, rateLimitAllowanceMs?: number): Promise<TrafficLightConnection> {
	const data = await this.getCredentials(CREDENTIAL_TYPE);
	const reference = this.getNode().credentials?.[CREDENTIAL_TYPE];
	const maskKey = secretMasker(String(data?.apiKey ?? ''));
	const checked = checkBaseUrl(String(data?.baseUrl ?? ''));
	if (!checked.ok) {
		throw new NodeOperationError(this.getNode(), `Base URL "${maskKey(checked.value)}" ${checked.problem}`, {
			itemIndex: 0,
			description: BASE_URL_FIX,
		});
	}
	// A warning, not an error: plain http:// is right for a proxy on the same host or a test server.
	if (checked.unencrypted && typeof this.addExecutionHints === 'function') {
		this.addExecutionHints({
			type: 'warning',
			location: 'outputPane',
			message: `The Base URL ${checked.baseUrl} uses http://: the API key and the leads are not encrypted on the way. Use https:// unless this address is on a network you trust.`,
		});
	}
	return {
		baseUrl: checked.baseUrl,
		credentials: { id: reference?.id ?? '', name: reference?.name ?? '', type: CREDENTIAL_TYPE, data },
		maskKey,
		throttle: newThrottle(rateLimitAllowanceMs),
	};
}
