import { describe, expect, it } from 'vitest';
import { isPrivateHost } from './private-hosts.js';

describe('isPrivateHost', () => {
  it('refuses loopback, private, link-local and local names', () => {
    for (const url of [
      'https://127.0.0.1/c.json',
      'https://10.1.2.3/c.json',
      'https://172.20.0.1/c.json',
      'https://192.168.1.1/c.json',
      'https://169.254.169.254/latest',
      'https://[::1]/c.json',
      'https://[fd00::1]/c.json',
      'https://[::ffff:127.0.0.1]/c.json',
      'https://localhost/c.json',
      'https://printer.local/c.json',
      'not a url',
    ]) {
      expect(isPrivateHost(url), url).toBe(true);
    }
  });

  it('lets public hosts through (the library still checks where they resolve)', () => {
    for (const url of [
      'https://client.example.com/c.json',
      'https://8.8.8.8/c.json',
      'https://[2001:4860::1]/c',
    ]) {
      expect(isPrivateHost(url), url).toBe(false);
    }
  });
});
