import { createHash } from 'node:crypto';

/**
 * The calls this process accepted lately, for stopping repeats at the door.
 * Process-wide on purpose: n8n keeps nothing else between two calls of a trigger
 * that can be read and written in one step (workflow static data is saved per execution).
 */

/** Calls remembered per process; the oldest is forgotten first. */
export const MAX_REMEMBERED_CALLS = 10_000;

interface RememberedCall {
	receivedAt: number;
	forgetAt: number;
}

export class RecentCalls {
	/** In arrival order (a Map keeps insertion order), so the oldest is always first. */
	private readonly calls = new Map<string, RememberedCall>();

	constructor(private readonly capacity: number = MAX_REMEMBERED_CALLS) {}

	get size(): number {
		return this.calls.size;
	}

	/**
	 * Remembers a call for `windowMs` and returns undefined, or, when the same
	 * call arrived within its window, returns when it first arrived and
	 * remembers nothing. Look-up and record are one synchronous step: of two
	 * identical calls arriving together exactly one passes.
	 */
	admit(identity: string, windowMs: number, now: number): number | undefined {
		const seen = this.calls.get(identity);
		if (seen !== undefined) {
			if (seen.forgetAt > now) return seen.receivedAt;
			this.calls.delete(identity);
		}
		this.calls.set(identity, { receivedAt: now, forgetAt: now + windowMs });
		this.forgetOld(now);
		return undefined;
	}

	forgetAll(): void {
		this.calls.clear();
	}

	/** Drops the oldest calls while they are past their window or over capacity; stops at the first one kept. */
	private forgetOld(now: number): void {
		for (const [identity, call] of this.calls) {
			if (this.calls.size <= this.capacity && call.forgetAt > now) return;
			this.calls.delete(identity);
		}
	}
}

/** The one memory every trigger of this process shares. */
export const recentCalls = new RecentCalls();

export interface CallParts {
	workflowId: string;
	nodeId: string;
	method: string;
	/** The query string with the token's pairs cut out, in pieces. */
	query: ReadonlyArray<string | Uint8Array>;
	body: string | Uint8Array;
}

/** A digest of everything that makes two calls the same call; its cost grows with the call's size only. */
export function callIdentity(parts: CallParts): string {
	const hash = createHash('sha256');
	// Each field ends in a NUL, which none of them can hold except the body, which comes last.
	hash.update(`${parts.workflowId}\0${parts.nodeId}\0${parts.method}\0`);
	for (const piece of parts.query) hash.update(piece);
	hash.update('\0');
	hash.update(parts.body);
	return hash.digest('base64');
}
