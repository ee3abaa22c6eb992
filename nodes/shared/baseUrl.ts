/** The one check of a credential's Base URL, for every API of the package: by the node before any request and by the credential's Test. */

export type BaseUrlCheck = { ok: true; baseUrl: string; unencrypted: boolean } | { ok: false; value: string; problem: string };

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

/**
 * Checks `configured` (empty means `defaultUrl`). The node appends its own path and query, so a
 * query or fragment in it would swallow the path.
 */
export function checkBaseUrl(configured: string, defaultUrl: string): BaseUrlCheck {
	const value = configured.trim();
	if (value === '') return { ok: true, baseUrl: defaultUrl, unencrypted: false };
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
