// Entry of the IPFIX decode worker thread: loads the TypeScript worker through tsx, however the parent was started.
import { register } from 'tsx/esm/api';
register();
await import('./decode-worker.ts');
