export { runDns as run } from './reverse.ts';
