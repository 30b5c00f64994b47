// Development entry for the read worker, used only when the SDK runs from its TypeScript
// source (tests): worker threads do not inherit the parent's tsx loader, so register it here.
import { register } from 'tsx/esm/api';

register();
await import('./read-worker.ts');
