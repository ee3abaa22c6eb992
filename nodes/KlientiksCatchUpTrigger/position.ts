/**
 * Where the catch-up trigger stands, as plain data: one versioned object kept in the
 * workflow's static data and replaced as a whole at the end of a poll (n8n notices only
 * a top-level assignment). Every function here is pure: the time comes in as `now`.
 *
 * n8n saves static data only when a poll returns items, so a position moved by an empty
 * poll may be lost at a restart: reading again from an older one must be harmless. That
 * is what `seen` is for: the Lead IDs emitted lately, so a re-read emits nothing twice.
 */
import { createHash } from 'node:crypto';

/** The two feeds a poll reads: the clients list and the visits (AppointmentClientLinks) feed. */
export type Feed = 'clients' | 'visits';
export const FEEDS: readonly Feed[] = ['clients', 'visits'];

export interface Cursor {
	/** Rows changed at or after `since` minus the overlap are read (ISO, UTC). */
	since: string;
	/** Set when a poll stopped at a bound: the next poll reads the same window from this row index. */
	offset?: number;
}

export interface Position {
	v: 1;
	/** What the position was made for (account, events, Start From): another value starts afresh. */
	cfg: string;
	/** Nothing before this moment is an event: the first activation's time, or Start From (ISO). */
	floor: string;
	clients: Cursor;
	visits: Cursor;
	/** Lead IDs (and raw-row keys) emitted lately → when (ms). */
	seen: Record<string, number>;
}

export const SEEN_MIN_MS = 48 * 3600_000;
export const SEEN_MAX_ENTRIES = 10_000;

/** A short fingerprint of what a position is valid for; not a secret, only compared. */
export function configKey(parts: { account: string; events: string[]; startFrom: string | null; emitRaw: boolean }): string {
	const text = JSON.stringify([parts.account, [...parts.events].sort(), parts.startFrom ?? '', parts.emitRaw]);
	return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

const isIso = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));

function readCursor(value: unknown): Cursor | null {
	if (typeof value !== 'object' || value === null) return null;
	const { since, offset } = value as Record<string, unknown>;
	if (!isIso(since)) return null;
	if (offset === undefined) return { since };
	return Number.isSafeInteger(offset) && (offset as number) >= 0 ? { since, offset: offset as number } : { since };
}

function readSeen(value: unknown): Record<string, number> {
	const seen: Record<string, number> = {};
	if (typeof value !== 'object' || value === null || Array.isArray(value)) return seen;
	for (const [key, at] of Object.entries(value as Record<string, unknown>)) {
		if (key !== '__proto__' && typeof at === 'number' && Number.isFinite(at)) seen[key] = at;
	}
	return seen;
}

/**
 * The saved position when it is one of ours for this configuration; otherwise a fresh
 * one starting at Start From or now (`fresh: true`). Lead IDs seen are kept across a
 * fresh start, so changing the events or Start From re-emits nothing emitted lately.
 */
export function loadPosition(
	stored: unknown,
	cfg: string,
	now: number,
	startFrom: string | null,
): { position: Position; fresh: boolean } {
	const saved = typeof stored === 'object' && stored !== null ? (stored as Record<string, unknown>) : {};
	const seen = readSeen(saved.seen);
	const clients = readCursor(saved.clients);
	const visits = readCursor(saved.visits);
	if (saved.v === 1 && saved.cfg === cfg && isIso(saved.floor) && clients && visits) {
		return { position: { v: 1, cfg, floor: saved.floor, clients, visits, seen }, fresh: false };
	}
	const start = startFrom !== null && isIso(startFrom) ? new Date(startFrom).toISOString() : new Date(now).toISOString();
	return { position: { v: 1, cfg, floor: start, clients: { since: start }, visits: { since: start }, seen }, fresh: true };
}

/** The earliest moment a row of this feed may have changed to be read this poll (ms): since − overlap, not before the floor. */
export function windowStart(position: Position, feed: Feed, overlapMs: number): number {
	return Math.max(Date.parse(position[feed].since) - overlapMs, Date.parse(position.floor));
}

/** Where a feed's read of this poll ended: all of the window, or stopped at a row index. */
export type FeedOutcome = { feed: Feed; complete: true; readFrom: number } | { feed: Feed; complete: false; nextOffset: number };

/**
 * The cursor after a read. A complete read moves `since` to when it began (`readFrom`, taken
 * before its first request, so a row changed while it ran is inside the next window) and
 * drops the offset; an incomplete one keeps `since` and resumes at `nextOffset`.
 *
 * Resuming by offset skips nothing: the window's start stays put, so a row can only enter the
 * listing (by changing) and push later rows further on, to be read again and dropped by `seen`.
 */
export function nextCursor(cursor: Cursor, outcome: FeedOutcome): Cursor {
	if (outcome.complete) {
		const readFrom = new Date(outcome.readFrom).toISOString();
		// Never backwards: a clock that stepped back must not widen every later window.
		return { since: Date.parse(readFrom) > Date.parse(cursor.since) ? readFrom : cursor.since };
	}
	return { since: cursor.since, offset: outcome.nextOffset };
}

/** Whether this key was emitted lately. */
export function wasSeen(position: Position, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(position.seen, key);
}

/**
 * `seen` with these keys added at `now`, entries older than the longer of the overlap and
 * 48 h dropped, and at most 10,000 entries kept (the oldest go first).
 */
export function rememberSeen(seen: Record<string, number>, keys: string[], now: number, overlapMs: number): Record<string, number> {
	const keepFrom = now - Math.max(overlapMs, SEEN_MIN_MS);
	const adding = new Set(keys);
	const entries = Object.entries(seen).filter(([key, at]) => at >= keepFrom && !adding.has(key));
	for (const key of adding) entries.push([key, now]);
	// Stable sort: among equal times the order of insertion decides, newest last.
	entries.sort((a, b) => a[1] - b[1]);
	const kept = entries.slice(Math.max(0, entries.length - SEEN_MAX_ENTRIES));
	const next: Record<string, number> = {};
	for (const [key, at] of kept) next[key] = at;
	return next;
}

/** The position after a poll: each read feed's cursor moved, the emitted keys remembered. A feed not read keeps its cursor. */
export function advance(position: Position, outcomes: FeedOutcome[], emitted: string[], now: number, overlapMs: number): Position {
	const next: Position = { ...position, clients: { ...position.clients }, visits: { ...position.visits } };
	for (const outcome of outcomes) next[outcome.feed] = nextCursor(position[outcome.feed], outcome);
	next.seen = rememberSeen(position.seen, emitted, now, overlapMs);
	return next;
}
