import {
	NodeOperationError,
	sleep,
	type IDataObject,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type NodeApiError,
} from 'n8n-workflow';

import { runWithConcurrency } from '../../utils/concurrency';
import { deadlineFailure, itemBudgetMs, startDeadline, untilAborted, type Deadline } from '../../transport/deadline';
import { deliverLead, type DeliveryOutcome, type Resolution } from './send/delivery';
import { deliveryDescription, duplicateCheckError, headline, itemError, trafficLightError } from '../nodeErrors';
import { FEED_BATCH_SIZE, findByLeadIds, type FeedLead, type LeadIdLookup } from '../../transport/feed';
import { accountKey, inFlightKeys, sendOnce, type InFlightOutcome } from '../../duplicates/inFlightLeads';
import { lookUpShared } from '../../duplicates/sharedLookups';
import { rateLimitAllowanceMs } from '../../transport/throttle';
import { openConnection, type CallFailure, type TrafficLightConnection } from '../../transport/request';
import { buildLeadForm, type LeadForm } from '../../leadRules/validation';
import { concurrencyOf, DEFAULTS, retryAttemptsOf, timeoutMsOf, type NodeOptions } from '../options';

type Prepared =
	| { ok: true; form: LeadForm; leadId?: string; timeoutMs: number; retryAttempts: number; skipDuplicates: boolean }
	| { ok: false; error: NodeApiError | NodeOperationError };

type ReadyItem = Extract<Prepared, { ok: true }>;

type ItemResult = {
	json: IDataObject;
	error?: NodeApiError | NodeOperationError;
	delivered?: boolean;
	resolution?: Resolution;
};

/** Outcomes after which the lead is known to be absent from Traffic Light, so sending it again cannot duplicate it. */
const PROVEN_NOT_DELIVERED: ReadonlySet<Resolution> = new Set<Resolution>([
	'rejected',
	'unreachable',
	'rateLimited',
	'outOfTime',
	'notFoundInFeed',
]);

/**
 * Concurrency, and the timeout and retries of the batched duplicate check, apply to the whole run:
 * they come from the first item. If its options cannot be read, the defaults apply to the run and
 * the first item fails on its own in prepare().
 */
function runOptions(ctx: IExecuteFunctions): NodeOptions {
	try {
		return ctx.getNodeParameter('options', 0, {}) as NodeOptions;
	} catch {
		return {};
	}
}

