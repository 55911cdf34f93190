/**
 * Stored facts → words. Every place a card, thread or ephemeral shows something the store recorded about a request
 * (why it is blocked, a pre-flight finding, a withdrawal, a step's outcome, the error of a failed attempt, what a
 * rollback undid) goes through one of these functions, so the store can hold codes with typed parameters and each
 * reader sees them in their own language. Pure: no I/O, nothing but types and the catalog.
 */
import { formatDistanceStrict } from 'date-fns';
import { enUS, ko as koDates } from 'date-fns/locale';
import { catalog, formatTime, type Locale } from '../i18n/index.js';
import { formatDuration } from './time.js';
import type { Attempt, BlockInfo, ErrorFact, ErrorRecord, EventFact, Preview, RequestEvent, StepFact, StepRecord, UndoAction, UndoneFact } from '../store/types.js';

/**
 * Where and when the reader is (the cards' TimeContext fits): times are shown in the bot's zone, relative to now.
 * Without it: UTC and the real clock, and a cooldown's end is left to the caller.
 */
export interface FactTime {
  tz: string;
  now: Date;
}

function when(locale: Locale, at: string, t: FactTime | undefined): string {
  return formatTime(new Date(at), { locale, timeZone: t?.tz ?? 'UTC', now: t?.now ?? new Date() });
}

function relative(locale: Locale, at: string, t: FactTime | undefined): string {
  return formatDistanceStrict(new Date(at), t?.now ?? new Date(), { addSuffix: true, roundingMethod: 'ceil', locale: locale === 'ko' ? koDates : enUS });
}

/**
 * Why scaling is not possible now (no trailing period). With `t`, a cooldown also says when it ends, unless the caller
 * says that itself (`until: false`: the card's "Scaling becomes possible at …").
 */
export function blockText(locale: Locale, b: BlockInfo, t?: FactTime, opts: { until?: boolean } = {}): string {
  const c = catalog(locale).facts.block;
  switch (b.code) {
    case 'max_instances': return c.max_instances(b);
    case 'min_instances': return c.min_instances(b);
    case 'nothing_to_remove': return b.protectedCount ? c.all_protected({ service: b.service, count: b.protectedCount }) : c.nothing_to_remove(b);
    case 'cooldown': {
      const lastAt = when(locale, b.lastAt, t);
      // Without the reader's clock the caller says when scaling becomes possible itself (the card's "Not now" line).
      return b.until && t && opts.until !== false
        ? c.cooldownUntil({ ...b, lastAt, until: when(locale, b.until, t), relative: relative(locale, b.until, t) })
        : c.cooldown({ ...b, lastAt });
    }
    case 'rate_limit': return c.rate_limit(b);
    case 'frozen': return b.reason ? c.frozenReason({ service: b.service, reason: b.reason }) : c.frozen(b);
    case 'conflict': return c.conflict(b);
    case 'unknown_instances': return c.unknown_instances(b);
    case 'protected': return c.protected(b);
    case 'legacy': return b.text;
  }
}

/** One pre-flight finding. */
export function checkText(locale: Locale, c: Preview['checks'][number]): string {
  const k = catalog(locale).facts.check;
  switch (c.code) {
    case 'template_present': return k.template_present(c);
    case 'template_missing': return k.template_missing(c);
    case 'vcenter_unreachable': return k.vcenter_unreachable(c);
    case 'ips_free': return k.ips_free(c);
    case 'f5_unconfigured': return k.f5_unconfigured;
    case 'f5_reachable': return k.f5_reachable(c);
    case 'f5_error': return k.f5_error(c);
    case 'not_consulted': return k.not_consulted;
    case 'timed_out': return k.timed_out;
    case 'legacy': return c.text;
  }
}

