import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IPollFunctions,
} from 'n8n-workflow';

import {
	klientiksGet,
	klientiksList,
	openKlientiks,
	PAGE_SIZE,
	KLIENTIKS_CREDENTIAL_TYPE,
} from '../Klientiks/transport/klientiksApi';
import { rowsOf } from '../Klientiks/transport/klientiksAnswers';
import { EVENT_PRESETS } from '../KlientiksTrigger/presets';
import { startDeadline } from '../shared/waits';
import {
	DEFAULT_POLL_BUDGET_MS,
	DEFAULT_TIME_ZONE,
	latestEvent,
	pollOnce,
	POSITION_KEY,
	type CatchUpSettings,
	type KlientiksReader,
} from './catchUp';
import { CATCH_UP_EVENTS, isTimeZone, type CatchUpEvent } from './catchUpItems';

/**
 * Polls under way in this process, by workflow and node: n8n starts a poll while the last one
 * still runs, and both would read the same position. A poll that finds one running returns
 * nothing; the next tick goes on from where the running one ends.
 */
const running = new Set<string>();

const eventOptions = EVENT_PRESETS.filter((p) => (CATCH_UP_EVENTS as readonly string[]).includes(p.value))
	.map(({ name, value, description }) => ({ name, value, description }))
	.sort((a, b) => a.name.localeCompare(b.name));

// Notice text is rendered as HTML; these constant texts have no "&" or "<" in them.
const notice = (name: string, text: string) => ({ displayName: text, name, type: 'notice' as const, default: '' });

function readSettings(ctx: IPollFunctions): CatchUpSettings {
	const node = ctx.getNode();
	const events = (ctx.getNodeParameter('events', []) as string[]).filter((e): e is CatchUpEvent => (CATCH_UP_EVENTS as readonly string[]).includes(e));
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const emitRaw = options.emitRawRows === true;
	if (!events.length && !emitRaw) {
		throw new NodeOperationError(node, 'No event selected', { itemIndex: 0, description: 'Pick at least one of the Events in the node.' });
	}
	const timeZone = String(options.timeZone ?? DEFAULT_TIME_ZONE).trim() || DEFAULT_TIME_ZONE;
	if (!isTimeZone(timeZone)) {
		throw new NodeOperationError(node, `Account Time Zone "${timeZone.slice(0, 60)}" is not a time zone name`, {
			itemIndex: 0,
			description: 'Use a name such as Europe/Moscow or Asia/Yekaterinburg: the zone set for your account in Klientiks.',
		});
	}
	const startText = typeof options.startFrom === 'string' ? options.startFrom.trim() : '';
	if (startText !== '' && Number.isNaN(Date.parse(startText))) {
		throw new NodeOperationError(node, `Start From "${startText.slice(0, 60)}" is not a date and time`, { itemIndex: 0 });
	}
	const overlapMinutes = Number(options.overlapMinutes ?? 10);
	const maxRows = Number(options.maxRows ?? 1000);
	const budgetMs = typeof ctx.getPollBudgetMs === 'function' ? ctx.getPollBudgetMs() : DEFAULT_POLL_BUDGET_MS;
	return {
		events,
		emitRaw,
		overlapMs: Math.max(0, Number.isFinite(overlapMinutes) ? overlapMinutes : 10) * 60_000,
		startFrom: startText === '' ? null : startText,
		timeZone,
		maxRows: Math.max(1, Number.isFinite(maxRows) ? Math.floor(maxRows) : 1000),
		// New requests stop at half the budget: the request under way and the hand-over fit in the rest.
		budgetMs: budgetMs / 2,
	};
}

/** A trigger has no input: every item is paired with the one the execution starts from, as the webhook triggers' are. */
const asOutput = (items: IDataObject[]): INodeExecutionData[] => items.map((json) => ({ json, pairedItem: { item: 0 } }));

