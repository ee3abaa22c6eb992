import type { INodeProperties } from 'n8n-workflow';

import { SECRET_TOKEN_NODE_PARAMETER, SECRET_TOKEN_PLACEHOLDER, TOKEN_QUERY_KEY } from './secretToken';

/**
 * The editor renders a notice's text as sanitized HTML. Escaping keeps a
 * paste-ready line intact: `&` stays `&` instead of starting an entity
 * (`&not…` would otherwise become `¬…`), and nothing is mistaken for a tag.
 */
export function escapeNoticeText(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Notice text with the line as a list item of its own, so it stands on its
 * own row and a triple-click selects exactly the line.
 */
export function noticeWithLine(lead: string, line: string): string {
	return `${escapeNoticeText(lead)}<ul><li>${escapeNoticeText(line)}</li></ul>`;
}

/** A query string built from `[key, value]` pairs, values written as given (they are sender placeholders). */
export function buildPasteLine(pairs: ReadonlyArray<readonly [string, string]>): string {
	return `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`;
}

export interface PasteLineNoticeOptions {
	/** Unique suffix for the notice parameter names. */
	id: string;
	/** Parameter name and value that select this line (e.g. `events` / `client_added`). */
	selector: { parameter: string; value: string };
	/** Text before the line, e.g. "Client Added: append to the webhook URL in Klientiks". */
	lead: string;
	/** The marker pair that comes first, e.g. `['event', 'client_added']`. */
	marker: readonly [string, string];
	/** The data pairs after the marker and the token. */
	pairs: ReadonlyArray<readonly [string, string]>;
}

/**
 * Two notices per line, of which the editor shows one: without a secret
 * token set, the plain line; with one set, the line with
 * `token=YOUR_SECRET_TOKEN`. A notice cannot evaluate expressions, and
 * printing the real secret in the panel would expose it in every
 * screenshot, so the user replaces the placeholder once when pasting.
 */
export function pasteLineNotices({ id, selector, lead, marker, pairs }: PasteLineNoticeOptions): INodeProperties[] {
	return [
		{
			displayName: noticeWithLine(`${lead}:`, buildPasteLine([marker, ...pairs])),
			name: `pasteLine_${id}`,
			type: 'notice',
			default: '',
			displayOptions: { show: { [selector.parameter]: [selector.value], [SECRET_TOKEN_NODE_PARAMETER]: [''] } },
		},
		{
			displayName: noticeWithLine(
				`${lead} (then replace ${SECRET_TOKEN_PLACEHOLDER} with your Secret Token):`,
				buildPasteLine([marker, [TOKEN_QUERY_KEY, SECRET_TOKEN_PLACEHOLDER], ...pairs]),
			),
			name: `pasteLineWithToken_${id}`,
			type: 'notice',
			default: '',
			displayOptions: {
				show: { [selector.parameter]: [selector.value] },
				hide: { [SECRET_TOKEN_NODE_PARAMETER]: [''] },
			},
		},
	];
}
