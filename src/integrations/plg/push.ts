/**
 * Pushes one service's monitoring config to the PLG server: plan (read, merge, diff) and apply
 * (backup, temp files, validate, atomic rename, reload, verify — and on any failure restore the
 * backups and reload again). Expected failures come back as values with the steps taken so far.
 *
 * Assumptions about the server, all configurable:
 *  - The containers bind-mount the DIRECTORIES holding the files (…/prometheus → /etc/prometheus,
 *    …/alertmanager/config → /etc/alertmanager). Temp files are written beside the live file, so a
 *    container sees them under the same name in its own directory — which is why the default
 *    checks use `{name}` with the container's directory rather than `{file}` (the host path).
 *    Were a single file bind-mounted instead, rename would swap the inode under the mount and the
 *    container would keep reading the old file.
 *  - Temp files (`*.autoscale-<ts>.tmp`) and backups (`*.bak-<ts>`) do not end in `.yml`, so a
 *    `rule_files: [rules/*.yml]` glob never loads them.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { Service } from '../../config.js';
import { commandArgs, reload, runRemote } from './commands.js';
import { maskedDiff, maskSecretLines } from './diff.js';
import {
  mergeAlertmanager,
  mergePrometheus,
  mergeRules,
  PlgMergeError,
  removeAlertmanager,
  removePrometheus,
  removeRules,
} from './merge.js';
import { hasScrapeJob, ruleJob, SD_PATH, type RenderSettings } from './render.js';
import { PlgSshError, type RemoteHost } from './ssh.js';
import { lastReload, verify } from './verify.js';

export type PlgRole = 'prometheus' | 'rules' | 'alertmanager';
const ROLES: readonly PlgRole[] = ['rules', 'prometheus', 'alertmanager'];

export type PlgByRole<T> = Record<PlgRole, T>;

export interface PlgDeps {
  /** Opens an SSH session to the monitoring server (connectSsh with the pinned host key). */
  connect: () => Promise<RemoteHost>;
  /** Paths on the server (PLG_PROMETHEUS_CONFIG, PLG_PROMETHEUS_RULES, PLG_ALERTMANAGER_CONFIG). */
  paths: PlgByRole<string>;
  settings: RenderSettings;
  /** Validation commands; `{file}` is the candidate's path on the server, `{name}` its file name. */
  checks: PlgByRole<string>;
  /** A command run over SSH, or an http(s)://…/-/reload URL to POST to. */
  reloads: { prometheus: string; alertmanager: string };
  /** As the bot reaches them, for verification; unset → that verification is skipped (reported). */
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  /** The rule_files entry naming the rules file; default: its path relative to prometheus.yml. */
  rulesFileRef?: string;
  now?: () => Date;
  /** How long to wait for a reloaded/restarted server to show the change (default 60 s). */
  verifyTimeoutMs?: number;
  /** Per remote command (checks, `docker restart`), default 120 s. */
  commandTimeoutMs?: number;
}

/**
 * Default checks run promtool/amtool inside the containers, as the user's stack does. The
 * container paths are the usual bind mounts (see the assumptions above); override with
 * PLG_*_CHECK when yours differ.
 */
export const DEFAULT_CHECKS: PlgByRole<string> = {
  prometheus: 'docker exec prometheus promtool check config /etc/prometheus/{name}',
  rules: 'docker exec prometheus promtool check rules /etc/prometheus/rules/{name}',
  alertmanager: 'docker exec alertmanager amtool check-config /etc/alertmanager/{name}',
};

export interface PlgFilePlan {
  role: PlgRole;
  path: string;
  /** False when the file does not exist yet (only allowed for the rules file). */
  existed: boolean;
  beforeSha256: string;
  afterSha256: string;
  changed: boolean;
  /** Unified diff with secrets masked; '' when unchanged. */
  diff: string;
}

/** Plain data (no secrets, no file contents): safe to keep between "diff" and "Apply". */
export interface PlgPlan {
  kind: 'push' | 'remove';
  service: Service;
  createdAt: string;
  noop: boolean;
  files: PlgFilePlan[];
  /** A push: the job the service's rules read, and whether the bot generates it (false: the operator's existingJob). */
  rules?: RulesRead;
}

