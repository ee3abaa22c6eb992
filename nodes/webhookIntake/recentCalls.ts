import { createHash, hash } from 'node:crypto';

/**
 * The calls this process accepted lately, for stopping repeats at the door.
 * Process-wide on purpose: n8n keeps nothing else between two calls of a trigger
 * that can be read and written in one step (workflow static data is saved per execution).
 */

/** Calls remembered per process; the oldest is forgotten first. */
export const MAX_REMEMBERED_CALLS = 10_000;

interface RememberedCall {
	identity: string;
	receivedAt: number;
	forgetAt: number;
}

export class RecentCalls {
	private readonly calls = new Map<string, RememberedCall>();
	/**
	 * The calls in arrival order, the oldest at `head`. Kept beside the Map because
	 * iterating a Map from its start after many deletions walks their holes.
	 */
	private order: RememberedCall[] = [];
	private head = 0;

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
		if (seen !== undefined && seen.forgetAt > now) return seen.receivedAt;
		const call = { identity, receivedAt: now, forgetAt: now + windowMs };
		this.calls.set(identity, call);
		this.order.push(call);
		this.forgetOld(now);
		return undefined;
	}

	forgetAll(): void {
		this.calls.clear();
		this.order = [];
		this.head = 0;
	}

	/** Drops the oldest calls while they are past their window or over capacity; stops at the first one kept. */
	private forgetOld(now: number): void {
		while (this.head < this.order.length) {
			const oldest = this.order[this.head];
			// A call remembered anew after its window left its old entry behind here.
			const current = this.calls.get(oldest.identity) === oldest;
			// Stale entries pile up behind a long-window call at the head: they count against capacity too.
			const full = this.calls.size > this.capacity || this.order.length - this.head > 2 * this.capacity;
			if (current && !full && oldest.forgetAt > now) break;
			if (current) this.calls.delete(oldest.identity);
			this.head++;
		}
		if (this.head > 1024 && this.head * 2 > this.order.length) {
			this.order = this.order.slice(this.head);
			this.head = 0;
		}
	}
}

/** The one memory every trigger of this process shares. */
export const recentCalls = new RecentCalls();

export interface CallParts {
	workflowId: string;
	nodeId: string;
	method: string;
	/** The query string with the token's pairs cut out. */
	query: string;
	body: string | Uint8Array;
}

/** A digest of everything that makes two calls the same call; its cost grows with the call's size only. */
export function callIdentity({ workflowId, nodeId, method, query, body }: CallParts): string {
	// Each field ends in a NUL, which none of them can hold except the body, which comes last.
	const head = `${workflowId}\0${nodeId}\0${method}\0${query}\0`;
	// A text body is hashed in one go with the rest: every separate update is a crossing into native code.
	if (typeof body === 'string') return hash('sha256', head + body, 'base64');
	return createHash('sha256').update(head).update(body).digest('base64');
}
