/**
 * The credential's Base URL, parsed once per execution. The node appends
 * "/api/lead/send?…" to it, so a query or a fragment in it would swallow the
 * path (and a key put there would travel to every endpoint).
 */
export const DEFAULT_BASE_URL = 'https://api.cpa.tl';

export type BaseUrlCheck =
	| { ok: true; baseUrl: string; unencrypted: boolean }
	| { ok: false; value: string; problem: string };

function isLocalHost(hostname: string): boolean {
	const host = hostname.toLowerCase();
	return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '[::1]';
}

/** A loop, not /\/+$/: that pattern retries from every slash of a long run, quadratic in its length. */
function withoutTrailingSlashes(text: string): string {
	let end = text.length;
	while (end > 0 && text[end - 1] === '/') end--;
	return text.slice(0, end);
}

/** The one check of a Base URL, by the node before any request and by the credential's Test. */
export function checkBaseUrl(configured: string): BaseUrlCheck {
	const value = configured.trim();
	if (value === '') return { ok: true, baseUrl: DEFAULT_BASE_URL, unencrypted: false };
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return { ok: false, value, problem: 'is not a valid URL' };
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		return { ok: false, value, problem: 'must start with https:// (or http:// for a local test server)' };
	}
	if (url.search !== '' || value.includes('?')) {
		return { ok: false, value, problem: 'must not contain a query ("?…"): the node adds its own to each request' };
	}
	if (url.hash !== '' || value.includes('#')) return { ok: false, value, problem: 'must not contain a "#" fragment' };
	if (url.username !== '' || url.password !== '') {
		// The value is echoed in the error: not the password it must not hold.
		return { ok: false, value: `${url.protocol}//***@${url.host}${url.pathname}`, problem: 'must not contain a user name or password' };
	}
	return {
		ok: true,
		baseUrl: withoutTrailingSlashes(`${url.origin}${url.pathname}`),
		unencrypted: url.protocol === 'http:' && !isLocalHost(url.hostname),
	};
}
