/**
 * What one webhook call may cost and what it may put into an item.
 *
 * n8n runs every workflow of an instance in one process: a call that keeps
 * the event loop busy for seconds stalls every other webhook, and an item of
 * many megabytes is copied several times by n8n (run data, execution
 * history). n8n itself accepts bodies of up to 16 MB, so each trigger bounds
 * its own work and output and says in `warnings` what it left out.
 */
export const REQUEST_LIMITS = {
	/** Parameters read from one call, query and body together (n8n's own form parser stops at 1,000 too). */
	maxParameters: 1000,
	/** Characters kept of a parameter name. */
	maxKeyLength: 200,
	/** Characters kept of one value: Klientiks' names, phones, service lists and comments are far shorter. */
	maxValueLength: 10_000,
	/** Characters of parameter text one call may put into its item, names and values together. */
	maxTotalText: 200_000,
	/** Values (strings, numbers, …) one JSON body may contribute, nested ones included. */
	maxJsonValues: 10_000,
	/** Levels of nesting kept from a JSON body; deeper parts become null (n8n copies items recursively). */
	maxDepth: 10,
	/** Characters of the query string kept in `raw.query`. */
	maxRawQuery: 4096,
	/** Warnings kept per item; the rest are counted in a last line. */
	maxWarnings: 100,
} as const;

/** An item's warnings: each message once, at most REQUEST_LIMITS.maxWarnings of them, in the order they arose. */
export class WarningList {
	private readonly seen = new Set<string>();
	private readonly kept: string[] = [];
	private left = 0;

	add(message: string): void {
		if (this.seen.has(message)) return;
		this.seen.add(message);
		if (this.kept.length < REQUEST_LIMITS.maxWarnings) this.kept.push(message);
		else this.left++;
	}

	addAll(messages: Iterable<string>): void {
		for (const message of messages) this.add(message);
	}

	list(): string[] {
		return this.left === 0 ? [...this.kept] : [...this.kept, `…and ${this.left} more warning(s).`];
	}
}

/** The first `max` characters of a text for a message, marked when cut. */
export function preview(text: string, max = 40): string {
	return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
