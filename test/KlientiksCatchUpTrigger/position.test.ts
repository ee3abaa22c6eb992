import {
	advance,
	configKey,
	loadPosition,
	nextCursor,
	rememberSeen,
	SEEN_MAX_ENTRIES,
	SEEN_MIN_MS,
	wasSeen,
	windowStart,
	type Position,
} from '../../nodes/KlientiksCatchUpTrigger/position';

const T0 = Date.parse('2026-12-01T09:00:00Z');
const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const cfg = configKey({ account: 'a1b2c3d4e5f6', events: ['client_added', 'visit_paid'], startFrom: null, emitRaw: false });

function saved(overrides: Partial<Position> = {}): Position {
	return { v: 1, cfg, floor: iso(T0 - 60 * MIN), clients: { since: iso(T0 - 5 * MIN) }, visits: { since: iso(T0 - 5 * MIN) }, seen: {}, ...overrides };
}

describe('configKey', () => {
	it('is the same for the same settings in any event order, and differs for another account, events, Start From or raw rows', () => {
		const base = { account: 'a1', events: ['visit_paid', 'client_added'], startFrom: null, emitRaw: false };
		const key = configKey(base);
		expect(configKey({ ...base, events: ['client_added', 'visit_paid'] })).toBe(key);
		expect(key).toMatch(/^[0-9a-f]{16}$/);
		for (const other of [
			{ ...base, account: 'a2' },
			{ ...base, events: ['client_added'] },
			{ ...base, startFrom: '2026-11-01T00:00:00Z' },
			{ ...base, emitRaw: true },
		]) {
			expect(configKey(other)).not.toBe(key);
		}
	});
});

describe('loadPosition', () => {
	it('nothing saved: a fresh position at now, both feeds from now, nothing seen', () => {
		const { position, fresh } = loadPosition(undefined, cfg, T0, null);
		expect(fresh).toBe(true);
		expect(position).toEqual({ v: 1, cfg, floor: iso(T0), clients: { since: iso(T0) }, visits: { since: iso(T0) }, seen: {} });
	});

	it('Start From: a fresh position there, floor included', () => {
		const { position, fresh } = loadPosition(undefined, cfg, T0, '2026-11-20T10:00:00+03:00');
		expect(fresh).toBe(true);
		expect(position.floor).toBe('2026-11-20T07:00:00.000Z');
		expect(position.clients).toEqual({ since: '2026-11-20T07:00:00.000Z' });
	});

	it('a saved position for these settings is used as it is, offsets included', () => {
		const stored = saved({ visits: { since: iso(T0 - 5 * MIN), offset: 300 }, seen: { 'klx-client-1': T0 - MIN } });
		const { position, fresh } = loadPosition(JSON.parse(JSON.stringify(stored)), cfg, T0 + 99 * MIN, null);
		expect(fresh).toBe(false);
		expect(position).toEqual(stored);
	});

	it.each([
		['another cfg', { cfg: 'ffffffffffffffff' }],
		['another version', { v: 2 }],
		['a since that is not a time', { clients: { since: 'yesterday' } }],
		['a cursor missing', { visits: undefined }],
		['no floor', { floor: undefined }],
	])('%s: starts afresh but keeps the Lead IDs seen', (_what, change) => {
		const stored = { ...saved({ seen: { 'klx-visit-9': T0 - MIN } }), ...change };
		const { position, fresh } = loadPosition(stored, cfg, T0, null);
		expect(fresh).toBe(true);
		expect(position.clients.since).toBe(iso(T0));
		expect(position.seen).toEqual({ 'klx-visit-9': T0 - MIN });
	});

	it.each([null, 'text', 42, [], { v: 1 }])('junk (%p) is a fresh start, never a throw', (junk) => {
		expect(loadPosition(junk, cfg, T0, null).fresh).toBe(true);
	});

	it('drops a bad offset and bad seen entries, and __proto__', () => {
		const stored = JSON.parse(
			`{"v":1,"cfg":"${cfg}","floor":"${iso(T0)}","clients":{"since":"${iso(T0)}","offset":-3},"visits":{"since":"${iso(T0)}","offset":1.5},` +
				`"seen":{"klx-client-1":${T0},"bad":"x","__proto__":{"polluted":1}}}`,
		);
		const { position, fresh } = loadPosition(stored, cfg, T0, null);
		expect(fresh).toBe(false);
		expect(position.clients).toEqual({ since: iso(T0) });
		expect(position.visits).toEqual({ since: iso(T0) });
		expect(position.seen).toEqual({ 'klx-client-1': T0 });
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});
});

