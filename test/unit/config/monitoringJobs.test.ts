/** The services file's monitoring jobs: which job the bot creates, which one the rules read, and what is refused. */
import { describe, expect, it } from 'vitest';
import { formatIssues, serviceSchema } from '../../../src/config.js';
import { service } from '../../fixtures/plg/services.js';

const base = service('web-server');
const withMonitoring = (monitoring: Record<string, unknown>) => serviceSchema.safeParse({ ...base, monitoring });
const problems = (monitoring: Record<string, unknown>) => {
  const r = withMonitoring(monitoring);
  return r.success ? [] : formatIssues(r.error);
};

describe('monitoring jobs in the services file', () => {
  it('defaults the exporter port to 9100 and the SD refresh to 30s, and takes them typed', () => {
    expect(base.monitoring).toMatchObject({ exporterPort: 9100, sdRefreshInterval: '30s' });
    const r = withMonitoring({ exporterPort: 9101, sdRefreshInterval: '5s' });
    expect(r.success && r.data.monitoring).toMatchObject({ exporterPort: 9101, sdRefreshInterval: '5s' });
    expect(problems({ exporterPort: 70000 })[0]).toMatch(/^monitoring\.exporterPort: /);
    expect(problems({ sdRefreshInterval: '2h' })).toEqual(['monitoring.sdRefreshInterval: 2h is longer than the maximum of 10m']);
  });

  it('refuses existingJob with targets: no job would be generated to scrape them', () => {
    expect(problems({ existingJob: 'node', targets: ['127.0.0.5:9100'] })).toEqual([
      expect.stringMatching(/^monitoring\.targets: targets are scraped by a job the bot generates, and existingJob node says none is generated/),
    ]);
  });

  it('refuses existingJob with prometheusJob: one names the job the bot creates, the other says it creates none', () => {
    expect(problems({ existingJob: 'node', prometheusJob: 'web' })).toEqual([
      'monitoring.prometheusJob: give either prometheusJob (the job the bot creates) or existingJob (your own job, nothing generated), not both',
    ]);
  });

  it('accepts existingJob alone, and prometheusJob with targets (the job the bot creates scrapes them)', () => {
    expect(problems({ existingJob: 'node' })).toEqual([]);
    expect(problems({ prometheusJob: 'web', targets: ['127.0.0.5:9100'] })).toEqual([]);
  });
});
