/**
 * A db.json written by the bot at 9550591 (schema 2, English sentences in blocks, pre-flight checks and event details;
 * made by test/fixtures/store/db-schema2.generator.ts.txt) opens as schema 3 and renders in either language.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blockText, checkText, errorText, eventText, stepDetailText, undoneTexts, withdrawnText } from '../../../src/cards/facts.js';
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

  it('turns the old steps\' English details into facts: a dry run keeps its line, and the card words it in Korean', async () => {
    const s = await openOld();
    const run = find(s, (x) => x.service === 'web-server' && x.state === 'succeeded');
    const steps = run.attempts[0]!.steps;
    expect(steps.every((x) => !('detail' in x))).toBe(true);
    expect(steps.find((x) => x.name === 'power-on')!.fact).toEqual({ code: 'dry_run', line: 'govc vm.power -on -vm.ipath /DC0/vm/web-server-1' });
    expect(stepDetailText('ko', steps.find((x) => x.name === 'power-on')!)).toBe('DRY RUN: `govc vm.power -on -vm.ipath /DC0/vm/web-server-1` 실행 예정');
    expect(stepDetailText('en', steps.find((x) => x.name === 'name')!)).toBe('DRY RUN: would name the VM web-server-1');
    // Outside the code span the Korean line has no English of ours.
    for (const x of steps) expect(englishWords(stepDetailText('ko', x)!.replace(/`[^`]*`/g, ' ')).filter((w) => !['DRY', 'RUN'].includes(w))).toEqual([]);
  });

  it('turns the runner\'s English event details into facts, so the history reads in Korean too', async () => {
    const s = await openOld();
    const run = find(s, (x) => x.service === 'web-server' && x.state === 'succeeded');
    const runner = run.events.filter((e) => ['step', 'attempt-started', 'finished', 'recovered'].includes(e.type));
    expect(runner.length).toBe(10);
    expect(runner.every((e) => e.detail === undefined && e.fact && e.fact.code !== 'legacy')).toBe(true);
    expect(runner.map((e) => eventText('ko', e))).toEqual([
      '1번째 시도', 'IP 할당: 완료', 'VM 이름 정하기: 완료', '템플릿에서 VM 복제: 완료', '고정 IP 설정: 완료', '전원 켜기: 완료', '게스트 IP 확인: 완료', '헬스 체크: 완료', 'F5 Pool 등록: 완료', '성공',
    ]);
    // A person's reason stays as they typed it.
    expect(run.events.find((e) => e.type === 'auto-approved')!.detail).toBe('approval mode is auto');
  });

  it('turns old rollback lines into facts and keeps a failed step\'s message as it was; failures it cannot read stay legacy', () => {
    const at = '2026-11-26T14:22:00.000Z';
    const old = {
      id: 'sr-old', service: 'web-server', direction: 'out', state: 'failed', executor: 'local', source: 'alert', fireCount: 1, lastFiredAt: at, createdAt: at, updatedAt: at,
      preview: { instances: 1, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: 'web-server-1', ip: '127.0.10.10', f5Pool: 'p', checks: [] },
      attempts: [{
        n: 1, startedAt: at, outcome: 'failed',
        steps: [
          { name: 'reserve-ip', state: 'undone', startedAt: at, detail: '127.0.10.10 reserved', data: { ip: '127.0.10.10' } },
          { name: 'health', state: 'failed', startedAt: at, detail: '127.0.10.10:80 not healthy after 30s (9 checks): 127.0.10.10:80: ECONNREFUSED' },
        ],
        error: { step: 'health', code: 'unhealthy', message: '127.0.10.10:80 not healthy after 30s (9 checks): 127.0.10.10:80: ECONNREFUSED' },
        undone: ['Jenkins rollback: powered off and destroyed web-server-1', 'removed F5 member 127.0.10.10:80', 'released 127.0.10.10', 'FAILED to re-add 127.0.10.10:80: HTTP 500 — fix by hand'],
      }],
      events: [{ at, type: 'finished', detail: 'failed at health: 127.0.10.10:80 not healthy after 30s' }, { at, type: 'recovered', detail: 'resuming after a restart' }],
    } as unknown as ScaleRequest;
    const r = migrateRequest(old);
    const a = r.attempts[0]!;
    expect(a.steps[0]).toEqual({ name: 'reserve-ip', state: 'undone', startedAt: at, fact: { code: 'legacy', text: '127.0.10.10 reserved' }, data: { ip: '127.0.10.10' } });
    expect(a.steps[1]!.error).toEqual({ code: 'unhealthy', message: '127.0.10.10:80 not healthy after 30s (9 checks): 127.0.10.10:80: ECONNREFUSED' });
    expect(a.undone).toEqual([
      { code: 'destroy_vm', vm: 'web-server-1', by: 'pipeline' }, { code: 'remove_member', member: '127.0.10.10:80' }, { code: 'release_ip', ip: '127.0.10.10' },
      { code: 'legacy', text: 'FAILED to re-add 127.0.10.10:80: HTTP 500 — fix by hand' },
    ]);
    expect(undoneTexts('ko', a).slice(0, 3)).toEqual(['Jenkins 롤백: web-server-1 전원 끄고 삭제', 'F5 멤버 127.0.10.10:80 제거', '127.0.10.10 반납']);
    expect(errorText('ko', a.error!)).toBe('127.0.10.10:80 not healthy after 30s (9 checks): 127.0.10.10:80: ECONNREFUSED');
    expect(r.events.map((e) => e.fact)).toEqual([{ code: 'run_finished', outcome: 'failed', step: 'health' }, { code: 'resuming' }]);
    expect(eventText('ko', r.events[0]!)).toBe('헬스 체크 단계에서 실패');
    // Archived requests are migrated every time they are read: a migrated request comes out as it went in.
    expect(migrateRequest(r)).toEqual(r);
  });
});
