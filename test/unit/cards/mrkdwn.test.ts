import { describe, expect, it } from 'vitest';
import { escape, link, mention, safeUrl, truncate } from '../../../src/cards/mrkdwn.js';

describe('mrkdwn helpers', () => {
  it('escapes the three characters Slack reads as markup', () => {
    expect(escape('<!channel> & <@U1>')).toBe('&lt;!channel&gt; &amp; &lt;@U1&gt;');
  });

  it('links only http(s) URLs, and a | or > can end neither the URL nor the text', () => {
    expect(link('https://grafana.local/d/x?a=1&b=2', 'Grafana')).toBe('<https://grafana.local/d/x?a=1&amp;b=2|Grafana>');
    expect(link('http://h/p?q=a|<!channel>', 'src|<!here>')).toBe('<http://h/p?q=a%7C&lt;!channel&gt;|src¦&lt;!here&gt;>');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/relative', 'http://a b', 'ftp://x', undefined]) {
      expect(safeUrl(bad)).toBeUndefined();
      expect(link(bad, 'source')).toBe('source');
    }
  });

  it('mentions only Slack user ids', () => {
    expect(mention('U0ADMIN01')).toBe('<@U0ADMIN01>');
    expect(mention('!channel')).toBe('!channel');
    expect(mention('<!here>')).toBe('&lt;!here&gt;');
  });

  it('truncates without splitting a surrogate pair', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('ab😀cd', 4)).toBe('ab…'); // cutting at 3 would keep half of the emoji
    expect(truncate('ab😀cd', 5)).toBe('ab😀…');
    expect(truncate('😀'.repeat(10), 6)).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
