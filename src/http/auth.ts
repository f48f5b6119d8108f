// API key check: `x-api-key`, `Authorization: Bearer <key>`, or HTTP basic auth with the key as password
// (so a browser can open the dashboard). Compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

export function apiKeyChecker(apiKey: string) {
  const expected = digest(apiKey);
  const matches = (given: string | undefined) => given !== undefined && timingSafeEqual(digest(given), expected);
  return (headers: Record<string, string | string[] | undefined>): boolean => {
    const header = headers['x-api-key'];
    if (typeof header === 'string') return matches(header);
    const auth = headers.authorization;
    if (typeof auth !== 'string') return false;
    const [scheme, value = ''] = auth.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer') return matches(value.trim());
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 && matches(decoded.slice(colon + 1));
    }
    return false;
  };
}
