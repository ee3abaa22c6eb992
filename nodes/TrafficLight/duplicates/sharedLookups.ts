import { deadlineFailure, untilAborted, wait, type Deadline } from '../transport/trafficLightApi';
import { FEED_BATCH_SIZE, type LeadIdLookup } from '../transport/feed';

/**
 * Duplicate-check look-ups of concurrent executions of this n8n process share feed requests when
 * they are for the same Traffic Light account.
 *
 * A look-up goes out at once when no look-up of that account is on the wire, so a lone lead waits
 * for nothing. While one is on the wire, the Lead IDs asked for meanwhile wait for it to end and then
 * go out together, up to FEED_BATCH_SIZE per request (a full request's worth goes out at once).
 * Under load — many executions at their Send node at the same time, as when Klientiks calls come in
 * faster than they are processed — this turns one feed request per lead into one per batch.
 *
 * Only a successful answer is shared. When a shared request fails, every waiter from another
 * execution looks its Lead IDs up on its own, so a failure that belongs to the execution that sent
 * the request (it was cancelled, or its Timeout is shorter) never fails another execution's lead.
 * And a look-up waits at most MAX_SHARE_WAIT_MS for the request before it, and for a shared request
 * no longer than its own deadline: another execution's Timeout and retries never hold it.
 */

/** Longer than a feed request normally takes, far shorter than any Timeout (1 s at least). */
export const MAX_SHARE_WAIT_MS = 1000;

/** Looks Lead IDs up in the lead feed; a waiter's own is made with its context, credential and Timeout. */
export type LookUp = (leadIds: string[]) => Promise<LeadIdLookup>;

interface Waiter {
	/** Which execution asked: waiters of the execution whose request failed share its failure. */
	run: object;
	leadIds: string[];
	lookUp: LookUp;
	/** Ends the wait for a shared answer; once it has, the waiter is gone and nothing is done for it. */
	signal?: AbortSignal;
	resolve: (result: LeadIdLookup) => void;
	reject: (error: unknown) => void;
}

interface Account {
	onWire: number;
	waiting: Waiter[];
}

const accounts = new Map<string, Account>();

/** Accounts with a look-up on the wire or waiting (for tests: back to 0 once every run is over). */
export function sharedLookupAccounts(): number {
	return accounts.size;
}

/** The waiters of the next request: the oldest first, up to FEED_BATCH_SIZE Lead IDs (at least one waiter). */
function takeBatch(account: Account): Waiter[] {
	const batch: Waiter[] = [];
	let ids = 0;
	while (account.waiting.length > 0) {
		const next = account.waiting[0];
		if (batch.length > 0 && ids + next.leadIds.length > FEED_BATCH_SIZE) break;
		batch.push(next);
		ids += next.leadIds.length;
		account.waiting.shift();
	}
	return batch;
}

function settle(waiter: Waiter, sender: Waiter, result: LeadIdLookup | undefined, error: unknown): void {
	if (waiter.signal?.aborted && waiter !== sender) return;
	// A shared answer may list other waiters' Lead IDs too: each waiter reads only its own.
	if (result?.ok) {
		waiter.resolve(result);
	} else if (waiter.run === sender.run) {
		if (result) waiter.resolve(result);
		else waiter.reject(error);
	} else {
		waiter.lookUp(waiter.leadIds).then(waiter.resolve, waiter.reject);
	}
}

function sendNext(key: string, account: Account): void {
	const batch = takeBatch(account);
	if (batch.length === 0) return;
	const sender = batch[0];
	const leadIds = [...new Set(batch.flatMap((waiter) => waiter.leadIds))];
	account.onWire++;
	const done = (result: LeadIdLookup | undefined, error?: unknown) => {
		account.onWire--;
		for (const waiter of batch) settle(waiter, sender, result, error);
		if (account.waiting.length > 0) sendNext(key, account);
		else if (account.onWire === 0) accounts.delete(key);
	};
	sender.lookUp(leadIds).then(
		(result) => done(result),
		(error: unknown) => done(undefined, error),
	);
}

/** Takes a waiter that is still waiting out of the queue; false when its request has gone out. */
function withdraw(key: string, account: Account, waiter: Waiter): boolean {
	const at = account.waiting.indexOf(waiter);
	if (at < 0) return false;
	account.waiting.splice(at, 1);
	if (account.onWire === 0 && account.waiting.length === 0 && accounts.get(key) === account) accounts.delete(key);
	return true;
}

/**
 * Looks `leadIds` up in the lead feed of the account `key`, sharing the request with look-ups of
 * other executions that are waiting at the same time. `run` identifies the asking execution; the
 * look-up ends with `deadline` however long a shared request takes.
 */
export async function lookUpShared(
	key: string,
	run: object,
	leadIds: string[],
	lookUp: LookUp,
	deadline: Deadline,
): Promise<LeadIdLookup> {
	const { signal } = deadline;
	let account = accounts.get(key);
	if (!account) {
		account = { onWire: 0, waiting: [] };
		accounts.set(key, account);
	}
	const current = account;
	let waiter: Waiter | undefined;
	const answered = new Promise<LeadIdLookup>((resolve, reject) => {
		waiter = { run, leadIds, lookUp, signal, resolve, reject };
		current.waiting.push(waiter);
		const waitingIds = current.waiting.reduce((ids, queued) => ids + queued.leadIds.length, 0);
		if (current.onWire === 0 || waitingIds >= FEED_BATCH_SIZE) sendNext(key, current);
	});
	if (waiter && current.waiting.includes(waiter)) {
		// `waited` is false once answered or aborted: an aborted waiter leaves the queue and ends by its own deadline.
		const waited = await Promise.race([answered.then(() => false, () => false), wait(MAX_SHARE_WAIT_MS, signal)]);
		if (withdraw(key, current, waiter) && waited) return await lookUp(leadIds);
	}
	const settled = await untilAborted(answered, signal);
	if (settled) return settled.value;
	return { ok: false, failure: deadlineFailure(deadline) };
}
