/**
 * One poll of the catch-up trigger, apart from n8n: read each feed from its position,
 * turn the rows into events not emitted lately, and say where the position goes next.
 * The node (KlientiksCatchUpTrigger.node.ts) hands in the reader and the clock and saves
 * the position; nothing here touches static data.
 */
import type { IDataObject } from 'n8n-workflow';

import {
	appointmentCreatedItem,
	clientAddedItem,
	clientEvents,
	dayInZone,
	rawItem,
	rawKey,
	rawLeadId,
	stampToMs,
	visitEvents,
	visitPaidItem,
	type CatchUpEvent,
	type Found,
} from './catchUpItems';
import { advance, configKey, loadPosition, wasSeen, windowStart, type Feed, type FeedOutcome, type Position } from './position';

/** The static-data key of the position (docs/klientiks-trigger.md, Catch-up trigger). */
export const POSITION_KEY = 'position';
export const DEFAULT_TIME_ZONE = 'Europe/Moscow';
/** n8n 1.x gives a poll no budget: as long as 2.x gives by default. */
export const DEFAULT_POLL_BUDGET_MS = 5 * 60_000;

/** The reads a poll needs, as the Klientiks transport offers them (nodes/Klientiks/transport/klientiksApi.ts). */
export interface KlientiksReader {
	/** The account the credential is for: a position is kept per account. */
	account: string;
	list(
		params: Array<[string, string]>,
		query: Record<string, string>,
		bounds: { startOffset?: number; maxRows?: number; maxPages?: number },
	): Promise<{ rows: IDataObject[]; nextOffset: number; complete: boolean; totalCount?: number }>;
	/** getAppointment by id: the appointment, or null when the API has none. */
	appointment(id: string): Promise<IDataObject | null>;
}

export interface CatchUpSettings {
	events: CatchUpEvent[];
	emitRaw: boolean;
	overlapMs: number;
	startFrom: string | null;
	timeZone: string;
	maxRows: number;
	/** No new request starts after this much time into the poll; what is left waits for the next. */
	budgetMs: number;
}

export const VISITS_FEED: Array<[string, string]> = [
	['m', 'AppointmentClientLinks'],
	['ik', 'orders'],
	['rvwk', 'status,statuses'],
];

/** The list request of a feed for rows changed at or after `fromMs`. */
export function feedRequest(feed: Feed, fromMs: number, timeZone: string): { params: Array<[string, string]>; query: Record<string, string> } {
	// The clients list filters by the account's local day; rows are then judged by their own stamps.
	if (feed === 'clients') return { params: [['m', 'clients'], ['date', dayInZone(fromMs, timeZone)]], query: {} };
	return { params: VISITS_FEED, query: { date: String(Math.floor(fromMs / 1000)) } };
}

const FEED_EVENTS: Record<Feed, CatchUpEvent[]> = { clients: ['client_added'], visits: ['appointment_created', 'visit_paid'] };

function feedsFor(settings: CatchUpSettings): Feed[] {
	return (['clients', 'visits'] as Feed[]).filter((feed) => settings.emitRaw || FEED_EVENTS[feed].some((e) => settings.events.includes(e)));
}

function eventsOf(feed: Feed, row: IDataObject, fromMs: number, settings: CatchUpSettings): Found[] {
	const found = feed === 'clients' ? clientEvents(row, fromMs, settings.timeZone) : visitEvents(row, fromMs, settings.timeZone);
	return found.filter((f) => settings.events.includes(f.event));
}

/** A row the clients list gave for its day but changed before the window (a stamp that cannot be read counts as changed). */
function changedBefore(row: IDataObject, fromMs: number, timeZone: string): boolean {
	return stampToMs(row.modified, timeZone) < fromMs;
}

async function itemOf(found: Found, reader: KlientiksReader): Promise<IDataObject> {
	if (found.event === 'client_added') return clientAddedItem(found.row, found.leadId);
	if (found.event === 'visit_paid') return visitPaidItem(found.row, found.leadId);
	return appointmentCreatedItem(found.row, await reader.appointment(String(found.row.appointment_id)), found.leadId);
}

export interface PollOutcome {
	items: IDataObject[];
	/** The position to save once the items are handed over. */
	position: Position;
	/** True when this poll only seeded a new position (first activation without Start From). */
	seeded: boolean;
}

/**
 * A live poll. The first one (no position yet, or one made for other settings) seeds the
 * position at now and emits nothing, unless Start From is set. Each later one reads every
 * feed from `since` − overlap (at its saved offset when the last poll stopped at a bound)
 * and emits each event whose key is not in `seen`.
 */