// The class is the file's only export: n8n and scripts/check-pack.js take the node from it.
export class KlientiksCatchUpTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Klientiks Catch-up Trigger',
		name: 'klientiksCatchUpTrigger',
		icon: { light: 'file:klientiksCatchUpTrigger.svg', dark: 'file:klientiksCatchUpTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ ($parameter["events"] || []).join(", ") }}',
		description: 'Reads Klientiks events from the Klientiks API on a schedule, with the Lead IDs the Klientiks Trigger gives them',
		defaults: { name: 'Klientiks Catch-up Trigger' },
		credentials: [{ name: KLIENTIKS_CREDENTIAL_TYPE, required: true }],
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [
			notice(
				'setupNotice',
				'Reads what changed in Klientiks through its API (tariff PRO+ or API, with Settings → API → «Включить api» ticked) and starts the workflow ' +
					'with the items the Klientiks Trigger would have given, same Lead IDs. Beside a Klientiks Trigger it catches up on calls that never reached n8n: ' +
					'connect both to one Traffic Light node, whose duplicate check keeps one lead per event. Alone, it brings events to an n8n that Klientiks cannot call, ' +
					'within one poll interval. The first poll starts from now. Do not rename this node: its position is kept under its name.',
			),
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: [],
				options: eventOptions,
				description: 'Klientiks events that start the workflow',
			},
			notice('invoiceNotice', 'Invoice Created is not available here: the Klientiks API has no known list of invoices. Use the Klientiks Trigger for it.'),
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Account Time Zone',
						name: 'timeZone',
						type: 'string',
						default: DEFAULT_TIME_ZONE,
						description: "The time zone of your Klientiks account: the API's times carry none",
					},
					{
						displayName: 'Emit Raw Changed Rows',
						name: 'emitRawRows',
						type: 'boolean',
						default: false,
						description:
							'Whether to emit every changed row of the feeds as it is (with the Lead ID its event would have) instead of events, for an account whose rows do not follow the rules in the docs',
					},
					{
						displayName: 'Max Rows per Poll',
						name: 'maxRows',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 1000,
						description: 'Most rows one poll reads; the rest are read by the next polls, nothing skipped',
					},
					{
						displayName: 'Overlap (Minutes)',
						name: 'overlapMinutes',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 10,
						description: 'Each poll reads again this far back, so a row changed while the last poll ran is not missed. Events already emitted are not emitted again.',
					},
					{
						displayName: 'Start From',
						name: 'startFrom',
						type: 'dateTime',
						default: '',
						description: 'Emit events from this moment on at the first poll (history); empty starts from now',
					},
				],
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const settings = readSettings(this);
		const manual = this.getMode() === 'manual';
		const key = `${this.getWorkflow().id ?? ''}:${this.getNode().id}`;
		if (!manual && running.has(key)) return null;
		if (!manual) running.add(key);
		try {
			const c = await openKlientiks.call(this, { deadline: startDeadline(undefined, settings.budgetMs * 2) });
			const reader: KlientiksReader = {
				account: c.accountId,
				list: async (params, query, bounds) => await klientiksList.call(this, c, params, query, bounds),
				appointment: async (id) => rowsOf(await klientiksGet.call(this, c, 'getAppointment', [['id', id]]))[0] ?? null,
			};
			if (manual) {
				// The editor's "Fetch Test Event": never reads or moves the position (n8n does not save it for a manual run either).
				const latest = await latestEvent(reader, settings, () => Date.now(), PAGE_SIZE);
				if (!latest) {
					throw new NodeOperationError(this.getNode(), 'No event of the selected kinds in Klientiks in the last 7 days', {
						itemIndex: 0,
						description: 'Make one happen in Klientiks (for example, add a test client) and fetch again.',
					});
				}
				return [asOutput([latest])];
			}
			const data = this.getWorkflowStaticData('node');
			const outcome = await pollOnce(reader, data[POSITION_KEY], settings, () => Date.now());
			// Assigned as a whole and only now, after every read succeeded: n8n notices a top-level assignment only.
			data[POSITION_KEY] = outcome.position as unknown as IDataObject;
			return outcome.items.length ? [asOutput(outcome.items)] : null;
		} finally {
			if (!manual) running.delete(key);
		}
	}
}
