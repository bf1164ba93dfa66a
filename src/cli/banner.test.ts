import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchCommand, startupBanner, startupFields } from './banner.js';

const URL = 'http://127.0.0.1:8000';

describe('startup banner', () => {
  it('shows the URL, the data folder and the next steps in embedded mode', () => {
    const banner = startupBanner({ version: '1.2.3', url: URL, dataDir: './data', command: 'npx ainstruct' });
    expect(banner).toContain('ainstruct 1.2.3 is running');
    expect(banner).toContain(`Web UI   ${URL}`);
    expect(banner).toContain(`Data     ${resolve('./data')}`);
    expect(banner).toContain('npx ainstruct user create <name> <email> --superuser');
    expect(banner).toContain(`Open ${URL} and log in`);
    expect(banner).toContain(`Connect an MCP client (Claude, Cursor, …) to ${URL}/mcp`);
  });

  it('names PostgreSQL in server mode, in the banner and the log fields', () => {
    const facts = { version: '1.2.3', url: URL, dataDir: undefined, command: 'ainstruct' };
    expect(startupBanner(facts)).toContain('Data     PostgreSQL (DATABASE_URL)');
    expect(startupFields(facts)).toEqual({ url: URL, mcp: `${URL}/mcp`, database: 'postgresql' });
  });

  it('gives the log line the absolute data folder', () => {
    expect(startupFields({ version: '1', url: URL, dataDir: 'data', command: 'ainstruct' })).toEqual({
      url: URL,
      mcp: `${URL}/mcp`,
      database: 'embedded',
      dataDir: resolve('data'),
    });
  });

  it('shows the commands as npx ainstruct when npx launched it', () => {
    expect(launchCommand({ npm_command: 'exec' })).toBe('npx ainstruct');
    expect(launchCommand({})).toBe('ainstruct');
  });
});
