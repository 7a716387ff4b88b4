// API tokens with roles. Only a SHA-256 of each token is stored: tokens are 256-bit random strings, so a
// fast hash is enough (no dictionary to guard against) and lookups stay cheap.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Role = 'admin' | 'analyst' | 'viewer';

interface TokenEntry {
  id: string;
  name: string;
  role: Role;
  sha256: string;
  created: string;
}

export interface Principal {
  id: string;
  name: string;
  role: Role;
}

export class TokenStore {
  private tokens: TokenEntry[] = [];
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = join(dataDir, 'tokens.json');
    if (existsSync(this.file)) this.tokens = (JSON.parse(readFileSync(this.file, 'utf8')) as { tokens: TokenEntry[] }).tokens;
  }

  get empty(): boolean {
    return this.tokens.length === 0;
  }

  /** Creates a token and returns it: the only moment it exists in clear. */
  create(name: string, role: Role): string {
    const token = `ww_${randomBytes(32).toString('base64url')}`;
    this.tokens.push({
      id: randomBytes(6).toString('hex'),
      name,
      role,
      sha256: sha256(token),
      created: new Date().toISOString(),
    });
    writeFileSync(this.file, JSON.stringify({ tokens: this.tokens }, null, 2), { mode: 0o600 });
    return token;
  }

  verify(token: string | undefined): Principal | null {
    if (!token) return null;
    const h = Buffer.from(sha256(token), 'hex');
    for (const t of this.tokens) {
      if (timingSafeEqual(h, Buffer.from(t.sha256, 'hex'))) return { id: t.id, name: t.name, role: t.role };
    }
    return null;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
