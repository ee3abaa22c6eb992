// Real-n8n end-to-end suite on n8n 2.40.7 (see realN8n.ts for the cases).
import { defineRealN8nSuite } from './realN8n';

defineRealN8nSuite('2.40.7');
