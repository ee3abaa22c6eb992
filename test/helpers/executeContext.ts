// A stand-in for the IExecuteFunctions n8n passes to execute(), wired to n8n's
// REAL request helper (n8n-core's httpRequestWithAuthentication and the axios
// transport behind it). Only the credential lookup is ours: it applies the
// credential's authenticate() the way n8n's CredentialsHelper does for
// function-style authentication. So form encoding, query arrays, timeouts and
// error wrapping in these tests are n8n's own, not a re-implementation.
import type { ICredentialType, IDataObject, IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';

import { TrafficLightApi } from '../../credentials/TrafficLightApi.credentials';

// eslint-config note: n8n-core has no `exports` map, so the helper factory is reachable by path.
const { getRequestHelperFunctions } = require('n8n-core/dist/execution-engine/node-execution-context/utils/request-helpers') as {
	getRequestHelperFunctions: (workflow: unknown, node: INode, additionalData: unknown) => IExecuteFunctions['helpers'];
};

/** A parameter value, or a function of the item index (what an n8n expression does; the node sees "=…" for it). */
export type ParamValue = unknown | ((itemIndex: number) => unknown);

export interface ContextOptions {
	parameters: Record<string, ParamValue>;
	items?: INodeExecutionData[];
	credentials?: IDataObject | null;
	continueOnFail?: boolean;
	node?: Partial<INode>;
	/** The credential whose authenticate() n8n applies (Traffic Light's unless given); none applies nothing, as n8n does. */
	credentialType?: ICredentialType;
}

export interface TestContext extends IExecuteFunctions {
	/** Every request options object the node handed to the helper, after the credential was applied. */
	sentRequests: IDataObject[];
	/** How often the node asked n8n for the credential (each read is a database query and a decryption in n8n). */
	credentialReads: number;
}

/** The Traffic Light node as n8n hands it to execute(), with these stored parameters. */

/** A parameter given per item (a function of the item index) is stored in n8n as an expression. */
function storedForm(value: unknown): unknown {
	return typeof value === 'function' ? '={{ $json.perItem }}' : value;
}

export function trafficLightNode(parameters: INode['parameters']): INode {
	return {
		id: 'node-1',
		name: 'Traffic Light',
		type: 'n8n-nodes-klientiks-traffic-light.trafficLight',
		typeVersion: 1,
		position: [0, 0],
		parameters,
	};
}

export function createExecuteContext(options: ContextOptions): TestContext {
	const node: INode = {
		// What n8n keeps on the node: a value that differs per item is an expression ("=…").
		...trafficLightNode(
			Object.fromEntries(
				Object.entries(options.parameters).map(([name, value]) => [name, typeof value === 'function' ? '={{ $json }}' : value]),
			) as INode['parameters'],
		),
		...options.node,
	};
	const items = options.items ?? [{ json: {} }];
	const credentials = options.credentials === undefined ? { apiKey: 'tl-test-key-7f3a9c', baseUrl: 'http://127.0.0.1:9' } : options.credentials;
	const credentialType: ICredentialType = options.credentialType ?? new TrafficLightApi();
	const sentRequests: IDataObject[] = [];
	const additionalData = {
		credentialsHelper: {
			getParentTypes: () => [],
			preAuthentication: async () => undefined,
			authenticate: async (decrypted: IDataObject, _type: string, requestOptions: IDataObject) => {
				const authenticate = credentialType.authenticate as ((c: never, r: never) => Promise<IDataObject>) | undefined;
				const authenticated = authenticate ? await authenticate(decrypted as never, requestOptions as never) : requestOptions;
				sentRequests.push(authenticated);
				return authenticated;
			},
		},
	};
	const helpers = getRequestHelperFunctions({}, node, additionalData);

	const getNodeParameter = (name: string, itemIndex: number, fallback?: unknown, readOptions?: { rawExpressions?: boolean }): unknown => {
		// As n8n's rawExpressions read: the stored value; a per-item value stands for an expression.
		if (readOptions?.rawExpressions) return storedForm(options.parameters[name] ?? fallback);
		// As n8n's: a dotted name reads an entry of a collection ("additionalFields.comments").
		const [top, ...entry] = name.split('.');
		if (entry.length && top in options.parameters) {
			const value = entry.reduce<unknown>((v, key) => (v as IDataObject | undefined)?.[key], getNodeParameter(top, itemIndex));
			return value === undefined ? fallback : value;
		}
		if (!(name in options.parameters)) {
			if (fallback !== undefined) return fallback;
			throw new Error(`Test context: parameter "${name}" is not set`);
		}
		const value = options.parameters[name];
		return typeof value === 'function' ? (value as (i: number) => unknown)(itemIndex) : value;
	};

	const context = {
		sentRequests,
		credentialReads: 0,
		getInputData: () => items,
		getNode: () => node,
		getNodeParameter,
		continueOnFail: () => options.continueOnFail ?? false,
		getCredentials: async () => {
			context.credentialReads++;
			if (!credentials) throw new Error('Node "Traffic Light" does not have any credentials set');
			return credentials;
		},
		getExecutionCancelSignal: () => undefined,
		logger: { debug() {}, info() {}, warn() {}, error() {} },
		helpers,
	};
	return context as unknown as TestContext;
}
