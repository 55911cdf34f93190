/** The scale-in card in Korean: a refusal because the victim got protected, and the protected VMs it names. */
import { describe, expect, it } from 'vitest';
import { renderCard } from '../../../src/cards/approvalCard.js';
import type { ScaleRequest } from '../../../src/store/types.js';
import { blockText } from '../../fakes/slack.js';
import { service } from '../../helpers/bot.js';

const at = '2026-11-26T14:22:00.000Z';
const refused: ScaleRequest = {
  id: 'sr-1', service: 'web-server', direction: 'in', state: 'blocked', executor: 'local', source: 'alert', fireCount: 1,
  lastFiredAt: at, createdAt: at, updatedAt: at,
  blocked: { code: 'protected', vm: 'web-server-3' },
  preview: { instances: 3, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: 'web-server-3', ip: '127.0.10.12', f5Pool: '/Common/p', checks: [], protectedVms: ['web-server-1'] },
  attempts: [], events: [],
};

describe('the scale-in card with protection', () => {
  it('says in Korean that the victim was protected and which VMs are', () => {
    const text = blockText(renderCard(refused, service(), { tz: 'UTC', now: new Date(at), locale: 'ko' }).blocks);
    expect(text).toContain('이 카드가 올라온 뒤 web-server-3이(가) 보호되어 삭제하지 않았습니다');
    expect(text).toContain('*스케일인 보호*\n:shield: web-server-1 (1대)');
  });

  it('names the first three protected VMs and counts the rest', () => {
    const many = { ...refused, preview: { ...refused.preview, protectedVms: ['a-1', 'a-2', 'a-3', 'a-4', 'a-5'] } };
    expect(blockText(renderCard(many, service(), { tz: 'UTC', now: new Date(at) }).blocks)).toContain(':shield: a-1, a-2, a-3 and 2 more');
  });
});
