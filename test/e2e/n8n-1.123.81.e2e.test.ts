// Real-n8n end-to-end suite on n8n 1.123.81 (see realN8n.ts for the cases).
import { defineRealN8nSuite } from './realN8n';

defineRealN8nSuite('1.123.81');
