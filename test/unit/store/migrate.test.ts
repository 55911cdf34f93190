/**
 * A db.json written by the bot at 9550591 (schema 2, English sentences in blocks, pre-flight checks and event details;
 * made by test/fixtures/store/db-schema2.generator.ts.txt) opens as schema 3 and renders in either language.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blockText, checkText, eventText, withdrawnText } from '../../../src/cards/facts.js';
import { migrateRequest } from '../../../src/store/migrate.js';
import { Store } from '../../../src/store/store.js';
import { SCHEMA_VERSION, type ScaleRequest } from '../../../src/store/types.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/store/db-schema2.json');
const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

async function openOld(): Promise<Store> {
  const d = mkdtempSync(join(tmpdir(), 'migrate-'));
  dirs.push(d);
  copyFileSync(FIXTURE, join(d, 'db.json'));
  // Finished requests of 2026-11 stay in memory (the fixture's clock) for the default retention.
  return Store.open(d, { clock: { now: () => new Date('2026-11-26T14:40:00Z') } });
}

const find = (s: Store, pred: (r: ScaleRequest) => boolean) => s.data.requests.find(pred)!;
const ENGLISH = /[A-Za-z_0-9]*[A-Za-z]{3,}[A-Za-z_0-9]*/g;
/** The words of a Korean line that are English: names from the data (services, alerts, products) are allowed. */
function englishWords(text: string): string[] {
  const allowed = new Set(['web', 'server', 'HighCPU', 'GOVC_URL', 'F5_SERVERS', 'vCenter']);
  return (text.match(ENGLISH) ?? []).filter((w) => !allowed.has(w));
}

describe('a db.json written by schema 2', () => {
  it('opens at the current schema version and writes it back so', async () => {
    expect(JSON.parse(readFileSync(FIXTURE, 'utf8')).schemaVersion).toBe(2);
    const s = await openOld();
    expect(SCHEMA_VERSION).toBe(3);
    expect(s.data.schemaVersion).toBe(3);
    await s.flush();
  });

  it('turns the English cooldown sentence into facts: the last scale-out and when the cooldown ends', async () => {
    const s = await openOld();
    const r = find(s, (x) => x.service === 'web-server' && x.state === 'blocked');
    expect(r.blocked).toEqual({ code: 'cooldown', service: 'web-server', direction: 'out', lastAt: '2026-11-26T14:22:00.000Z', until: '2026-11-26T14:52:00.000Z' });
    expect(r.events.find((e) => e.type === 'blocked')?.fact).toMatchObject({ code: 'blocked', block: { code: 'cooldown', lastAt: '2026-11-26T14:22:00.000Z' } });
  });

  it('renders the old blocked, pending and withdrawn requests in Korean without the old English prose', async () => {
    const s = await openOld();
    const t = { tz: 'Asia/Seoul', now: new Date('2026-11-26T14:40:00Z') };
    const cooldown = blockText('ko', find(s, (x) => x.service === 'web-server' && x.state === 'blocked').blocked!, t);
    expect(cooldown).toBe('web-server는 23:22에 스케일아웃을 마쳤습니다. 쿨다운은 23:52에 끝납니다(12분 후)');
    const min = blockText('ko', find(s, (x) => x.service === 'db' && x.direction === 'in').blocked!, t);
    expect(min).toBe('db는 0대가 실행 중이며 최소 대수는 1대입니다');
    const pending = find(s, (x) => x.service === 'api');
    const checks = pending.preview.checks.map((c) => checkText('ko', c));
    expect(checks).toEqual(['IP 풀 41개 중 41개 사용 가능', 'vCenter와 F5는 확인하지 않았습니다(GOVC_URL / F5_SERVERS 없음)']);
    expect(eventText('ko', pending.events.find((e) => e.type === 'refired')!)).toBe('알림이 다시 발생했습니다 ×1 (마지막: HighCPU)');
    const withdrawn = withdrawnText('ko', find(s, (x) => x.state === 'withdrawn').events.findLast((e) => e.type === 'withdrawn'));
    expect(withdrawn).toBe('승인 또는 반려 전에 HighCPU 알림이 해소되었습니다');
    for (const line of [cooldown, min, ...checks, withdrawn]) expect(englishWords(line)).toEqual([]);
  });

  it('renders the same requests in English from the same facts, with the cooldown end as a time, not "then"', async () => {
    const s = await openOld();
    const t = { tz: 'UTC', now: new Date('2026-11-26T14:40:00Z') };
    expect(blockText('en', find(s, (x) => x.service === 'web-server' && x.state === 'blocked').blocked!, t))
      .toBe('web-server finished a scale-out at 14:22; its cooldown ends at 14:52 (in 12 minutes)');
    expect(find(s, (x) => x.service === 'api').preview.checks.map((c) => checkText('en', c)))
      .toEqual(['41 of 41 pool IPs free', 'vCenter and F5 not consulted (no GOVC_URL / F5_SERVERS)']);
    expect(withdrawnText('en', find(s, (x) => x.state === 'withdrawn').events.findLast((e) => e.type === 'withdrawn'))).toBe('HighCPU resolved before anyone decided');
  });

  it('keeps the settle check\'s once-only "still firing" note as a fact, so it is not said again after the upgrade', async () => {
    const s = await openOld();
    const cache = find(s, (x) => x.service === 'cache');
    expect(cache.events.filter((e) => e.fact?.code === 'still_firing')).toHaveLength(1);
    expect(cache.events.some((e) => e.detail === 'settle: still firing')).toBe(false);
  });

  it('keeps text it does not recognize as legacy, shown as it was written', async () => {
    const s = await openOld();
    const old = { ...s.data.requests[0]!, blocked: { code: 'max_instances', message: 'something a patched bot wrote' } } as unknown as ScaleRequest;
    const migrated = migrateRequest(old);
    expect(migrated.blocked).toEqual({ code: 'legacy', text: 'something a patched bot wrote' });
    expect(blockText('ko', migrated.blocked!)).toBe('something a patched bot wrote');
  });
});
