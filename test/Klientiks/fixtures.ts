import type { ICredentialType, IDataObject } from 'n8n-workflow';

import { klientiksPace, openKlientiks, type KlientiksConnection } from '../../nodes/Klientiks/transport/klientiksApi';
import { DEFAULT_CREDENTIALS, KlientiksMock } from '../../scripts/lib/klientiksMock';
import { createExecuteContext, type ContextOptions, type ParamValue, type TestContext } from '../helpers/executeContext';

export { DEFAULT_CREDENTIALS, KlientiksMock };

/** As n8n applies the Klientiks API credential: it has no authenticate(), so nothing is added to a request. */
const KLIENTIKS_CREDENTIAL: ICredentialType = { name: 'klientiksApi', displayName: 'Klientiks API', properties: [] };
export const TOKEN = DEFAULT_CREDENTIALS.token;

export function credentialsFor(mock: KlientiksMock, overrides: IDataObject = {}): IDataObject {
	return { accountId: DEFAULT_CREDENTIALS.account, userId: DEFAULT_CREDENTIALS.user, accessToken: TOKEN, baseUrl: mock.baseUrl, ...overrides };
}

export function klientiksContext(mock: KlientiksMock, parameters: Record<string, ParamValue> = {}, extra: Partial<ContextOptions> = {}): TestContext {
	return createExecuteContext({
		parameters,
		credentials: credentialsFor(mock),
		credentialType: KLIENTIKS_CREDENTIAL,
		node: { name: 'Klientiks', type: 'n8n-nodes-klientiks-traffic-light.klientiks' },
		...extra,
	});
}

export async function connect(ctx: TestContext, options: Parameters<typeof openKlientiks>[0] = {}): Promise<KlientiksConnection> {
	return await openKlientiks.call(ctx, options);
}

/**
 * The process-wide pace on an instant clock: every wait is recorded and moves the clock on at once.
 * Tests that are not about the pace would otherwise wait a real second per request.
 */
export function instantPace(): { now: number; waits: number[] } {
	const clock = { now: Date.parse('2026-12-01T10:00:00Z'), waits: [] as number[] };
	klientiksPace.nextAt.clear();
	klientiksPace.now = () => clock.now;
	klientiksPace.wait = async (ms, signal) => {
		clock.waits.push(ms);
		if (signal?.aborted) return false;
		clock.now += ms;
		return true;
	};
	return clock;
}

/** Serialised, for searching a result or an error for the token. */
export function serialised(value: unknown): string {
	if (value instanceof Error) {
		return JSON.stringify({ ...value, message: value.message, stack: value.stack, description: (value as unknown as IDataObject).description });
	}
	return JSON.stringify(value);
}
