export { runWho as run } from './reverse.ts';
