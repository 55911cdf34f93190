/** Stored facts become words in the reader's language (cards/facts.ts): blocks, pre-flight checks, withdrawals. */
import { describe, expect, it } from 'vitest';
import { blockText, checkText, eventText, withdrawnText } from '../../../src/cards/facts.js';
import { LOCALES } from '../../../src/i18n/index.js';
import type { BlockInfo, Check, EventFact } from '../../../src/store/types.js';

const t = { tz: 'Asia/Seoul', now: new Date('2026-12-02T05:00:00Z') };

describe('blockText', () => {
  it('says when a cooldown ends, as a clock time in the bot\'s zone and relative to now, never a raw ISO time', () => {
    const b: BlockInfo = { code: 'cooldown', service: 'web', direction: 'out', lastAt: '2026-12-02T04:44:46.975Z', until: '2026-12-02T05:14:46.975Z' };
    expect(blockText('en', b, t)).toBe('web finished a scale-out at 13:44; its cooldown ends at 14:14 (in 15 minutes)');
    expect(blockText('ko', b, t)).toBe('web는 13:44에 스케일아웃을 마쳤습니다. 쿨다운은 14:14에 끝납니다(15분 후)');
    for (const l of LOCALES) expect(blockText(l, b, t)).not.toMatch(/\d{4}-\d\d-\d\dT|then/);
  });

  it('shows the reason of a change freeze when the calendar gives one', () => {
    expect(blockText('en', { code: 'frozen', service: 'web', reason: 'release window', until: '2026-12-02T07:00:00Z' })).toBe('web is in a change freeze (release window)');
    expect(blockText('ko', { code: 'frozen', service: 'web', reason: '정기 배포' })).toBe('web는 변경 동결 기간입니다(사유: 정기 배포)');
    expect(blockText('ko', { code: 'frozen', service: 'web' })).toBe('web는 변경 동결 기간입니다');
  });

  it('words every other block from its parameters in both languages', () => {
    const cases: Array<[BlockInfo, string, string]> = [
      [{ code: 'max_instances', service: 'web', count: 6, max: 6 }, 'web already runs 6 of at most 6 instances', 'web는 이미 최대 6대 중 6대가 실행 중입니다'],
      [{ code: 'min_instances', service: 'web', count: 1, min: 1 }, 'web runs 1 instances, its minimum is 1', 'web는 1대가 실행 중이며 최소 대수는 1대입니다'],
      [{ code: 'nothing_to_remove', service: 'web' }, 'no VM created by the bot is left to remove from web', 'web에서 제거할 수 있는, 봇이 만든 VM이 남아 있지 않습니다'],
      [{ code: 'nothing_to_remove', service: 'web', protectedCount: 2 }, 'every VM the bot created for web is protected from scale-in (2), so nothing can be removed', 'web에 봇이 만든 VM이 모두 스케일인 보호 중이라(2대) 제거할 VM이 없습니다'],
      [{ code: 'rate_limit', service: 'web', count: 3, limit: 3 }, 'web already scaled out 3 times in the last hour (limit 3)', 'web는 최근 1시간 동안 이미 3번 스케일아웃했습니다(한도 3번)'],
      [{ code: 'conflict', service: 'web', otherId: 'sr-9', otherDirection: 'in' }, 'web already has a scale-in in flight (sr-9); one run per service at a time', 'web는 이미 스케일인이 진행 중입니다(sr-9). 서비스당 한 번에 하나만 실행됩니다'],
      [{ code: 'protected', vm: 'web-3' }, 'web-3 was protected from scale-in after this card was posted, so it was not removed', '카드가 게시된 뒤 web-3이(가) 스케일인 보호로 지정되어 제거하지 않았습니다'],
      [{ code: 'legacy', text: 'an old sentence' }, 'an old sentence', 'an old sentence'],
    ];
    for (const [b, en, ko] of cases) {
      expect(blockText('en', b)).toBe(en);
      expect(blockText('ko', b)).toBe(ko);
    }
    expect(blockText('ko', { code: 'unknown_instances', service: 'web' })).toContain('인스턴스 수를 알 수 없으므로 시작하지 않았습니다');
  });
});

describe('checkText', () => {
  it('words pre-flight findings, keeping what vCenter or F5 said as they said it', () => {
    const checks: Array<[Check, string, string]> = [
      [{ ok: true, code: 'template_present', template: 'tpl' }, 'template tpl present', '템플릿 tpl 확인됨'],
      [{ ok: false, code: 'template_missing', template: 'tpl' }, 'template tpl not found in vCenter', 'vCenter에 템플릿 tpl이(가) 없습니다'],
      [{ ok: true, code: 'ips_free', free: 3, size: 40 }, '3 of 40 pool IPs free', 'IP 풀 40개 중 3개 사용 가능'],
      [{ ok: false, code: 'f5_error', pool: '/Common/web', error: 'HTTP 401' }, 'F5 pool /Common/web: HTTP 401', 'F5 풀 /Common/web: HTTP 401'],
      [{ ok: true, code: 'f5_reachable', pool: '/Common/web', members: 2 }, 'F5 pool /Common/web reachable (2 members)', 'F5 풀 /Common/web 연결 정상(멤버 2개)'],
      [{ ok: false, code: 'timed_out' }, 'pre-flight checks timed out', '사전 점검 시간이 초과되었습니다'],
    ];
    for (const [c, en, ko] of checks) {
      expect(checkText('en', c)).toBe(en);
      expect(checkText('ko', c)).toBe(ko);
    }
  });
});

describe('withdrawnText and eventText', () => {
  const ev = (fact: EventFact, detail?: string) => ({ at: '2026-12-02T04:00:00Z', type: 'withdrawn' as const, fact, ...(detail ? { detail } : {}) });

  it('says why a request was withdrawn, with the silence end as a local time', () => {
    expect(withdrawnText('en', ev({ code: 'resolved_before_decision', alert: 'HighCPU' }))).toBe('HighCPU resolved before anyone decided');
    expect(withdrawnText('ko', ev({ code: 'silenced', until: '2026-12-02T06:00:00Z' }), t)).toBe('Alertmanager에서 15:00까지 사일런스했습니다');
    expect(withdrawnText('ko', ev({ code: 'back_at_min', service: 'web', count: 2, min: 2 }))).toBe('web의 인스턴스가 다시 최소 대수가 되었습니다 (최소 2대 중 2대)');
    expect(withdrawnText('ko', undefined)).toBe('철회됨');
  });

  it('puts the bot\'s fact and a person\'s reason side by side', () => {
    expect(eventText('en', { at: '2026-12-02T04:00:00Z', type: 'approved', by: 'U1', detail: 'hotfix', fact: { code: 'confirmed_frozen' } })).toBe('confirmed during a change freeze — hotfix');
    expect(eventText('ko', { at: '2026-12-02T04:00:00Z', type: 'approved', by: 'U1' })).toBeUndefined();
  });
});
