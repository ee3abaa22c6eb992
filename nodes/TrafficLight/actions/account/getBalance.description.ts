import type { INodeProperties } from 'n8n-workflow';

import { optionsCollection, timeoutOption } from '../options';

/** The fields of Account → Get Balance; getBalance.ts reads them. */
export const getBalanceFields: INodeProperties[] = [
	optionsCollection({ show: { resource: ['account'], operation: ['getBalance'] } }, [timeoutOption()]),
];