/** What the bot recorded on an event, in words. */
export function eventFactText(locale: Locale, f: EventFact, t?: FactTime): string {
  const k = catalog(locale).facts.event;
  switch (f.code) {
    case 'refired': return k.refired(f);
    case 'block_passed': return k.block_passed;
    case 'blocked': return blockText(locale, f.block, t);
    case 'alert_resolved': return k.alert_resolved(f);
    case 'resolved_before_decision': return k.resolved_before_decision(f);
    case 'resolved_after_run': return k.resolved_after_run;
    case 'still_firing': return k.still_firing;
    case 'confirmed_frozen': return k.confirmed_frozen;
    case 'silenced': return k.silenced({ until: when(locale, f.until, t) });
    case 'back_at_min': return catalog(locale).belowMin.backAtMin(f);
    case 'conflicting_alert': return k.conflicting_alert(f);
    case 'attempt_started': return k.attempt_started(f);
    case 'step': return k.step({ step: label(locale, f.step), state: k.stepState[f.state] });
    case 'resuming': return k.resuming;
    case 'run_finished':
      if (f.outcome === 'succeeded') return k.run_succeeded;
      return f.step && f.step !== 'unknown' ? k.run_failed_at({ step: label(locale, f.step) }) : k.run_failed;
    case 'legacy': return f.text;
    default: return unknownFact(f);
  }
}