describe('windowStart', () => {
	it('is since minus the overlap, but never before the floor', () => {
		const position = saved({ floor: iso(T0 - 7 * MIN), clients: { since: iso(T0) }, visits: { since: iso(T0 - 5 * MIN) } });
		expect(windowStart(position, 'clients', 2 * MIN)).toBe(T0 - 2 * MIN);
		expect(windowStart(position, 'clients', 10 * MIN)).toBe(T0 - 7 * MIN);
		expect(windowStart(position, 'visits', 0)).toBe(T0 - 5 * MIN);
	});
});

describe('nextCursor', () => {
	it('a complete read moves since to when it began and drops the offset', () => {
		expect(nextCursor({ since: iso(T0), offset: 200 }, { feed: 'visits', complete: true, readFrom: T0 + 3 * MIN })).toEqual({ since: iso(T0 + 3 * MIN) });
	});

	it('never moves since backwards (a clock stepped back)', () => {
		expect(nextCursor({ since: iso(T0) }, { feed: 'visits', complete: true, readFrom: T0 - MIN })).toEqual({ since: iso(T0) });
	});

	it('a read stopped at a bound keeps since and resumes at the offset', () => {
		expect(nextCursor({ since: iso(T0) }, { feed: 'clients', complete: false, nextOffset: 1000 })).toEqual({ since: iso(T0), offset: 1000 });
		expect(nextCursor({ since: iso(T0), offset: 1000 }, { feed: 'clients', complete: false, nextOffset: 2000 })).toEqual({ since: iso(T0), offset: 2000 });
	});
});

describe('rememberSeen', () => {
	it('adds keys at now and keeps entries for the longer of the overlap and 48 h', () => {
		const seen = { old: T0 - SEEN_MIN_MS - 1, edge: T0 - SEEN_MIN_MS, fresh: T0 - MIN };
		expect(rememberSeen(seen, ['new'], T0, 10 * MIN)).toEqual({ edge: T0 - SEEN_MIN_MS, fresh: T0 - MIN, new: T0 });
		const long = 72 * 3600_000;
		expect(Object.keys(rememberSeen(seen, [], T0, long))).toEqual(['old', 'edge', 'fresh']);
	});

	it('re-adding a key refreshes its time and does not count it twice', () => {
		expect(rememberSeen({ a: T0 - MIN }, ['a', 'a'], T0, MIN)).toEqual({ a: T0 });
	});

	it('keeps at most 10,000 entries, the oldest dropped first', () => {
		const seen: Record<string, number> = {};
		for (let i = 0; i < SEEN_MAX_ENTRIES; i++) seen[`k${i}`] = T0 - SEEN_MAX_ENTRIES + i;
		const next = rememberSeen(seen, ['n1', 'n2'], T0, MIN);
		expect(Object.keys(next)).toHaveLength(SEEN_MAX_ENTRIES);
		expect(next.k0).toBeUndefined();
		expect(next.k1).toBeUndefined();
		expect(next.k2).toBe(T0 - SEEN_MAX_ENTRIES + 2);
		expect(next.n1).toBe(T0);
		expect(next.n2).toBe(T0);
	});

	it('does not change the object it was given', () => {
		const seen = { a: T0 };
		rememberSeen(seen, ['b'], T0, MIN);
		expect(seen).toEqual({ a: T0 });
	});
});

describe('advance', () => {
	it('moves only the feeds read, remembers the emitted keys, and returns a new object', () => {
		const position = saved({ clients: { since: iso(T0), offset: 50 }, seen: { x: T0 - MIN } });
		const next = advance(position, [{ feed: 'visits', complete: true, readFrom: T0 + MIN }], ['klx-visit-1'], T0 + 2 * MIN, 10 * MIN);
		expect(next).not.toBe(position);
		expect(next.clients).toEqual({ since: iso(T0), offset: 50 });
		expect(next.clients).not.toBe(position.clients);
		expect(next.visits).toEqual({ since: iso(T0 + MIN) });
		expect(next.seen).toEqual({ x: T0 - MIN, 'klx-visit-1': T0 + 2 * MIN });
		expect(position.visits).toEqual({ since: iso(T0 - 5 * MIN) });
		expect(wasSeen(next, 'klx-visit-1')).toBe(true);
		expect(wasSeen(next, 'toString')).toBe(false);
	});

	it('is JSON-safe: what n8n stores is what the next poll reads', () => {
		const next = advance(saved(), [{ feed: 'clients', complete: false, nextOffset: 7 }], ['a'], T0, MIN);
		expect(loadPosition(JSON.parse(JSON.stringify(next)), cfg, T0 + MIN, null)).toEqual({ position: next, fresh: false });
	});
});
