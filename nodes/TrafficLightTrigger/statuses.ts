/**
 * Traffic Light postbacks, as data.
 *
 * Traffic Light calls one URL per status, set in the profile or per stream,
 * by GET or POST with the data in the query string, and repeats the call
 * every minute for a week until it gets HTTP 200. It sends no status name of
 * its own that we know of (the `{status}` macro's values are not
 * documented), so every line carries a `status=` marker the user pastes.
 */

export const POSTBACK_STATUSES = [
	{ name: 'New', value: 'new', description: 'A new order was created' },
	{ name: 'Confirmed', value: 'confirmed', description: 'The order was confirmed, also after being on hold' },
	{ name: 'Hold', value: 'hold', description: 'The order was put on hold' },
	{
		name: 'Canceled',
		value: 'canceled',
		description: 'The order was canceled (Traffic Light also uses this URL for trash when no Trash URL is set)',
	},
	{ name: 'Trash', value: 'trash', description: 'The order was marked as trash' },
];

/** Spellings a hand-edited URL may use for the same status. */
export const STATUS_ALIASES: Readonly<Record<string, string>> = { held: 'hold', cancelled: 'canceled' };

/** The query parameter that carries the status marker. */
export const STATUS_MARKER_PARAMETER = 'status';

/** `[query key, macro]` pairs: each macro is its key in braces. */
const macros = (keys: string[]): ReadonlyArray<readonly [string, string]> => keys.map((key) => [key, `{${key}}`]);

/** Macros Traffic Light documents for postbacks. */
export const DOCUMENTED_MACROS = macros(['id', 'id2', 'created_at']);

/**
 * Macros named after the stream link parameters. Not documented by Traffic
 * Light: `{sub1}` is reported to work by third-party guides, the rest are
 * inferred from the link parameter names. Unexpanded ones arrive literally
 * and become null with a warning.
 */
export const INFERRED_STREAM_MACROS = macros([
	...['sub1', 'sub2', 'sub3', 'sub4', 'sub5', 'web_id'],
	...['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'],
]);