export interface RulesRead {
  job: string;
  generated: boolean;
}

/** Which job the service's rules select, and whether it is the bot's own scrape job. */
export function rulesRead(service: Service): RulesRead {
  return { job: ruleJob(service), generated: hasScrapeJob(service) };
}

export type PlgFailureCode =
  | 'host_key_mismatch'
  | 'unreachable'
  | 'auth_failed'
  | 'timeout'
  | 'ssh_failed'
  | 'read_failed'
  | 'invalid_yaml'
  | 'unexpected_shape'
  | 'job_conflict'
  | 'not_configured'
  | 'changed_since_plan'
  | 'plan_stale'
  | 'write_failed'
  | 'check_failed'
  | 'install_failed'
  | 'reload_failed'
  | 'verify_failed';

export type PlanResult = { ok: true; plan: PlgPlan } | { ok: false; code: PlgFailureCode; message: string; fact?: PlgDetailFact };

export interface PlgStep {
  step: 'connect' | 'read' | 'compare' | 'backup' | 'write_temp' | 'check' | 'install' | 'reload' | 'verify' | 'cleanup' | 'restore' | 'reload_after_restore';
  role?: PlgRole;
  ok: boolean;
  /** The operator's English, or what a server / a command said (a path, promtool's output), secrets masked. */
  detail: string;
  /** When the bot itself says what happened: the card words it in the reader's language (cards/plgCards.ts). */
  fact?: PlgDetailFact;
  durationMs: number;
}

/** What the push itself established, by code (the English of each is its `detail`). */
export type PlgDetailFact =
  | { code: 'unchanged_since_diff' }
  | { code: 'changed_since_plan'; paths: string[] }
  | { code: 'plan_stale'; roles: PlgRole[] }
  | { code: 'missing_file'; path: string; host: string; variable: string }
  | { code: 'removed'; path: string }
  | { code: 'new_file'; path: string }
  | { code: 'removed_new'; path: string }
  | { code: 'restored'; path: string; backup: string }
  | { code: 'sd_not_configured'; service: string; missing: string[] }
  | { code: 'ssh_failed'; detail: string }
  // A failure and what the server or the command said (`detail`, masked).
  | { code: 'write_failed' | 'check_failed' | 'place_failed' | 'install_failed'; path: string; detail: string }
  | { code: 'reload_failed' | 'verify_failed'; server: 'prometheus' | 'alertmanager'; detail: string };

export type ApplyResult =
  | { ok: true; noop: boolean; steps: PlgStep[]; backups: string[]; durationMs: number }
  | {
    ok: false; code: PlgFailureCode; message: string; fact?: PlgDetailFact; steps: PlgStep[];
    /** The previous files were restored and reloaded; `restoreFailed`: a restore was needed and did not succeed. */
    rolledBack: boolean; restoreFailed?: boolean; backups: string[]; durationMs: number;
  };

const sha256 = (text: string | undefined): string => createHash('sha256').update(text ?? '\0missing').digest('hex');

// ---------------------------------------------------------------------------------------------
// Plan

export const planPush = async (service: Service, deps: PlgDeps): Promise<PlanResult> => masked(await plan('push', service, deps));
export const planRemove = async (service: Service, deps: PlgDeps): Promise<PlanResult> => masked(await plan('remove', service, deps));

/**
 * Messages from the monitoring server (promtool / amtool output, SSH errors) may quote a config line: secrets are masked
 * here, as in the diff, before any reader (a Slack reply, the CLI) sees them.
 */
function masked<R extends { ok: boolean; message?: string }>(r: R): R {
  return r.ok || r.message === undefined ? r : { ...r, message: maskSecretLines(r.message) };
}

/**
 * What a push needs from the environment beyond SSH: the generated job's http_sd points at BOT_PUBLIC_URL and sends
 * PROMETHEUS_SD_TOKEN. Without them the job would ask a placeholder for its targets and scrape nothing, so the push is
 * refused before anything is read. A service with existingJob gets no job and needs neither for Prometheus.
 */