function prepare(ctx: IExecuteFunctions, itemIndex: number): Prepared {
	try {
		const read = (name: string, fallback: unknown) => ctx.getNodeParameter(name, itemIndex, fallback);
		const options = read('options', {}) as NodeOptions;
		const validation = buildLeadForm({
			offerId: read('offerId', ''),
			phone: read('phone', ''),
			country: read('country', ''),
			additionalFields: read('additionalFields', {}) as IDataObject,
		});
		if (!validation.ok) {
			const { field, message, fix } = validation.problem;
			return {
				ok: false,
				error: new NodeOperationError(ctx.getNode(), `${message} — nothing was sent`, {
					itemIndex,
					description: `${fix} (field: ${field})`,
				}),
			};
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
		// A parameter expression that fails for this item (e.g. a missing field).
		return { ok: false, error: itemError(ctx.getNode(), error, itemIndex) };
	}
}

function duplicateJson(leadId: string, existing: { trafficLightId: unknown; status: unknown }, source: string): IDataObject {
	return {
		trafficLightId: existing.trafficLightId as IDataObject[string],
		leadId,
		duplicate: true,
		duplicateOf: source,
		status: (existing.status ?? null) as IDataObject[string],
		confirmedByFeed: false,
		attempts: 0,
		sent: null,
	};
}

/** A lead not sent because an earlier send of the same Lead ID (`sender`) ended with an unknown outcome. */
function heldBack(node: INode, leadId: string, sender: string, itemIndex: number): ItemResult {
	const message = `Lead ID "${leadId}" was held back: ${sender} and its outcome is unknown — nothing was sent for this item`;
	const error = new NodeOperationError(node, message, {
		itemIndex,
		description: `Sending it now could create a duplicate. Check with Lead → Get Status by Lead ID "${leadId}"; if Traffic Light does not have the lead, run the workflow again.`,
	});
	return { json: { error: message, leadId, outcome: 'heldBack' }, error };
}

/** What a concurrent execution waiting on the same Lead ID learns from this send. */
function inFlightOutcomeOf(outcome: DeliveryOutcome): InFlightOutcome {
	if (outcome.delivered) return { state: 'delivered', trafficLightId: outcome.trafficLightId };
	return PROVEN_NOT_DELIVERED.has(outcome.resolution) ? { state: 'notDelivered' } : { state: 'unknown' };
}

function deliveredJson(form: LeadForm, outcome: Extract<DeliveryOutcome, { delivered: true }>): IDataObject {
	const json: IDataObject = {
		trafficLightId: outcome.trafficLightId,
		leadId: form.id ?? null,
		duplicate: false,
		confirmedByFeed: outcome.confirmedByFeed,
		attempts: outcome.attempts,
		sent: { ...form },
		answer: outcome.answer,
	};
	if (outcome.recoveredFrom) json.recoveredFrom = outcome.recoveredFrom.kind;
	return json;
}

/** What the feed says about an item's Lead ID before it is sent. */
type FeedCheck =
	| { kind: 'send' }
	| { kind: 'inFeed'; lead: FeedLead }
	| { kind: 'lookupFailed'; failure: CallFailure }
	/** Not in the feed, but an earlier item of this run has the same Lead ID. */
	| { kind: 'sameRun'; first: number };

type CheckedItem = { prepared: Prepared; check: Promise<FeedCheck> };

/** The first item of the run with a Lead ID, and the feed look-up that covers it. */
type FirstSeen = { index: number; lookup: Promise<LeadIdLookup> };

interface SendRun {
	ctx: IExecuteFunctions;
	node: INode;
	connection: TrafficLightConnection;
	lookupPolicy: { timeoutMs: number; retryAttempts: number };
	cancel?: AbortSignal;
	/** The Traffic Light account: feed look-ups of concurrent executions for it share requests. */
	account: string;
	/** The key under which a Lead ID of this account is registered while it is being sent. */
	inFlightKey: (leadId: string) => string;
	/** Set once a feed look-up failed: the later ones would wait out the same failure, so they are not made. */
	feedFailure?: CallFailure;
	/** Each started item's result, for a later item with the same Lead ID to wait on. */
	started: Array<Promise<ItemResult> | undefined>;
}

const SEND: FeedCheck = { kind: 'send' };

function needsCheck(prepared: Prepared): prepared is ReadyItem & { leadId: string } {
	return prepared.ok && prepared.skipDuplicates && prepared.leadId !== undefined;
}

async function lookUp(run: SendRun, leadIds: string[]): Promise<LeadIdLookup> {
	if (run.feedFailure) return { ok: false, failure: run.feedFailure };
	const { timeoutMs, retryAttempts } = run.lookupPolicy;
	// A look-up answers many items, so it has a budget of its own; each item waits for it only within its own.
	const deadline = startDeadline(run.cancel, itemBudgetMs(timeoutMs, retryAttempts));
	const own = async (ids: string[]) => await findByLeadIds.call(run.ctx, run.connection, ids, timeoutMs, retryAttempts, deadline);
	const lookup = await lookUpShared(run.account, run, leadIds, own, deadline);
	if (!lookup.ok) run.feedFailure ??= lookup.failure;
	return lookup;
}

/**
 * Items read between two turns of the event loop. Reading one costs n8n an evaluation of its expressions:
 * a whole window of 50 read at once would stall the answers and sends of the leads on the wire.
 */
const READ_CHUNK = 10;

/** Reads the items from `start` to `end` and starts one feed look-up for the Lead IDs not seen earlier in the run. */
async function readWindow(run: SendRun, start: number, end: number, firstSeen: Map<string, FirstSeen>): Promise<Prepared[]> {
	const prepared: Prepared[] = [];
	for (let index = start; index < end; index++) {
		if (index > start && (index - start) % READ_CHUNK === 0) await sleep(0);
		prepared.push(prepare(run.ctx, index));
	}
	const firstHere = new Map<string, number>();
	prepared.forEach((item, k) => {
		if (needsCheck(item) && !firstSeen.has(item.leadId) && !firstHere.has(item.leadId)) firstHere.set(item.leadId, start + k);
	});
	if (firstHere.size === 0) return prepared;
	const lookup = lookUp(run, [...firstHere.keys()]);
	for (const [leadId, index] of firstHere) firstSeen.set(leadId, { index, lookup });
	return prepared;
}

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
function itemReader(run: SendRun, count: number, firstWindowSize: number): (index: number) => Promise<CheckedItem> {
	const firstSeen = new Map<string, FirstSeen>();
	const windows: Array<Promise<Prepared[]>> = [];
	const startOf = (w: number) => Math.min(count, w === 0 ? 0 : firstWindowSize + (w - 1) * FEED_BATCH_SIZE);
	const windowOf = (w: number): Promise<Prepared[]> => {
		// Windows are read in order, each after a turn of the event loop so that the sends already
		// started go out, and answers already in are handled, before this window's parameters are read.
		windows[w] ??= (w === 0 ? Promise.resolve() : windowOf(w - 1).then(async () => await sleep(0))).then(() =>
			readWindow(run, startOf(w), startOf(w + 1), firstSeen),
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

/** An earlier item of this run has the same Lead ID: its outcome decides whether this one is sent. */
async function afterEarlierItem(
	run: SendRun,
	index: number,
	first: number,
	leadId: string,
	deadline: Deadline,
): Promise<ItemResult | undefined> {
	const settled = await untilAborted(Promise.resolve(run.started[first]), deadline.signal);
	if (!settled) return heldBack(run.node, leadId, `item ${first} of this run is still sending the same Lead ID`, index);
	const earlier = settled.value;
	if (earlier?.delivered || earlier?.json.duplicate === true) {
		return { json: duplicateJson(leadId, { trafficLightId: earlier.json.trafficLightId, status: null }, 'thisRun') };
	}
	if (earlier && !(earlier.resolution && PROVEN_NOT_DELIVERED.has(earlier.resolution))) {
		return heldBack(run.node, leadId, `item ${first} of this run sent the same Lead ID`, index);
	}
	return undefined;
}

/** The result of an item that must not be sent, or undefined when it may be. */
async function resultWithoutSending(
	run: SendRun,
	index: number,
	prepared: ReadyItem,
	check: FeedCheck,
	deadline: Deadline,
): Promise<ItemResult | undefined> {
	const leadId = prepared.leadId as string;
	if (check.kind === 'lookupFailed') {
		const { message, error } = duplicateCheckError(run.node, check.failure, leadId, prepared.timeoutMs, index);
		return { json: { error: message, leadId }, error };
	}
	if (check.kind === 'inFeed') {
		return { json: duplicateJson(leadId, { trafficLightId: check.lead.id, status: check.lead.status }, 'trafficLight') };
	}
	if (check.kind === 'sameRun') return await afterEarlierItem(run, index, check.first, leadId, deadline);
	return undefined;
}

function resultOfDelivery(run: SendRun, index: number, item: ReadyItem, outcome: DeliveryOutcome): ItemResult {
	if (outcome.delivered) return { json: deliveredJson(item.form, outcome), delivered: true };
	const { leadId, timeoutMs } = item;
	const message = headline(outcome.failure, timeoutMs, 'lead');
	const description = deliveryDescription(outcome, leadId, timeoutMs);
	const error = trafficLightError(run.node, outcome.failure, message, description, index);
	return {
		json: { error: message, description, leadId: leadId ?? null, outcome: outcome.resolution, attempts: outcome.attempts },
		error,
		resolution: outcome.resolution,
	};
}

async function sendItem(run: SendRun, index: number, item: ReadyItem, deadline: Deadline): Promise<ItemResult> {
	const policy = { timeoutMs: item.timeoutMs, retryAttempts: item.retryAttempts, deadline };
	const deliver = async () => await deliverLead.call(run.ctx, run.connection, item.form, policy);
	if (!needsCheck(item)) return resultOfDelivery(run, index, item, await deliver());
	// Another execution of this process may be sending the same Lead ID right now; its feed
	// look-up saw nothing either, so wait for its outcome instead of sending a second copy.
	const once = await sendOnce(run.inFlightKey(item.leadId), deliver, inFlightOutcomeOf, deadline.signal);
	if (once.sent) return resultOfDelivery(run, index, item, once.value);
	if (once.other.state === 'delivered') {
		return { json: duplicateJson(item.leadId, { trafficLightId: once.other.trafficLightId, status: null }, 'otherExecution') };
	}
	const sender =
		once.other.state === 'stillSending'
			? 'another execution is still sending the same Lead ID'
			: 'another execution sent the same Lead ID at the same moment';
	return heldBack(run.node, item.leadId, sender, index);
}

/** One item, from its feed check to its outcome, within its own deadline. */
async function handleItem(run: SendRun, index: number, { prepared, check }: CheckedItem): Promise<ItemResult> {
	if (!prepared.ok) return { json: { error: prepared.error.message }, error: prepared.error };
	const deadline = startDeadline(run.cancel, itemBudgetMs(prepared.timeoutMs, prepared.retryAttempts));
	const checked = await untilAborted(check, deadline.signal);
	const feed: FeedCheck = checked ? checked.value : { kind: 'lookupFailed', failure: deadlineFailure(deadline) };
	const notSent = await resultWithoutSending(run, index, prepared, feed, deadline);
	return notSent ?? (await sendItem(run, index, prepared, deadline));
}

/** Without continueOnFail the execution fails with the first error, saying which leads got through before it. */
function throwFirstError(results: Array<ItemResult | undefined>): void {
	const firstError = results.find((r) => r?.error)?.error;
	if (!firstError) return;
	const delivered = results.filter((r) => r?.delivered).length;
	if (delivered > 0) {
		firstError.description = `${firstError.description ?? ''} Before this failure, ${delivered} other lead(s) of this run reached Traffic Light; with Lead IDs and Skip Duplicates on, running the workflow again will not send them twice.`.trim();
	}
	throw firstError;
}

function outputItem(result: ItemResult | undefined, index: number): INodeExecutionData {
	const out: INodeExecutionData = { json: result?.json ?? {}, pairedItem: { item: index } };
	if (result?.error) out.error = result.error;
	return out;
}

export async function sendLeads(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const count = this.getInputData().length;
	const continueOnFail = this.continueOnFail();
	const options = runOptions(this);
	const connection = await openConnection.call(this, rateLimitAllowanceMs(timeoutMsOf(options)));
	const apiKey = String(connection.credentials.data?.apiKey ?? '');
	const run: SendRun = {
		ctx: this,
		node: this.getNode(),
		connection,
		lookupPolicy: { timeoutMs: timeoutMsOf(options), retryAttempts: retryAttemptsOf(options) },
		cancel: this.getExecutionCancelSignal?.(),
		account: accountKey(connection.baseUrl, apiKey),
		inFlightKey: inFlightKeys(connection.baseUrl, apiKey),
		started: new Array(count),
	};
	const concurrency = concurrencyOf(options);
	const readItem = itemReader(run, count, concurrency);
	let failed = false;
	const results = await runWithConcurrency(
		count,
		concurrency,
		async (index) => {
			const result = readItem(index).then(async (checked) => await handleItem(run, index, checked));
			run.started[index] = result;
			if ((await result).error && !continueOnFail) failed = true;
			return await result;
		},
		() => failed,
	);
	if (!continueOnFail) throwFirstError(results);
	return results.map(outputItem);
}
