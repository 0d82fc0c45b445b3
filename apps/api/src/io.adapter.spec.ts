import { isSameOrigin, originAllowed } from './io.adapter';

describe('socket origins', () => {
  it('lets a page of the API itself connect: its Origin names the host it connects to', () => {
    expect(isSameOrigin('http://127.0.0.1:3000', '127.0.0.1:3000')).toBe(true);
    expect(isSameOrigin('https://receipts.example', 'receipts.example')).toBe(true);
  });

  it('refuses another site, another port, no Origin and a malformed one as the same origin', () => {
    expect(isSameOrigin('https://evil.example', '127.0.0.1:3000')).toBe(false);
    expect(isSameOrigin('http://127.0.0.1:3001', '127.0.0.1:3000')).toBe(false);
    expect(isSameOrigin(undefined, '127.0.0.1:3000')).toBe(false);
    expect(isSameOrigin('not a url', '127.0.0.1:3000')).toBe(false);
  });

  it('lets clients that send no Origin connect, and browsers only from listed origins', () => {
    expect(originAllowed([], undefined)).toBe(true);
    expect(originAllowed([], 'https://app.example')).toBe(false);
    expect(originAllowed(['https://app.example'], 'https://app.example')).toBe(true);
  });
});
