// whowas command line: one module per command, loaded on demand.
import { UsageError } from './args.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> }> = {
  serve: { summary: 'run the server: syslog and IPFIX inputs, embedded store, HTTP API', load: () => import('./serve.ts') },
  ingest: { summary: 'read log files of a given format into the store', load: () => import('./ingest.ts') },
  trace: { summary: 'who was behind <ip>[:<port>] at a time: NAT → inside host → MAC → user', load: () => import('./trace.ts') },
  dns: { summary: 'which clients looked up a name (exact or *.suffix) in a time range, traced to MAC and user', load: () => import('./dns.ts') },
  who: { summary: 'who used a host, address or MAC at a time or in a range (logins, 802.1X, proxy, mail)', load: () => import('./who.ts') },
  formats: { summary: 'list the log formats whowas reads', load: () => import('./formats.ts') },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `usage: whowas <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nwhowas <command> --help for a command's options`;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(usage());
    return cmd ? 0 : 2;
  }
  const c = COMMANDS[cmd];
  if (!c) {
    console.error(`whowas: unknown command '${cmd}': one of ${Object.keys(COMMANDS).join(', ')} (whowas --help)`);
    return 2;
  }
  try {
    return await (await c.load()).run(rest);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`whowas ${cmd}: ${(e as Error).message}`);
      return 2;
    }
    console.error(`whowas ${cmd}: ${(e as Error).message}`);
    return 1;
  }
}