/** Another system's words inside a code span are cut before the span closes (a cut span would swallow what follows). */
function clip(text: string, max: number): string {
  // A backquote in it would close the span early: shown as a look-alike.
  const chars = [...text.replace(/\u0060/g, '\u02cb')];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

/** A step's label in the reader's language (the catalog's `steps`); a name it does not know, as it is. */
function label(locale: Locale, step: string): string {
  const steps: Record<string, string> = catalog(locale).steps;
  return steps[step] ?? step;
}

/** A fact of a code this version does not know (a newer run-step, say): its data, never nothing. */
function unknownFact(f: object): string {
  return JSON.stringify(f);
}

/** An event's words: the bot's fact and what a person typed (a reason), either or both; undefined: nothing. */
export function eventText(locale: Locale, e: RequestEvent, t?: FactTime): string | undefined {
  const parts = [e.fact ? eventFactText(locale, e.fact, t) : undefined, e.detail].filter((x): x is string => !!x);
  return parts.length ? parts.join(' — ') : undefined;
}

/** Why a request was withdrawn or superseded (the event that did it). */
export function withdrawnText(locale: Locale, e: RequestEvent | undefined, t?: FactTime): string {
  return (e && eventText(locale, e, t)) ?? catalog(locale).facts.withdrawn;
}

/** What a step established, in words. */
export function stepFactText(locale: Locale, f: StepFact): string {
  const k = catalog(locale).facts.step;
  switch (f.code) {
    case 'ip_reserved': return k.ip_reserved(f);
    case 'vm_named': return k.vm_named(f);
    case 'vm_cloned': return k.vm_cloned(f);
    case 'vm_adopted': return f.when === 'while_down' ? k.vm_adopted_while_down(f) : k.vm_adopted_earlier(f);
    case 'guest_customized': return k.guest_customized(f);
    case 'vm_powered_on': return k.vm_powered_on(f);
    case 'ip_seen': return k.ip_seen(f);
    case 'healthy': return k.healthy({ ...f, answer: clip(f.answer, 200) });
    case 'member_added':
      return f.syncGroup ? k.member_added_synced({ ...f, group: f.syncGroup, status: f.syncStatus ?? '' }) : k.member_added(f);
    case 'member_disabled': return k.member_disabled(f);
    case 'drained': return k.drained(f);
    case 'drain_timed_out': return k.drain_timed_out({ connections: f.connections, timeout: formatDuration(locale, f.timeoutMs) });
    case 'member_removed': return k.member_removed(f);
    case 'guest_shut_down': return k.guest_shut_down;
    case 'vm_powered_off': return k.vm_powered_off;
    case 'warm_taken': return k.warm_taken({ ...f, state: catalog(locale).approval.warmState[f.state] });
    case 'warm_returned': return k.warm_returned(f);
    case 'vm_destroyed': return k.vm_destroyed(f);
    case 'ip_released': return k.ip_released(f);
    case 'build_finished': return catalog(locale).jenkins.run.buildDetail({ job: f.job, n: f.build, result: f.result, took: formatDuration(locale, f.durationMs) });
    case 'dry_run': return k.dry_run(f);
    case 'legacy': return f.text;
    default: return unknownFact(f);
  }
}

/** Why a step or a run failed, when the bot decided it. */
export function errorFactText(locale: Locale, f: ErrorFact): string {
  const k = catalog(locale).facts.error;
  const m = catalog(locale).messages;
  const j = catalog(locale).jenkins.run;
  switch (f.code) {
    case 'vm_not_ours': return k.vm_not_ours(f);
    case 'vm_missing': return k.vm_missing(f);
    case 'duplicate_name': return k.duplicate_name(f);
    case 'duplicate_path': return k.duplicate_path(f);
    case 'clone_wait_timeout': return k.clone_wait_timeout({ template: f.template, limit: formatDuration(locale, f.limitMs) });
    case 'ambiguous': return k.ambiguous(f);
    case 'no_identity': return k.no_identity(f);
    case 'ip_timeout': return k.ip_timeout({ vm: f.vm, timeout: formatDuration(locale, f.timeoutMs) });
    case 'wrong_ip': return k.wrong_ip(f);
    case 'unhealthy': return k.unhealthy({ ...f, elapsed: formatDuration(locale, f.elapsedMs) });
    case 'no_f5': return f.action === 'add' ? k.no_f5_add : k.no_f5_drain;
    case 'member_missing': return k.member_missing(f);
    case 'not_leased': return k.not_leased(f);
    case 'no_victim': return k.no_victim(f);
    case 'unproven_vm': return f.present ? k.unproven_vm(f) : k.unproven_vm_absent(f);
    case 'min_instances': return k.min_instances(f);
    case 'service_gone': return m.serviceGone(f);
    case 'no_executor': return m.noExecutor(f);
    case 'interrupted': return m.interruptedRolledBack;
    case 'shutdown': return k.shutdown;
    case 'no_job': return j.jobMissing(f);
    case 'queue_cancelled': return j.queueCancelled(f);
    case 'build_failed': {
      // The failed stage's own failure in words when run-step said it as a fact; else Jenkins' last lines as they are.
      // The stage is named as Jenkins shows it (the pipeline's stage names are the step names).
      const why = f.cause ? errorFactText(locale, f.cause) : f.tail;
      return j.buildFailed({ job: f.job, n: f.build, result: f.result, stage: f.stage ? j.atStage({ stage: f.stage }) : '', tail: why ? j.tail({ tail: why }) : '' });
    }
    case 'stage_ended': return j.stageEnded(f);
    case 'stopped_following': return j.stoppedFollowing;
    case 'no_local': return j.noLocalForScaleIn(f);
    case 'run_step_refused': return k.run_step_refused(f);
    default: return unknownFact(f);
  }
}

/** What a rollback did, in words. */
export function undoneText(locale: Locale, u: UndoneFact): string {
  const k = catalog(locale).facts.undone;
  const text = ((): string => {
    switch (u.code) {
      case 'remove_member': case 'destroy_vm': case 'release_ip': case 'power_on_vm': case 'readd_member': case 'reenable_member': {
        // Each action's catalog entry takes its own parameters, all of which the action carries.
        const done = k.done[u.code] as (p: UndoAction) => string;
        const todo = k.todo[u.code] as (p: UndoAction) => string;
        if (u.failed === undefined) return done(u);
        // A failed destroy names the VM's path too: that is where to fix it by hand.
        return k.failed({ todo: todo(u.code === 'destroy_vm' && u.path ? { ...u, vm: `${u.vm} (${u.path})` } : u), error: u.failed });
      }
      case 'vm_not_proven': return k.vm_not_proven(u);
      case 'vm_lookup_failed': return k.vm_lookup_failed(u);
      case 'vm_left_to_pipeline': return catalog(locale).jenkins.run.vmLeftToPipeline(u);
      case 'legacy': return u.text;
      default: return unknownFact(u);
    }
  })();
  return u.by === 'pipeline' ? catalog(locale).jenkins.run.pipelineUndid({ text }) : text;
}

/** A failure: its fact in words, else the message as the other system worded it (or a legacy line). */
export function errorRecordText(locale: Locale, e: ErrorRecord): string {
  return e.fact ? errorFactText(locale, e.fact) : e.message;
}

/** What a step established or why it failed, as the step's line on the card shows it; undefined: nothing to add. */
export function stepDetailText(locale: Locale, s: Pick<StepRecord, 'fact' | 'error'>): string | undefined {
  if (s.error) return errorRecordText(locale, s.error);
  return s.fact ? stepFactText(locale, s.fact) : undefined;
}

/** The error of a failed attempt. */
export function errorText(locale: Locale, e: NonNullable<Attempt['error']>): string {
  return errorRecordText(locale, e);
}

/** What the rollback of an attempt undid, one entry per thing. */
export function undoneTexts(locale: Locale, a: Pick<Attempt, 'undone'>): string[] {
  return a.undone.map((u) => undoneText(locale, u));
}
