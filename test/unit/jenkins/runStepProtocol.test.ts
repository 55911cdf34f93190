/** The console protocol between run-step and the Jenkins executor: JSON lines with codes and facts, never English text. */
import { describe, expect, it } from 'vitest';
import { formatRunStepLine, parseRunStepLines } from '../../../src/integrations/jenkins/runStepProtocol.js';
import { stageLines } from '../../../src/workflows/jenkinsExecutor.js';

const consoleOf = (stage: string, lines: string[]) => ['[Pipeline] stage', `[Pipeline] { (${stage})`, ...lines, '[Pipeline] }', '[Pipeline] // stage'].join('\n');

describe('run-step console lines', () => {
  it('round-trip through a stage of the console, also behind a Timestamper prefix', () => {
    const line = formatRunStepLine({
      step: 'clone', ok: false, code: 'duplicate_name', message: 'a VM named web-server-1 appeared in vCenter meanwhile', error: { code: 'duplicate_name', vm: 'web-server-1' },
    });
    const log = consoleOf('clone', ['+ "$NODE_BIN" "$BOT_CLI" run-step clone --plan "$PLAN_FILE"', `[2026-12-02T17:00:00.000Z] ${line}`]);
    expect(parseRunStepLines(stageLines(log, 'clone'))).toEqual([
      { runStep: 2, step: 'clone', ok: false, code: 'duplicate_name', message: 'a VM named web-server-1 appeared in vCenter meanwhile', error: { code: 'duplicate_name', vm: 'web-server-1' } },
    ]);
  });

  it('carry what a step established and what a rollback undid as facts', () => {
    const ok = formatRunStepLine({ step: 'f5-add', ok: true, fact: { code: 'member_added', member: '127.0.10.10:80', pool: '/Common/web', state: 'up', session: 'monitor-enabled' } });
    const undone = formatRunStepLine({ step: 'rollback', ok: false, code: 'rollback_failed', undone: [
      { step: 'f5-add', ok: true, fact: { code: 'remove_member', member: '127.0.10.10:80' } },
      { step: 'clone', ok: false, fact: { code: 'destroy_vm', vm: 'web-1', path: '/DC0/vm/web-1', failed: 'vm.destroy: InvalidPowerState' } },
    ] });
    expect(parseRunStepLines([ok, undone])).toEqual([
      { runStep: 2, step: 'f5-add', ok: true, fact: { code: 'member_added', member: '127.0.10.10:80', pool: '/Common/web', state: 'up', session: 'monitor-enabled' } },
      { runStep: 2, step: 'rollback', ok: false, code: 'rollback_failed', undone: [
        { step: 'f5-add', ok: true, fact: { code: 'remove_member', member: '127.0.10.10:80' } },
        { step: 'clone', ok: false, fact: { code: 'destroy_vm', vm: 'web-1', path: '/DC0/vm/web-1', failed: 'vm.destroy: InvalidPowerState' } },
      ] },
    ]);
  });

  it('read a line of protocol 1 (an agent with an older bot CLI) as legacy facts, its English never parsed', () => {
    const lines = parseRunStepLines([
      '{"runStep":1,"step":"clone","ok":true,"detail":"web-server-1 from web-server-template"}',
      '{"runStep":1,"step":"rollback","ok":true,"detail":"removed F5 member 10.255.1.201:80","undone":[{"step":"f5-add","ok":true,"text":"removed F5 member 10.255.1.201:80"}]}',
    ]);
    expect(lines).toEqual([
      { runStep: 2, step: 'clone', ok: true, fact: { code: 'legacy', text: 'web-server-1 from web-server-template' } },
      { runStep: 2, step: 'rollback', ok: true, undone: [{ step: 'f5-add', ok: true, fact: { code: 'legacy', text: 'removed F5 member 10.255.1.201:80' } }] },
    ]);
  });

  it('ignore English text, even text that reads like the old protocol, and JSON that is not theirs', () => {
    const log = consoleOf('clone', [
      'FAILED clone [duplicate_name]: printed by some other program',
      'removed F5 member 10.255.1.201:80',
      '{"runStep":1,"step":"clone","ok":"yes"}',
      '{"runStep":2,"step":"clone","ok":true,"fact":"web-server-1 from web-server-template"}',
      '{"runStep":3,"step":"clone","ok":true}',
      '{"other":true}',
    ]);
    expect(parseRunStepLines(stageLines(log, 'clone'))).toEqual([]);
  });
});
