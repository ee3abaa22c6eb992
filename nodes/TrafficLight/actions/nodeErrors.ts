// The errors every operation shares, built from a failed call: a headline that says what happened on
// the wire and a description with the fix, what each Traffic Light errmsg means included (Send's own
// wording lives in lead/send/results.ts).
import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { isRefusalForLoad, type CallFailure } from '../../shared/waits';
import { DEFAULT_BASE_URL } from '../transport/trafficLightApi';

/**
 * What each known Traffic Light `errmsg` means for the user and what to do.
 * The eight messages come from Traffic Light's own landing kit (see
 * docs/traffic-light-node.md); anything else is shown as Traffic Light
 * wrote it with a generic hint.
 */
// A Map, so that an errmsg such as "constructor" cannot find an object's built-in properties.
const KNOWN_ERRMSG_FIXES = new Map<string, string>(Object.entries({
	'incorrect customer phone':
		'Traffic Light could not read the phone number. Pass the full number with the country code, e.g. +7 999 123-45-67 or 79991234567.',
	'customer name too long': 'The Name is longer than Traffic Light accepts. Map a shorter value, e.g. only first and last name.',
	'country is a required field': "Country arrived empty. Set it to the customer's ISO code, e.g. RU.",
	'offer not found':
		'The Offer ID is wrong, or the offer has no geo for the Country you sent. Check the offer ID on the Offers page of your Traffic Light account and that the offer accepts leads from this country.',
	'incorrect ip-address':
		"The IP Address is not valid. Send the customer's IPv4/IPv6 address, or 0.0.0.0 when it is unknown.",
	'incorrect country code; should be iso2 or iso3 format':
		'Country must be a two-letter (RU) or three-letter (RUS) ISO 3166-1 code, not a country name.',
	'customer phone is a required field': "Phone arrived empty. Map the customer's phone into Phone.",
	'incorrect timezone': 'Time Zone must be a whole number of hours from UTC, e.g. 3 for Moscow.',
}));

/** Traffic Light's wording for a bad key is not public; these words are what such messages use. */
const KEY_PROBLEM = /\b(api[\s_-]?key|key|token|auth\w*|access denied|forbidden)\b/i;

/** What to do when Traffic Light refuses the key, by errmsg or by HTTP 401/403. */
export const FIX_API_KEY =
	'Traffic Light did not accept the API key. Open the Traffic Light API credential, paste the key again from https://cpa.tl/u/profile and run the credential test.';

/** Whether this errmsg is Traffic Light refusing the key rather than the lead. */
export function isKeyProblem(errmsg: string): boolean {
	return !KNOWN_ERRMSG_FIXES.has(errmsg.trim().toLowerCase()) && KEY_PROBLEM.test(errmsg);
}

export function fixForErrmsg(errmsg: string): string {
	const known = KNOWN_ERRMSG_FIXES.get(errmsg.trim().toLowerCase());
	if (known) return known;
	if (isKeyProblem(errmsg)) return FIX_API_KEY;
	return 'Traffic Light refused the request with this message. Check the fields it names; if it is unclear, send the message to Traffic Light support.';
}

type Kind = CallFailure['kind'];
type FailureOf<K extends Kind> = CallFailure & { kind: K };

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
const kilobytes = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/** Short, specific headline per failure: what happened on the wire. */
const HEADLINES: { [K in Kind]: (failure: FailureOf<K>, timeoutMs: number, action: string) => string } = {
	errmsg: (f, _timeoutMs, action) => `Traffic Light rejected the ${action}: ${f.errmsg}`,
	refused: () => 'Could not connect to Traffic Light (connection refused)',
	dns: () => 'Could not connect to Traffic Light (host name not found)',
	timeout: (_f, timeoutMs) => `Traffic Light did not answer within ${seconds(timeoutMs)}`,
	connectionLost: () => 'The connection to Traffic Light was closed before it answered',
	cancelled: () => 'The request to Traffic Light was cancelled with the execution',
	http: (f, _timeoutMs, action) =>
		`${isRefusalForLoad(f) && action === 'lead' ? 'Not sent: rate limited — ' : ''}Traffic Light answered HTTP ${f.statusCode}`,
	rateLimited: () => 'Not sent: rate limited — the run stopped after Traffic Light kept refusing requests for load (HTTP 429/503)',
	outOfTime: (f) => `Time budget of ${seconds(f.budgetMs)} used up`,
	notAnObject: (f) => `Traffic Light answered with something that is not a JSON object (HTTP ${f.statusCode})`,
	incomplete: (f) => `Traffic Light answered without ${f.missing} (HTTP ${f.statusCode})`,
	keyRejected: (f) => `Traffic Light did not accept the API key (HTTP ${f.statusCode})`,
	redirect: (f) => `Traffic Light answered with a redirect (HTTP ${f.statusCode}) to ${f.location}`,
	tooLarge: (f) => `Traffic Light answered with more than ${kilobytes(f.maxBytes)} (HTTP ${f.statusCode}); the rest was not read`,
	unverifiable: () => 'The Traffic Light lead feed did not filter by Lead ID',
	network: (f) => `Could not reach Traffic Light (${f.detail})`,
};

