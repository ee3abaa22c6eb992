import { NodeOperationError, sleep, type IDataObject, type IExecuteFunctions, type NodeApiError } from 'n8n-workflow';

import { buildLeadForm, type LeadForm } from '../../../leadRules';
import type { CallFailure } from '../../../../shared/waits';
import { FEED_BATCH_SIZE, type FeedLead, type LeadIdLookup } from '../../../transport/trafficLightApi';
import { itemError } from '../../nodeErrors';
import { DEFAULTS, readOptions, retryAttemptsOf, timeoutMsOf } from '../../options';

// Reading and validating Lead → Send's items, window by window: nothing here makes a request itself.

type Prepared =
	| { ok: true; form: LeadForm; leadId?: string; timeoutMs: number; retryAttempts: number; skipDuplicates: boolean }
	| { ok: false; error: NodeApiError | NodeOperationError };

export type ReadyItem = Extract<Prepared, { ok: true }>;

function prepare(ctx: IExecuteFunctions, itemIndex: number): Prepared {
	try {
		const read = (name: string, fallback: unknown) => ctx.getNodeParameter(name, itemIndex, fallback);
		const options = readOptions(ctx, itemIndex);
		const validation = buildLeadForm({
			offerId: read('offerId', ''),
			phone: read('phone', ''),
			country: read('country', ''),
			additionalFields: read('additionalFields', {}) as IDataObject,
		});
		if (!validation.ok) {
			const { field, message, fix } = validation.problem;
			throw new NodeOperationError(ctx.getNode(), `${message} — nothing was sent`, {
				itemIndex,
				description: `${fix} (field: ${field})`,
			});
		}
		return {
			ok: true,
			form: validation.form,
			leadId: validation.form.id,
			timeoutMs: timeoutMsOf(options),
			retryAttempts: retryAttemptsOf(options),
			skipDuplicates: options.skipDuplicates ?? DEFAULTS.skipDuplicates,
		};
	} catch (error) {
		// An invalid lead, or a parameter expression that fails for this item (e.g. a missing field).
		return { ok: false, error: itemError(ctx.getNode(), error, itemIndex) };
	}
}

export function needsCheck(prepared: Prepared): prepared is ReadyItem & { leadId: string } {
	return prepared.ok && prepared.skipDuplicates && prepared.leadId !== undefined;
}

// Reads the send's items window by window and pairs each with its feed check (duplicate protection, layers 1 and 2).

/** Looks Lead IDs up in the lead feed. */
type LookUp = (leadIds: string[]) => Promise<LeadIdLookup>;

/** What the feed says about an item's Lead ID before it is sent. */
export type FeedCheck =
	| { kind: 'send' }
	| { kind: 'inFeed'; lead: FeedLead }
	| { kind: 'lookupFailed'; failure: CallFailure }
	/** Not in the feed, but an earlier item of this run has the same Lead ID. */
	| { kind: 'sameRun'; first: number };

export type CheckedItem = { prepared: Prepared; check: Promise<FeedCheck> };

/** The first item of the run with a Lead ID, and the feed look-up that covers it. */
type FirstSeen = { index: number; lookup: Promise<LeadIdLookup> };

const SEND: FeedCheck = { kind: 'send' };

/**
 * Items read between two turns of the event loop. Reading one costs n8n an evaluation of its expressions:
 * a whole window of 50 read at once would stall the answers and sends of the leads on the wire.
 */
const READ_CHUNK = 10;

async function feedCheck(prepared: Prepared, index: number, firstSeen: Map<string, FirstSeen>): Promise<FeedCheck> {
	if (!needsCheck(prepared)) return SEND;
	const first = firstSeen.get(prepared.leadId) as FirstSeen;
	const lookup = await first.lookup;
	if (!lookup.ok) return { kind: 'lookupFailed', failure: lookup.failure };
	const lead = lookup.found.get(prepared.leadId);
	if (lead) return { kind: 'inFeed', lead };
	return first.index === index ? SEND : { kind: 'sameRun', first: first.index };
}

/**
 * Reads and checks the items window by window, as the sends reach them: the first window holds as
 * many items as may be in flight, so the first leads leave after reading only those; every later
 * window is one feed request's worth and is read while the window before it is on the wire.
 */
export function itemReader(
	ctx: IExecuteFunctions,
	lookUp: LookUp,
	count: number,
	firstWindowSize: number,
): (index: number) => Promise<CheckedItem> {
	const firstSeen = new Map<string, FirstSeen>();
	const windows: Array<Promise<Prepared[]>> = [];
	const startOf = (w: number) => Math.min(count, w === 0 ? 0 : firstWindowSize + (w - 1) * FEED_BATCH_SIZE);
	/** Reads the items from `start` to `end` and starts one feed look-up for the Lead IDs not seen earlier in the run. */
	const readWindow = async (start: number, end: number): Promise<Prepared[]> => {
		const prepared: Prepared[] = [];
		const firstHere = new Map<string, number>();
		for (let index = start; index < end; index++) {
			if (index > start && (index - start) % READ_CHUNK === 0) await sleep(0);
			const item = prepare(ctx, index);
			prepared.push(item);
			if (needsCheck(item) && !firstSeen.has(item.leadId) && !firstHere.has(item.leadId)) firstHere.set(item.leadId, index);
		}
		if (firstHere.size === 0) return prepared;
		const lookup = lookUp([...firstHere.keys()]);
		for (const [leadId, index] of firstHere) firstSeen.set(leadId, { index, lookup });
		return prepared;
	};
	const windowOf = (w: number): Promise<Prepared[]> => {
		// Windows are read in order, each after a turn of the event loop so that the sends already
		// started go out, and answers already in are handled, before this window's parameters are read.
		windows[w] ??= (w === 0 ? Promise.resolve() : windowOf(w - 1).then(async () => await sleep(0))).then(() =>
			readWindow(startOf(w), startOf(w + 1)),
		);
		return windows[w];
	};
	return async (index) => {
		const w = index < firstWindowSize ? 0 : 1 + Math.floor((index - firstWindowSize) / FEED_BATCH_SIZE);
		const prepared = (await windowOf(w))[index - startOf(w)];
		if (startOf(w + 1) < count) void windowOf(w + 1);
		return { prepared, check: feedCheck(prepared, index, firstSeen) };
	};
}

