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
		return { ok: false, value, problem: 'must not contain a user name or password' };
	}
	return {
		ok: true,
		baseUrl: `${url.origin}${url.pathname}`.replace(/\/+$/, ''),
		unencrypted: url.protocol === 'http:' && !isLocalHost(url.hostname),
	};
}
