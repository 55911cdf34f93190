/** The console protocol between run-step and the Jenkins executor: JSON lines with codes, never English text. */
import { describe, expect, it } from 'vitest';
import { formatRunStepLine, parseRunStepLines } from '../../../src/integrations/jenkins/runStepProtocol.js';
import { stageLines } from '../../../src/workflows/jenkinsExecutor.js';

const consoleOf = (stage: string, lines: string[]) => ['[Pipeline] stage', `[Pipeline] { (${stage})`, ...lines, '[Pipeline] }', '[Pipeline] // stage'].join('\n');

describe('run-step console lines', () => {
  it('round-trip through a stage of the console, also behind a Timestamper prefix', () => {
    const line = formatRunStepLine({ step: 'clone', ok: false, code: 'duplicate_name', message: 'a VM named web-server-1 appeared in vCenter meanwhile' });
    const log = consoleOf('clone', ['+ "$NODE_BIN" "$BOT_CLI" run-step clone --plan "$PLAN_FILE"', `[2026-12-02T17:00:00.000Z] ${line}`]);
    expect(parseRunStepLines(stageLines(log, 'clone'))).toEqual([
      { runStep: 1, step: 'clone', ok: false, code: 'duplicate_name', message: 'a VM named web-server-1 appeared in vCenter meanwhile' },
    ]);
  });

  it('ignore English text, even text that reads like the old protocol, and JSON that is not theirs', () => {
    const log = consoleOf('clone', [
      'FAILED clone [duplicate_name]: printed by some other program',
      'removed F5 member 10.255.1.201:80',
      '{"runStep":1,"step":"clone","ok":"yes"}',
      '{"other":true}',
    ]);
    expect(parseRunStepLines(stageLines(log, 'clone'))).toEqual([]);
  });
});
