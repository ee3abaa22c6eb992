import type { IHookFunctions } from 'n8n-workflow';

/**
 * Neither Klientiks nor Traffic Light has an API to register a webhook: the
 * user pastes the URL by hand. So the lifecycle does nothing and reports the
 * webhook as existing, as n8n's own TheHive Trigger does.
 */
export const manuallyPastedWebhook = {
	default: {
		async checkExists(this: IHookFunctions): Promise<boolean> {
			return true;
		},
		async create(this: IHookFunctions): Promise<boolean> {
			return true;
		},
		async delete(this: IHookFunctions): Promise<boolean> {
			return true;
		},
	},
};