export async function pollOnce(reader: KlientiksReader, stored: unknown, settings: CatchUpSettings, now: () => number): Promise<PollOutcome> {
	const startedAt = now();
	const cfg = configKey({ account: reader.account, events: settings.events, startFrom: settings.startFrom, emitRaw: settings.emitRaw });
	const { position, fresh } = loadPosition(stored, cfg, startedAt, settings.startFrom);
	if (fresh && settings.startFrom === null) return { items: [], position, seeded: true };

	const events: Array<{ at: number; item: IDataObject }> = [];
	const emitted = new Set<string>();
	const outcomes: FeedOutcome[] = [];
	let rowsLeft = settings.maxRows;
	const overTime = () => now() - startedAt >= settings.budgetMs;

	for (const feed of feedsFor(settings)) {
		if (rowsLeft <= 0 || overTime()) break;
		const readFrom = now();
		const fromMs = windowStart(position, feed, settings.overlapMs);
		const startOffset = position[feed].offset ?? 0;
		const { params, query } = feedRequest(feed, fromMs, settings.timeZone);
		const page = await reader.list(params, query, { startOffset, maxRows: rowsLeft });
		rowsLeft -= page.rows.length;
		let cutAt: number | null = null;
		for (let index = 0; index < page.rows.length && cutAt === null; index++) {
			const row = page.rows[index];
			if (settings.emitRaw) {
				const key = rawKey(feed, row);
				if (changedBefore(row, fromMs, settings.timeZone)) continue;
				if (!wasSeen(position, key) && !emitted.has(key)) {
					emitted.add(key);
					events.push({ at: index, item: rawItem(feed, row, rawLeadId(feed, row)) });
				}
				continue;
			}
			for (const found of eventsOf(feed, row, fromMs, settings)) {
				if (wasSeen(position, found.leadId) || emitted.has(found.leadId)) continue;
				// An appointment costs one more request: past the budget, this row waits for the next poll.
				if (found.event === 'appointment_created' && overTime()) {
					cutAt = startOffset + index;
					break;
				}
				events.push({ at: found.at, item: await itemOf(found, reader) });
				emitted.add(found.leadId);
			}
		}
		if (cutAt !== null) outcomes.push({ feed, complete: false, nextOffset: cutAt });
		else if (page.complete) outcomes.push({ feed, complete: true, readFrom });
		else outcomes.push({ feed, complete: false, nextOffset: page.nextOffset });
	}
	// Oldest first, so leads reach Traffic Light in the order the events happened (raw rows keep the feed's order).
	const items = settings.emitRaw ? events.map((e) => e.item) : events.sort((a, b) => a.at - b.at).map((e) => e.item);
	return { items, position: advance(position, outcomes, [...emitted], now(), settings.overlapMs), seeded: false };
}

export const MANUAL_LOOKBACK_MS = 7 * 24 * 3600_000;

/**
 * "Fetch Test Event": the latest event (or changed row) of the last 7 days, one page per feed
 * (the visits feed's last page, found by its total count); no position is read or moved.
 */
export async function latestEvent(reader: KlientiksReader, settings: CatchUpSettings, now: () => number, pageSize: number): Promise<IDataObject | null> {
	const fromMs = now() - MANUAL_LOOKBACK_MS;
	let latest: { at: number; feed: Feed; found: Found | null; row: IDataObject } | null = null;
	for (const feed of feedsFor(settings)) {
		const { params, query } = feedRequest(feed, fromMs, settings.timeZone);
		let page = await reader.list(params, query, { maxRows: pageSize, maxPages: 1 });
		if (page.totalCount !== undefined && page.totalCount > page.rows.length) {
			page = await reader.list(params, query, { startOffset: page.totalCount - pageSize, maxRows: pageSize, maxPages: 1 });
		}
		for (const row of page.rows) {
			if (settings.emitRaw) {
				const at = stampToMs(row.modified, settings.timeZone) || 0;
				if (!latest || at >= latest.at) latest = { at, feed, found: null, row };
				continue;
			}
			for (const found of eventsOf(feed, row, fromMs, settings)) {
				if (!latest || found.at >= latest.at) latest = { at: found.at, feed, found, row };
			}
		}
	}
	if (!latest) return null;
	return latest.found ? itemOf(latest.found, reader) : rawItem(latest.feed, latest.row, rawLeadId(latest.feed, latest.row));
}
