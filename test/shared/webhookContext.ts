import type { IDataObject, INodeType, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

/**
 * A hand-rolled stand-in for the IWebhookFunctions n8n passes to `webhook()`:
 * only what the triggers read, shaped like n8n's express request (the raw
 * query string lives in `originalUrl`, a form body's bytes in `rawBody`).
 */
export interface FakeCall {
	method?: string;
	/** The query string exactly as sent, without the leading `?`. */
	query?: string;
	/** Parsed body as n8n would hand it over (`getBodyData()`). */
	body?: unknown;
	/** The body's bytes, as n8n keeps them on `req.rawBody`. */
	rawBody?: Uint8Array;
	headers?: Record<string, string>;
	/** Node parameters (`getNodeParameter`). */
	parameters?: Record<string, unknown>;
	/** Leave `originalUrl` out: the node then reads the call as having no query. */
	withoutUrl?: boolean;
	/** What `getQueryData()` returns (defaults to a naive parse of `query`). */
	parsedQuery?: IDataObject;
	/** `getMode()`: "webhook" (a production call, the default) or "manual" (a test call). */
	mode?: string;
	/**
	 * The workflow's id. By default every call gets a workflow of its own, so
	 * that the repeat door (process-wide) never holds a call back unless a
	 * test names one workflow for its calls.
	 */
	workflowId?: string;
	/** The trigger node's id (default "trigger-node-1"). */
	nodeId?: string;
}

let workflowCounter = 0;

export interface FakeResponse {
	writeHead: jest.Mock;
	end: jest.Mock;
	status: jest.Mock;
	json: jest.Mock;
	send: jest.Mock;
}

export interface CallResult {
	result: IWebhookResponseData;
	response: FakeResponse;
	context: IWebhookFunctions;
	/** The one emitted item's json, when there is one. */
	item: IDataObject | undefined;
	/** Status and body of a response the node wrote itself (403). */
	written: { status: number; body: unknown } | undefined;
}

function naiveParse(query: string): IDataObject {
	const result: IDataObject = {};
	for (const [key, value] of new URLSearchParams(query)) result[key] = value;
	return result;
}

export function fakeResponse(): FakeResponse {
	const response = {} as FakeResponse;
	response.writeHead = jest.fn(() => response);
	response.end = jest.fn(() => response);
	response.status = jest.fn(() => response);
	response.json = jest.fn(() => response);
	response.send = jest.fn(() => response);
	return response;
}

export function fakeWebhookContext(call: FakeCall): { context: IWebhookFunctions; response: FakeResponse } {
	const query = call.query ?? '';
	const path = '/webhook/3f2c-test/webhook';
	const url = query === '' ? path : `${path}?${query}`;
	const request: Record<string, unknown> = {
		method: call.method ?? 'GET',
		headers: { ...(call.headers ?? {}) },
		body: call.body ?? {},
		query: call.parsedQuery ?? naiveParse(query),
	};
	if (!call.withoutUrl) request.originalUrl = url;
	if (call.rawBody) request.rawBody = call.rawBody;
	const response = fakeResponse();
	const parameters = call.parameters ?? {};
	const workflowId = call.workflowId ?? `fake-workflow-${++workflowCounter}`;
	const node = { id: call.nodeId ?? 'trigger-node-1', name: 'Trigger', type: 'trigger', typeVersion: 1, parameters };
	const context = {
		getNodeParameter: jest.fn((name: string, fallback?: unknown) =>
			name in parameters ? parameters[name] : fallback,
		),
		getMode: jest.fn(() => call.mode ?? 'webhook'),
		getWorkflow: jest.fn(() => ({ id: workflowId, name: 'Fake workflow', active: true })),
		getRequestObject: jest.fn(() => request),
		getResponseObject: jest.fn(() => response),
		getQueryData: jest.fn(() => request.query),
		getBodyData: jest.fn(() => request.body),
		getHeaderData: jest.fn(() => request.headers),
		getWebhookName: jest.fn(() => 'default'),
		getNode: jest.fn(() => node),
	} as unknown as IWebhookFunctions;
	return { context, response };
}

export async function callTrigger(node: INodeType, call: FakeCall): Promise<CallResult> {
	const { context, response } = fakeWebhookContext(call);
	if (!node.webhook) throw new Error('node has no webhook()');
	const result = await node.webhook.call(context);
	const item = result.workflowData?.[0]?.[0]?.json;
	let written: CallResult['written'];
	if (response.writeHead.mock.calls.length > 0) {
		const bodyText = response.end.mock.calls[0]?.[0];
		written = {
			status: response.writeHead.mock.calls[0][0] as number,
			body: typeof bodyText === 'string' ? JSON.parse(bodyText) : bodyText,
		};
	}
	return { result, response, context, item, written };
}

/** `encodeURIComponent` for the Windows-1251 bytes of a text (test input for the cp1251 fallback). */
export function encodeCp1251(text: string): string {
	let out = '';
	for (const char of text) {
		const code = char.codePointAt(0)!;
		let byte: number;
		if (code >= 0x0410 && code <= 0x044f) byte = code - 0x0410 + 0xc0;
		else if (code === 0x0401) byte = 0xa8;
		else if (code === 0x0451) byte = 0xb8;
		else if (code < 0x80) {
			out += encodeURIComponent(char);
			continue;
		} else throw new Error(`no cp1251 byte for ${char}`);
		out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
	}
	return out;
}
