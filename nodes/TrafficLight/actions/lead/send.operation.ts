import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { OPTIONAL_LEAD_FIELDS, REQUIRED_LEAD_FIELDS, type LeadFieldSpec } from '../../leadRules';
import { deadlineFailure, RATE_LIMIT_ALLOWANCE_TIMEOUTS, rateLimitAllowanceMs, startDeadline, untilAborted } from '../../../shared/waits';
import { openConnection } from '../../transport/trafficLightApi';
import { DEFAULTS, MAX_CONCURRENCY, MAX_RETRY_ATTEMPTS, optionsCollection, runOptions, timeoutOption } from '../options';
import { accountKey, lookUp, resultWithoutSending, sendUnlessInFlight, type SendRun } from './send/duplicateCheck';
import { FEED_CHECK_DELAYS_MS, ITEM_BUDGET, itemBudgetMs } from './send/delivery';
import { itemReader, type CheckedItem, type FeedCheck } from './send/items';
import { outputItem, throwFirstError, type ItemResult } from './send/results';

const displayOptions = { show: { resource: ['lead'], operation: ['send'] } };
// Plain names: n8n's lint rules accept a default given as a literal, a name or a call, not `DEFAULTS.x`.
const { concurrency, retryAttempts } = DEFAULTS;
const defaultBudgetMinutes = itemBudgetMs(DEFAULTS.timeoutSeconds * 1000, retryAttempts) / 60_000;

/** A lead field in the editor: one of its own when required, else an option of Additional Fields. */
function leadField(spec: LeadFieldSpec): INodeProperties {
	const { rule } = spec;
	const isNumber = rule?.kind === 'wholeNumber';
	const option: INodeProperties = {
		displayName: spec.displayName,
		name: spec.param,
		type: isNumber ? 'number' : 'string',
		default: isNumber ? Number(spec.sentByDefault ?? 0) : (spec.sentByDefault ?? spec.editorDefault ?? ''),
		description: spec.description,
	};
	if (spec.placeholder) option.placeholder = spec.placeholder;
	if (spec.multiline) option.typeOptions = { rows: 3 };
	if (isNumber) option.typeOptions = { minValue: rule.min, maxValue: rule.max, numberPrecision: 0 };
	if (spec.whenEmpty) Object.assign(option, { required: true, displayOptions });
	return option;
}

export const description: INodeProperties[] = [
	{
		displayName:
			'Keep "Retry On Fail" in this node\'s Settings off: it resends leads whose outcome is unknown and can create duplicates. The node retries safe failures by itself and checks unknown ones by Lead ID.',
		name: 'retryNotice',
		type: 'notice',
		default: '',
		displayOptions,
	},
	...REQUIRED_LEAD_FIELDS.map(leadField),
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions,
		options: [...OPTIONAL_LEAD_FIELDS]
			.sort((a, b) => a.displayName.localeCompare(b.displayName))
			.map(leadField),
	},
	optionsCollection(displayOptions, [
		{
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			default: concurrency,
			typeOptions: { minValue: 1, maxValue: MAX_CONCURRENCY, numberPrecision: 0 },
			description: 'How many leads of one run are sent at the same time. Output order always equals input order.',
		},
		{
			displayName: 'Retry Attempts',
			name: 'retryAttempts',
			type: 'number',
			default: retryAttempts,
			typeOptions: { minValue: 0, maxValue: MAX_RETRY_ATTEMPTS, numberPrecision: 0 },
			description:
				'How many times to resend a lead after a failure that proves it did not arrive: connection refused, host not found, HTTP 429 or 503. Waits 1, 2, 4… seconds in between. Timeouts are never resent.',
		},
		{
			displayName: 'Skip Duplicates',
			name: 'skipDuplicates',
			type: 'boolean',
			// A boolean literal, as n8n's lint rules demand; the description test holds it equal to DEFAULTS.
			default: true,
			description:
				'Whether to look the Lead ID up in Traffic Light before sending and skip leads it already has (output with duplicate = true). Acts only on items with a Lead ID.',
		},
		timeoutOption(
			`A lead without an answer fails instead of blocking the workflow. Everything for one lead — duplicate check, resends, waits, and up to ${FEED_CHECK_DELAYS_MS.length} feed checks after a timeout — ends within ${ITEM_BUDGET.replace('Timeout', 'this')}: ${defaultBudgetMinutes} minutes at the defaults. A run stops once HTTP 429/503 refusals have held it back for ${RATE_LIMIT_ALLOWANCE_TIMEOUTS} × this in all.`,
		),
	]),
];

/** One item, from its feed check to its outcome, within its own deadline. */
async function handleItem(run: SendRun, index: number, { prepared, check }: CheckedItem): Promise<ItemResult> {
	if (!prepared.ok) return { json: { error: prepared.error.message, outcome: 'invalid' }, error: prepared.error };
	const deadline = startDeadline(run.cancel, itemBudgetMs(prepared.timeoutMs, prepared.retryAttempts));
	const checked = await untilAborted(check, deadline.signal);
	const feed: FeedCheck = checked ? checked.value : { kind: 'lookupFailed', failure: deadlineFailure(deadline) };
	const notSent = await resultWithoutSending(run, index, prepared, feed, deadline);
	return notSent ?? (await sendUnlessInFlight(run, index, prepared, deadline));
}

export async function execute(this: IExecuteFunctions): Promise<INodeExecutionData[]> {
	const count = this.getInputData().length;
	const continueOnFail = this.continueOnFail();
	const policy = runOptions(this);
	const connection = await openConnection.call(this, rateLimitAllowanceMs(policy.timeoutMs));
	const run: SendRun = {
		ctx: this,
		node: this.getNode(),
		connection,
		lookupPolicy: policy,
		cancel: this.getExecutionCancelSignal?.(),
		account: accountKey(connection.baseUrl, String(connection.credentials.data?.apiKey ?? '')),
		started: new Array(count),
	};
	const readItem = itemReader(this, async (leadIds) => await lookUp(run, leadIds), count, policy.concurrency);
	// Output order equals input order. After a failure without continueOnFail no further item starts;
	// those on the wire finish (a request cannot be taken back) and the rest stay undefined.
	const results = new Array<ItemResult | undefined>(count).fill(undefined);
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (next < count && !failed) {
			const index = next++;
			const result = readItem(index).then(async (checked) => await handleItem(run, index, checked));
			run.started[index] = result;
			results[index] = await result;
			if (results[index]?.error && !continueOnFail) failed = true;
		}
	};
	await Promise.all(Array.from({ length: Math.min(policy.concurrency, count) }, worker));
	if (!continueOnFail) throwFirstError(results);
	return results.map(outputItem);
}
