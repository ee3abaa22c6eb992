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
	return !isKnownErrmsg(errmsg) && KEY_PROBLEM.test(errmsg);
}

export function fixForErrmsg(errmsg: string): string {
	const known = KNOWN_ERRMSG_FIXES.get(errmsg.trim().toLowerCase());
	if (known) return known;
	if (isKeyProblem(errmsg)) return FIX_API_KEY;
	return 'Traffic Light refused the request with this message. Check the fields it names; if it is unclear, send the message to Traffic Light support.';
}

export function isKnownErrmsg(errmsg: string): boolean {
	return KNOWN_ERRMSG_FIXES.has(errmsg.trim().toLowerCase());
}
