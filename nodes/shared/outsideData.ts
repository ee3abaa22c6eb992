/**
 * Text and data from outside (webhook calls, API answers, errmsgs, Locations): the one
 * shortener, the one `__proto__` rule and the secret masker (an API key echoed in an answer, in
 * any of its encodings), shared by every node of the package; and the one check of the Base URL a
 * credential points them at.
 */

/**
 * The one rule for a `__proto__` key, in a webhook call or an API answer alike: it is dropped.
 * (Assigned anywhere later, it would set the object's prototype instead of a value.)
 */
export const isDroppedKey = (key: string): boolean => key === '__proto__';

/**
 * JSON.parse with the one rule applied: `__proto__` keys are dropped at every depth; every string,
 * number and key is masked too (a key that needs it is rebuilt in its object). Undefined when the
 * text is not JSON, or nested deeper than the parser's stack: never an answer to act on.
 */
export function parseJsonData(text: string, mask: SecretMasker): unknown {
	try {
		return JSON.parse(text, function (this: unknown, key, value: unknown) {
			if (isDroppedKey(key)) return undefined;
			// Only an all-digit secret can be a number.
			if (typeof value === 'number') return value === mask.asNumber ? MASK : value;
			if (typeof value === 'string') return mask(value);
			if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
			const record = value as Record<string, unknown>;
			for (const name of Object.keys(record)) {
				const masked = mask(name);
				if (masked === name) continue;
				const child = record[name];
				delete record[name];
				if (!isDroppedKey(masked)) record[masked] = child;
			}
			return record;
		});
	} catch {
		return undefined;
	}
}

/** Replaces a secret, in any encoding a server may echo it in, with "***". */
export interface SecretMasker {
	(text: string): string;
	/** The secret as a JSON number, when it is all digits. */
	asNumber?: number;
}

export const MASK = '***';

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** Shorter base64 fragments of the secret could match unrelated text. */
const MIN_BASE64_CHARS = 8;
/** Layers of percent- and entity-encoding undone before matching. */
const DECODING_ROUNDS = 3;

function decodeEntities(text: string): string {
	return text.replace(/&(?:#(x[0-9a-f]{1,8}|[0-9]{1,10});?|(amp|lt|gt|quot|apos);)/gi, (whole, code: string | undefined, name: string | undefined) => {
		if (name) return NAMED_ENTITIES[name.toLowerCase()];
		const point = code?.[0] === 'x' || code?.[0] === 'X' ? parseInt(code.slice(1), 16) : Number(code);
		return point <= 0x10ffff ? String.fromCodePoint(point) : whole;
	});
}

function decodePercent(text: string): string {
	return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
		try {
			return decodeURIComponent(run);
		} catch {
			return run;
		}
	});
}

/** The parts of the secret's base64 that do not depend on the bytes around it, in both alphabets. */
function base64Forms(secret: string): string[] {
	const bytes = Buffer.from(secret, 'utf8');
	const forms = new Set<string>();
	for (let offset = 0; offset < 3; offset++) {
		const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
		const core = encoded.slice(offset === 0 ? 0 : 4, Math.floor((offset + bytes.length) / 3) * 4);
		if (core.length < MIN_BASE64_CHARS) continue;
		forms.add(core);
		forms.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
	}
	return [...forms];
}

/**
 * A masker for `secret`: text that holds it (in any case, as is, base64-encoded, or behind up to
 * DECODING_ROUNDS layers of percent-encoding, "+" for a space and HTML entities) comes back decoded
 * with every occurrence replaced; other text comes back unchanged.
 */
export function secretMasker(secret: string): SecretMasker {
	if (secret === '') return (text) => text;
	const forms = [secret, secret.replace(/ /g, '+'), ...base64Forms(secret)];
	const escape = (form: string) => form.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
	const pattern = new RegExp(forms.map(escape).join('|'), 'gi');
	const shortest = Math.min(...forms.map((form) => form.length));
	const decode = (text: string) => decodePercent(decodeEntities(text));
	const mask: SecretMasker = (text) => {
		if (text.length < shortest) return text;
		// Masked, then decoded and masked again: each layer may hide another echo.
		let candidate = text;
		let masked = false;
		for (let round = 0; ; round++) {
			pattern.lastIndex = 0;
			if (pattern.test(candidate)) {
				masked = true;
				candidate = candidate.replace(pattern, MASK);
			}
			if (round === DECODING_ROUNDS || !/[%&+]/.test(candidate)) return masked ? candidate : text;
			candidate = decode(candidate);
		}
	};
	// An all-digit secret echoed as a JSON number parses to the same number as the secret does.
	if (/^\d+$/.test(secret)) mask.asNumber = Number(secret);
	return mask;
}

/** The one way text from outside is shortened for messages and output; never ends on half a surrogate pair. */
export function shorten(text: string, maxChars: number): string {
	if (text.length <= maxChars) return text;
	const code = text.charCodeAt(maxChars - 1);
	// Never end on the first half of a surrogate pair.
	const end = code >= 0xd800 && code <= 0xdbff ? maxChars - 1 : maxChars;
	return `${text.slice(0, end)}…`;
}

/** Characters of an answer a message quotes. */
export const MAX_PREVIEW_CHARS = 120;

/** The start of an answer that is not a JSON object, for a message: masked, spaces folded, shortened. */
export function answerPreview(text: string, mask: SecretMasker): string {
	return shorten(mask(text.slice(0, MAX_PREVIEW_CHARS * 2)).replace(/\s+/g, ' ').trim(), MAX_PREVIEW_CHARS);
}

/**
 * JSON.stringify(value) shortened to `maxChars`, without serializing the rest:
 * an answer may hold a million small values, of which a message shows a line.
 */
export function shortJson(value: unknown, maxChars: number): string {
	let out = '';
	const write = (entry: unknown): void => {
		if (Array.isArray(entry)) {
			out += '[';
			for (let i = 0; i < entry.length && out.length <= maxChars; i++) {
				if (i > 0) out += ',';
				write(entry[i]);
			}
			out += ']';
		} else if (typeof entry === 'object' && entry !== null) {
			out += '{';
			let first = true;
			for (const key in entry) {
				if (out.length > maxChars) break;
				if (!Object.prototype.hasOwnProperty.call(entry, key)) continue;
				out += `${first ? '' : ','}${JSON.stringify(key)}:`;
				first = false;
				write((entry as Record<string, unknown>)[key]);
			}
			out += '}';
		} else {
			out += JSON.stringify(entry) ?? 'null';
		}
	};
	write(value);
	return shorten(out, maxChars);
}

// ---- The one check of a credential's Base URL: by the node before any request and by the credential's Test ----

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