export function missingForPush(service: Service, settings: RenderSettings): { ok: true } | { ok: false; code: 'not_configured'; message: string; fact: PlgDetailFact } {
  if (!hasScrapeJob(service)) return { ok: true };
  const missing = [!settings.botPublicUrl ? 'BOT_PUBLIC_URL' : undefined, !settings.sdToken ? 'PROMETHEUS_SD_TOKEN' : undefined].filter((v): v is string => Boolean(v));
  if (missing.length === 0) return { ok: true };
  return {
    ok: false,
    code: 'not_configured',
    message:
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: the scrape job of ${service.name} asks the bot for its targets ` +
      `(http_sd at BOT_PUBLIC_URL${SD_PATH}, authorized by PROMETHEUS_SD_TOKEN). Set ${missing.join(' and ')} for the bot and run the push again`,
    fact: { code: 'sd_not_configured', service: service.name, missing },
  };
}

async function plan(kind: PlgPlan['kind'], service: Service, deps: PlgDeps): Promise<PlanResult> {
  if (kind === 'push') {
    const ready = missingForPush(service, deps.settings);
    if (!ready.ok) return ready;
  }
  const session = await open(deps);
  if (!session.ok) return session;
  try {
    const read = await readAll(session.remote, deps);
    if (!read.ok) return read;
    const merged = mergeAll(kind, service, read.texts, deps);
    if (!merged.ok) return merged;
    const files = ROLES.map((role): PlgFilePlan => {
      const before = read.texts[role];
      const after = merged.texts[role] ?? before; // undefined: leave the (missing) file alone
      const changed = before !== after;
      return {
        role,
        path: deps.paths[role],
        existed: before !== undefined,
        beforeSha256: sha256(before),
        afterSha256: sha256(after),
        changed,
        diff: changed ? maskedDiff(deps.paths[role], before ?? '', after ?? '', deps.settings) : '',
      };
    });
    return {
      ok: true,
      plan: { kind, service, createdAt: (deps.now?.() ?? new Date()).toISOString(), noop: files.every((f) => !f.changed), files, ...(kind === 'push' ? { rules: rulesRead(service) } : {}) },
    };
  } finally {
    session.remote.close();
  }
}

async function open(deps: PlgDeps): Promise<{ ok: true; remote: RemoteHost } | { ok: false; code: PlgFailureCode; message: string; fact?: PlgDetailFact }> {
  try {
    return { ok: true, remote: await deps.connect() };
  } catch (e) {
    if (e instanceof PlgSshError) return { ok: false, code: e.code === 'sftp_failed' || e.code === 'exec_failed' ? 'ssh_failed' : e.code, message: e.message };
    const detail = maskSecretLines((e as Error).message);
    return { ok: false, code: 'ssh_failed', message: `SSH to the monitoring server failed: ${detail}`, fact: { code: 'ssh_failed', detail } };
  }
}

type Texts = PlgByRole<string | undefined>;

async function readAll(remote: RemoteHost, deps: PlgDeps): Promise<{ ok: true; texts: Texts } | { ok: false; code: 'read_failed'; message: string; fact?: PlgDetailFact }> {
  const texts = {} as Texts;
  for (const role of ROLES) {
    try {
      texts[role] = await remote.readFile(deps.paths[role]);
    } catch (e) {
      return { ok: false, code: 'read_failed', message: (e as Error).message };
    }
    if (texts[role] === undefined && role !== 'rules') {
      const variable = `PLG_${role === 'prometheus' ? 'PROMETHEUS' : 'ALERTMANAGER'}_CONFIG`;
      return {
        ok: false, code: 'read_failed', message: `${deps.paths[role]} does not exist on ${remote.address} (check ${variable})`,
        fact: { code: 'missing_file', path: deps.paths[role], host: remote.address, variable },
      };
    }
  }
  return { ok: true, texts };
}

/** How prometheus.yml names the rules file: relative to its own directory when it lies below it. */
export function rulesFileRefFor(paths: PlgByRole<string>): string {
  const rel = posix.relative(posix.dirname(paths.prometheus), paths.rules);
  return rel.startsWith('..') ? paths.rules : rel;
}

function mergeAll(
  kind: PlgPlan['kind'],
  service: Service,
  texts: Texts,
  deps: PlgDeps,
): { ok: true; texts: Texts } | { ok: false; code: PlgMergeError['code']; message: string } {
  const settings = { ...deps.settings, rulesFileRef: deps.rulesFileRef ?? rulesFileRefFor(deps.paths) };
  try {
    const prometheus = texts.prometheus ?? '';
    const rules = texts.rules ?? '';
    const alertmanager = texts.alertmanager ?? '';
    return {
      ok: true,
      texts:
        kind === 'push'
          ? {
              prometheus: mergePrometheus(prometheus, service, settings),
              rules: mergeRules(rules, service),
              alertmanager: mergeAlertmanager(alertmanager, service, settings),
            }
          : {
              prometheus: removePrometheus(prometheus, service),
              rules: texts.rules === undefined ? undefined : removeRules(rules, service), // nothing to remove from a missing file
              alertmanager: removeAlertmanager(alertmanager, service),
            },
    };
  } catch (e) {
    if (e instanceof PlgMergeError) return { ok: false, code: e.code, message: e.message };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Apply

/**
 * Applies a plan from planPush or planRemove. Expected failures (including a dropped SSH session
 * mid-way) come back as values; once a live file was replaced, any failure restores the backups.
 */
export async function applyPush(plan: PlgPlan, deps: PlgDeps): Promise<ApplyResult> {
  const started = performance.now();
  const run = new StepRecorder();
  const backups: string[] = [];
  const fail = (code: PlgFailureCode, message: string, rolledBack = false, fact?: PlgDetailFact, restoreFailed = false): ApplyResult => ({
    ok: false, code, message: maskSecretLines(message), ...(fact ? { fact } : {}), steps: run.steps, rolledBack, ...(restoreFailed ? { restoreFailed } : {}),
    backups, durationMs: performance.now() - started,
  });
  const done = (noop: boolean): ApplyResult => ({ ok: true, noop, steps: run.steps, backups, durationMs: performance.now() - started });

  const t0 = performance.now();
  const session = await open(deps);
  run.record('connect', undefined, session.ok, session.ok ? session.remote.address : session.message, performance.now() - t0);
  if (!session.ok) return fail(session.code, session.message, false, session.fact);
  const remote = session.remote;
  try {
    const t1 = performance.now();
    const read = await readAll(remote, deps);
    run.record('read', undefined, read.ok, read.ok ? ROLES.map((r) => deps.paths[r]).join(', ') : read.message, performance.now() - t1, read.ok ? undefined : read.fact);
    if (!read.ok) return fail(read.code, read.message, false, read.fact);
    const originals = read.texts;

    const moved = plan.files.filter((f) => sha256(originals[f.role]) !== f.beforeSha256);
    if (moved.length > 0) {
      const message = `refusing to apply: ${moved.map((f) => f.path).join(', ')} changed on the server since the diff was made. Run the diff again.`;
      const fact: PlgDetailFact = { code: 'changed_since_plan', paths: moved.map((f) => f.path) };
      run.record('compare', undefined, false, message, 0, fact);
      return fail('changed_since_plan', message, false, fact);
    }
    const merged = mergeAll(plan.kind, plan.service, originals, deps);
    if (!merged.ok) return fail(merged.code, merged.message);
    const stale = plan.files.filter((f) => sha256(merged.texts[f.role] ?? originals[f.role]) !== f.afterSha256);
    if (stale.length > 0) {
      const message = `refusing to apply: the generated ${stale.map((f) => f.role).join(', ')} config differs from the diff shown (the service or the bot's settings changed). Run the diff again.`;
      const fact: PlgDetailFact = { code: 'plan_stale', roles: stale.map((f) => f.role) };
      run.record('compare', undefined, false, message, 0, fact);
      return fail('plan_stale', message, false, fact);
    }
    run.record('compare', undefined, true, 'files unchanged since the diff', 0, { code: 'unchanged_since_diff' });

    const changed = plan.files.filter((f) => f.changed);
    if (changed.length === 0) return done(true);

    const stamp = (deps.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-');
    const commandTimeout = deps.commandTimeoutMs ?? 120_000;
    const tempOf = (f: PlgFilePlan) => `${f.path}.autoscale-${stamp}.tmp`;
    const backupOf = (f: PlgFilePlan) => `${f.path}.bak-${stamp}`;
    const modes = {} as PlgByRole<number | undefined>;
    const leftovers: string[] = []; // temp files (and, until the first rename, backups) to remove on failure
    const cleanup = async () => {
      for (const file of leftovers.splice(0)) await run.step('cleanup', undefined, async () => (await remote.remove(file), { ok: true, detail: `removed ${file}`, fact: { code: 'removed', path: file } }));
    };

    // 1. Backups beside each file, then the candidates as temp files beside them.
    for (const f of changed) {
      const backedUp = await run.step('backup', f.role, async () => {
        if (!f.existed) return { ok: true, detail: `${f.path} is new: nothing to back up`, fact: { code: 'new_file', path: f.path } };
        modes[f.role] = await remote.fileMode(f.path);
        await remote.writeFile(backupOf(f), originals[f.role]!, modes[f.role]);
        backups.push(backupOf(f));
        leftovers.push(backupOf(f));
        return { ok: true, detail: backupOf(f) };
      });
      const written =
        backedUp &&
        (await run.step('write_temp', f.role, async () => {
          leftovers.push(tempOf(f));
          await remote.writeFile(tempOf(f), merged.texts[f.role]!, modes[f.role]);
          return { ok: true, detail: tempOf(f) };
        }));
      if (!written) {
        const message = `writing beside ${f.path} failed, nothing was changed: ${run.last()}`;
        const fact: PlgDetailFact = { code: 'write_failed', path: f.path, detail: run.last() };
        await cleanup();
        backups.length = 0;
        return fail('write_failed', message, false, fact);
      }
    }

    // 2. Validate every candidate before anything live is touched.
    const installed: PlgFilePlan[] = [];
    const install = (f: PlgFilePlan) =>
      run.step('install', f.role, async () => {
        await remote.rename(tempOf(f), f.path);
        leftovers.splice(leftovers.indexOf(tempOf(f)), 1);
        installed.push(f);
        return { ok: true, detail: `${tempOf(f)} → ${f.path}` };
      });
    for (const f of changed) {
      const valid = await run.step('check', f.role, () => runRemote(remote, commandArgs(deps.checks[f.role], tempOf(f)), commandTimeout));
      // A NEW rules file must exist before promtool can check a prometheus.yml that names it. No
      // server has loaded it (nothing reloads before step 4), so placing it now is safe.
      const placed = valid && (f.existed || (await install(f)));
      if (!placed) {
        const message = `${valid ? `placing the new ${f.path} failed` : `the new ${f.path} failed validation`}, nothing was changed: ${run.last()}`;
        const fact: PlgDetailFact = { code: valid ? 'place_failed' : 'check_failed', path: f.path, detail: run.last() };
        for (const n of installed) await run.step('restore', n.role, async () => (await remote.remove(n.path), { ok: true, detail: `removed the new ${n.path}`, fact: { code: 'removed_new', path: n.path } }));
        await cleanup();
        backups.length = 0;
        return fail(valid ? 'install_failed' : 'check_failed', message, false, fact);
      }
    }
    // The backups are kept from here on: they are what a restore (by us or by hand) uses.
    for (const b of backups) leftovers.splice(leftovers.indexOf(b), 1);

    // 3. Atomic rename into place. From here on any failure restores the backups. (`return await`
    // throughout: the session must stay open until a rollback has finished, not merely started.)
    const rollback = async (code: PlgFailureCode, message: string, fact: PlgDetailFact): Promise<ApplyResult> => {
      const restored = await restore(installed, originals, { remote, run, deps, stamp, modes });
      await cleanup();
      return fail(
        code,
        `${message} ${restored ? 'The previous files were restored and reloaded.' : `RESTORING THE PREVIOUS FILES FAILED — see the steps; backups: ${backups.join(', ')}`}`,
        restored,
        fact,
        !restored,
      );
    };
    for (const f of changed.filter((c) => !installed.includes(c))) {
      if (!(await install(f))) return await rollback('install_failed', `installing ${f.path} failed: ${run.last()}.`, { code: 'install_failed', path: f.path, detail: run.last() });
    }

    // 4. Reload, then verify that the running servers show the change.
    const services = servicesFor(changed);
    const urls = { prometheus: deps.prometheusUrl, alertmanager: deps.alertmanagerUrl };
    const reloadedBefore = { prometheus: undefined as number | undefined, alertmanager: undefined as number | undefined };
    for (const svc of services) {
      reloadedBefore[svc] = (await lastReload(svc, urls[svc]))?.at;
      if (!(await run.step('reload', svc, () => reload(deps.reloads[svc], remote, commandTimeout)))) {
        return await rollback('reload_failed', `reloading ${svc} failed: ${run.last()}.`, { code: 'reload_failed', server: svc, detail: run.last() });
      }
    }
    for (const svc of services) {
      const verified = await run.step('verify', svc, () => verify(svc, plan, urls[svc], deps.verifyTimeoutMs ?? 60_000, reloadedBefore[svc]));
      if (!verified) return await rollback('verify_failed', `${svc} did not show the change: ${run.last()}.`, { code: 'verify_failed', server: svc, detail: run.last() });
    }
    return done(false);
  } finally {
    remote.close();
  }
}

/** Which servers must reload: Prometheus for its config or rules, Alertmanager for its config. */
function servicesFor(files: readonly PlgFilePlan[]): Array<'prometheus' | 'alertmanager'> {
  const out: Array<'prometheus' | 'alertmanager'> = [];
  if (files.some((f) => f.role === 'prometheus' || f.role === 'rules')) out.push('prometheus');
  if (files.some((f) => f.role === 'alertmanager')) out.push('alertmanager');
  return out;
}

async function restore(
  installed: readonly PlgFilePlan[],
  originals: Texts,
  ctx: { remote: RemoteHost; run: StepRecorder; deps: PlgDeps; stamp: string; modes: PlgByRole<number | undefined> },
): Promise<boolean> {
  let ok = true;
  for (const f of installed) {
    const restored = await ctx.run.step('restore', f.role, async () => {
      if (!f.existed) {
        await ctx.remote.remove(f.path);
        return { ok: true, detail: `removed the new ${f.path}`, fact: { code: 'removed_new', path: f.path } };
      }
      // The backup holds exactly these bytes (hash-checked before we started); write them beside
      // the file and rename, so the restore is atomic too.
      const temp = `${f.path}.restore-${ctx.stamp}.tmp`;
      await ctx.remote.writeFile(temp, originals[f.role]!, ctx.modes[f.role]);
      await ctx.remote.rename(temp, f.path);
      return { ok: true, detail: `${f.path} restored from ${f.path}.bak-${ctx.stamp}`, fact: { code: 'restored', path: f.path, backup: `${f.path}.bak-${ctx.stamp}` } };
    });
    ok = ok && restored; // every file is attempted even when one fails
  }
  for (const svc of servicesFor(installed)) {
    const reloaded = await ctx.run.step('reload_after_restore', svc, () => reload(ctx.deps.reloads[svc], ctx.remote, ctx.deps.commandTimeoutMs ?? 120_000));
    ok = ok && reloaded;
  }
  return ok;
}

class StepRecorder {
  readonly steps: PlgStep[] = [];

  record(step: PlgStep['step'], role: PlgRole | undefined, ok: boolean, detail: string, durationMs = 0, fact?: PlgDetailFact): void {
    // What the servers said may quote a config line: masked like the diff (maskSecretLines redacts too).
    this.steps.push({ step, ...(role ? { role } : {}), ok, detail: maskSecretLines(detail), ...(fact ? { fact } : {}), durationMs: Math.round(durationMs) });
  }

  /** Runs `fn` and records its outcome; an exception (a dropped session…) is a failed step. */
  async step(step: PlgStep['step'], role: PlgRole | undefined, fn: () => Promise<{ ok: boolean; detail: string; fact?: PlgDetailFact }>): Promise<boolean> {
    const t0 = performance.now();
    try {
      const r = await fn();
      this.record(step, role, r.ok, r.detail, performance.now() - t0, r.fact);
      return r.ok;
    } catch (e) {
      this.record(step, role, false, (e as Error).message, performance.now() - t0);
      return false;
    }
  }

  last(): string {
    return this.steps[this.steps.length - 1]?.detail ?? '';
  }
}