export function headline(failure: CallFailure, timeoutMs: number, action: string): string {
	return (HEADLINES[failure.kind] as (f: CallFailure, timeoutMs: number, action: string) => string)(failure, timeoutMs, action);
}

const CHECK_REACHABLE = ` Check the Base URL in the Traffic Light API credential (normally ${DEFAULT_BASE_URL}) and that this n8n can reach it.`;

/** What the failure itself says about the setup, and how to fix it; none when it says nothing. */
const HINTS: { [K in Kind]?: (failure: FailureOf<K>) => string } = {
	refused: () => CHECK_REACHABLE,
	dns: () => CHECK_REACHABLE,
	notAnObject: (f) => ` The answer began with: ${f.detail}.`,
	incomplete: (f) => ` The answer began with: ${f.detail}.`,
	redirect: () =>
		` The node does not follow redirects, so neither the lead nor the API key went to that address. Traffic Light's API answers directly: a redirect comes from a wrong Base URL or from a proxy in front of it. Set the Base URL in the Traffic Light API credential to the address that answers directly (normally ${DEFAULT_BASE_URL}).`,
	tooLarge: (f) =>
		` Only the first ${kilobytes(f.maxBytes)} was read and none of it was used: a Traffic Light answer is a few hundred bytes per lead. Check that the Base URL in the Traffic Light API credential points at Traffic Light's API (normally ${DEFAULT_BASE_URL}).`,
	keyRejected: () => ` ${FIX_API_KEY}`,
};

export function connectionHint(failure: CallFailure): string {
	return (HINTS[failure.kind] as ((f: CallFailure) => string) | undefined)?.(failure) ?? '';
}

/**
 * The one rule for an error thrown while an item is processed: n8n's error types are kept, anything
 * else is wrapped, and the error names that item (n8n shows it; a parameter read does not always set it).
 */
export function itemError(node: INode, thrown: unknown, itemIndex: number): NodeApiError | NodeOperationError {
	const error =
		thrown instanceof NodeApiError || thrown instanceof NodeOperationError
			? thrown
			: new NodeOperationError(node, thrown as Error, { itemIndex });
	error.context.itemIndex = itemIndex;
	return error;
}

/** Builds the error from our own plain object: never from the request, so the API key cannot leak into it. */
export function trafficLightError(
	node: INode,
	failure: CallFailure,
	message: string,
	description: string,
	itemIndex: number,
): NodeApiError {
	const httpCode = 'statusCode' in failure ? String(failure.statusCode) : undefined;
	const safe: JsonObject = { message, kind: failure.kind };
	if (failure.kind === 'errmsg') safe.errmsg = failure.errmsg;
	return new NodeApiError(node, safe, { message, description, httpCode, itemIndex });
}

/** An error for a read-only call (feed, balance), where nothing is at stake but the answer. */
export function readError(node: INode, failure: CallFailure, timeoutMs: number, what: string, itemIndex: number): NodeApiError {
	let description: string;
	if (failure.kind === 'errmsg') description = fixForErrmsg(failure.errmsg);
	else if (failure.kind === 'keyRejected') description = FIX_API_KEY;
	else description = `The ${what} could not be read.${connectionHint(failure)} Reading is safe to repeat.`;
	return trafficLightError(node, failure, headline(failure, timeoutMs, 'request'), description, itemIndex);
}
