import { describe, expect, it } from 'vitest';
import { parseMatchers, routeCaptures } from '../../../src/integrations/plg/am-routes.js';

const OUT = { alertname: 'AutoscaleScaleOut', service: 'web-server', autoscale: 'out', severity: 'warning' };

describe('Alertmanager route matching', () => {
  it('parses the matcher forms Alertmanager accepts', () => {
    const test = (entry: string) => parseMatchers(entry)!.every((c) => c(OUT));
    expect(test('service="web-server"')).toBe(true);
    expect(test('service=web-server')).toBe(true);
    expect(test('{service="web-server", severity=~"warn.*"}')).toBe(true);
    expect(test('severity!="warning"')).toBe(false);
    expect(test('service!~"web-.*"')).toBe(false);
    expect(test('team="db"')).toBe(false);
  });

  it('anchors regexes as Alertmanager does', () => {
    expect(parseMatchers('service=~"web"')!.every((c) => c(OUT))).toBe(false);
  });

  it('treats a catch-all, a matching route and an unreadable route as capturing; continue: true never', () => {
    expect(routeCaptures({ receiver: 'x' }, [OUT])).toBe(true);
    expect(routeCaptures({ match: { severity: 'warning' }, receiver: 'x' }, [OUT])).toBe(true);
    expect(routeCaptures({ match_re: { service: 'web-.*' }, receiver: 'x' }, [OUT])).toBe(true);
    expect(routeCaptures({ matchers: ['service=~"("'], receiver: 'x' }, [OUT])).toBe(true);
    expect(routeCaptures({ match: { severity: 'critical' }, receiver: 'x' }, [OUT])).toBe(false);
    expect(routeCaptures({ match: { severity: 'warning' }, receiver: 'x', continue: true }, [OUT])).toBe(false);
  });
});
