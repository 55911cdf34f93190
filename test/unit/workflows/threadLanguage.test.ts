/**
 * The lines an executor posts in a card's thread (issue 12, Korean and English): worded in the service's language
 * (its `locale`, else BOT_LOCALE), whichever executor writes them. A run interrupted by a restart is resumed by the
 * real runner and executors over a store written as db.json; the chat surface records what it was asked to post.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service } from '../../../src/config.js';
import type { Locale } from '../../../src/i18n/index.js';
import { createLogger } from '../../../src/logger.js';
import { Store } from '../../../src/store/store.js';
import type { ScaleRequest } from '../../../src/store/types.js';
import { FreezeCalendar } from '../../../src/workflows/freeze.js';
import { JenkinsExecutor, type JenkinsExecutorDeps } from '../../../src/workflows/jenkinsExecutor.js';
import type { ChatSurface, Executor, Inventory } from '../../../src/workflows/ports.js';
import { RunCoordinator, type RunnerDeps } from '../../../src/workflows/runner.js';
import { LocalExecutor } from '../../../src/workflows/scaleOut.js';
import { SettleWatcher } from '../../../src/workflows/settle.js';
import type { VCenter } from '../../../src/workflows/vmPorts.js';
import { service, TestClock } from '../../helpers/bot.js';

const AT = '2026-11-26T14:00:00.000Z';
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

/** A request the bot was running when it stopped: `rollback` set when its rollback had begun. */
function interrupted(svc: Service, o: { direction: 'out' | 'in'; executor: 'local' | 'jenkins'; rollback?: boolean }): ScaleRequest {
  return {
    id: 'sr-20261126140000-abcd', service: svc.name, direction: o.direction, state: 'running', executor: o.executor, source: 'manual',
    fireCount: 0, lastFiredAt: AT, createdAt: AT, updatedAt: AT,
    preview: { instances: 2, instancesSource: 'store', min: 1, max: 6, template: svc.template, vmName: null, ip: null, f5Pool: svc.f5.pool, checks: [] },
    attempts: [{
      n: 1, startedAt: AT, steps: [], undone: [],
      ...(o.rollback ? { rollback: { startedAt: AT, error: { step: 'clone', code: 'clone_failed', message: 'govc: clone failed' }, ownsVm: false } } : {}),
    }],
    events: [],
  } as ScaleRequest;
}

/** Opens a store over a db.json holding one service and one interrupted request, and resumes it. */
async function resume(o: { locale?: Locale; botLocale: Locale; request: (svc: Service) => ScaleRequest; executors: (store: Store) => RunnerDeps['executors'] }) {
  const svc = service(o.locale ? { locale: o.locale } : {});
  const dir = mkdtempSync(join(tmpdir(), 'thread-lang-'));
  writeFileSync(join(dir, 'db.json'), JSON.stringify({
    schemaVersion: 3, services: { [svc.name]: { config: svc, updatedAt: AT, updatedBy: 'test' } },
    requests: [o.request(svc)], leases: {}, templates: {}, audit: [], notices: {},
  }));
  const clock = new TestClock();
  const store = await Store.open(dir, { clock });
  stores.push(store);
  const posted: string[] = [];
  const surface: ChatSurface = { sync: () => undefined, thread: (_id, text) => void posted.push(text), idle: async () => undefined, notice: async () => undefined };
  const metrics = { runsFinished: { inc: () => undefined }, stepDuration: { observe: () => undefined } } as unknown as RunnerDeps['metrics'];
  const runner = new RunCoordinator({
    config: { BOT_LOCALE: o.botLocale, BOT_TIMEZONE: 'Asia/Seoul' }, store, clock, logger: createLogger('silent'), metrics, surface,
    inventory: {} as Inventory, executors: o.executors(store), freezes: new FreezeCalendar('Asia/Seoul'),
  });
  await runner.recover();
  await runner.idle();
  return posted;
}

const localExecutor = (store: Store) => new LocalExecutor({ store, clock: new TestClock(), vcenter: {} as VCenter, logger: createLogger('silent') });
/** Stands in for the bot's own scale-in: does nothing, successfully. */
const noopScaleIn: Executor = { kind: 'local', run: async () => undefined };

describe('thread lines after a restart, in the service language', () => {
  it('says in Korean that the bot restarted while rolling back, for a service whose locale is ko', async () => {
    const posted = await resume({
      locale: 'ko', botLocale: 'en',
      request: (svc) => interrupted(svc, { direction: 'out', executor: 'local', rollback: true }),
      executors: (store) => ({ local: localExecutor(store) }),
    });
    expect(posted[0]).toBe(':arrows_counterclockwise: 롤백하는 중에 봇이 재시작되었습니다. 남은 롤백을 마저 진행합니다.');
    expect(posted.join('\n')).not.toMatch(/The bot restarted/);
  });

  it('keeps English for a service with no locale when BOT_LOCALE is en', async () => {
    const posted = await resume({
      botLocale: 'en',
      request: (svc) => interrupted(svc, { direction: 'out', executor: 'local', rollback: true }),
      executors: (store) => ({ local: localExecutor(store) }),
    });
    expect(posted[0]).toBe(':arrows_counterclockwise: The bot restarted while it was rolling this run back; finishing the rollback.');
  });

  it('words the Jenkins executor\'s lines (resumed, scale-in done by the bot) in BOT_LOCALE ko when the service sets none', async () => {
    const posted = await resume({
      botLocale: 'ko',
      request: (svc) => interrupted(svc, { direction: 'in', executor: 'jenkins' }),
      executors: (store) => ({
        jenkins: new JenkinsExecutor({ store, clock: new TestClock(), jenkins: {} as JenkinsExecutorDeps['jenkins'], local: noopScaleIn }),
      }),
    });
    expect(posted.slice(0, 2)).toEqual([
      ':arrows_counterclockwise: 실행 중에 봇이 재시작되었습니다. 마지막으로 끝난 단계부터 이어서 진행합니다.',
      ':information_source: web-server의 스케일아웃은 Jenkins에서 실행되지만, 이 스케일인은 봇이 직접 실행합니다.',
    ]);
  });
});

describe('the settle check\'s thread lines, in the service language', () => {
  it('says in Korean that the alert cleared after the new VM joined', async () => {
    const svc = service({ locale: 'ko' });
    const done = { ...interrupted(svc, { direction: 'out', executor: 'local' }), state: 'succeeded', source: 'alert', finishedAt: AT } as ScaleRequest;
    done.attempts[0]!.result = { vmName: 'web-server-3' };
    const dir = mkdtempSync(join(tmpdir(), 'settle-lang-'));
    writeFileSync(join(dir, 'db.json'), JSON.stringify({
      schemaVersion: 3, services: { [svc.name]: { config: svc, updatedAt: AT, updatedBy: 'test' } }, requests: [done], leases: {}, templates: {}, audit: [], notices: {},
    }));
    const store = await Store.open(dir, { clock: new TestClock() });
    stores.push(store);
    const posted: string[] = [];
    const surface: ChatSurface = { sync: () => undefined, thread: (_id, text) => void posted.push(text), idle: async () => undefined, notice: async () => undefined };
    const settle = new SettleWatcher({ store, clock: new TestClock(), surface, locale: 'en' });
    expect(await settle.alertResolved(svc.name, 'out', '2026-11-26T14:06:00.000Z')).toBe(done.id);
    expect(posted).toEqual([':large_green_circle: web-server-3이(가) 투입되고 6분 뒤 알림이 해제되었습니다.']);
  });
});
