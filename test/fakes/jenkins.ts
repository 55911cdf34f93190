/**
 * A fake Jenkins that follows the REST API the bot uses (see the "Jenkins REST" facts):
 * Basic auth with an API token, crumbs bound to a JSESSIONID session, createItem / config.xml /
 * doDelete, buildWithParameters → queue item → build, progressive console text, the Pipeline Stage
 * View (`wfapi/describe`) and the Generic Webhook Trigger's `/generic-webhook-trigger/invoke`.
 *
 * Builds run `runBuild`; by default the job's generated pipeline is interpreted (its stages and
 * `sh` commands read from config.xml by `extractPipeline`) without executing anything. Pass
 * `runBuild: pipelineRunner(processSh({ cwd }))` to really execute the `run-step` commands.
 * Listens on 127.0.0.1 only.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { create } from 'xmlbuilder2';
import { runProcess, type ProcessRunner } from '../../src/integrations/process.js';

export type BuildOutcome = 'SUCCESS' | 'FAILURE' | 'ABORTED';
type StageStatus = 'SUCCESS' | 'FAILED' | 'IN_PROGRESS' | 'NOT_EXECUTED' | 'ABORTED';

export interface FakeBuildContext {
  job: string;
  number: number;
  /** The job's config.xml when the build started. */
  configXml: string;
  /** Fires when the build is stopped (`POST /job/X/N/stop`). */
  signal: AbortSignal;
  /** Appends to the console (add your own newlines). */
  log(text: string): void;
  /** Runs `body` as a pipeline stage: console markers and a wfapi stage; a throw marks it FAILED. */
  stage<T>(name: string, body: () => Promise<T>): Promise<T>;
  /** Records a stage that did not run, as declarative pipelines do after a failure. */
  skipStage(name: string, why?: string): void;
}

export type RunBuild = (job: string, params: Record<string, string>, build: FakeBuildContext) => Promise<BuildOutcome>;

export interface FakeJenkinsOptions {
  user: string;
  token: string;
  /** Real Jenkins does not want a crumb from API-token requests; set true to demand one anyway. */
  requireCrumbForTokenAuth?: boolean;
  /** false: CSRF protection off, `/crumbIssuer/api/json` is 404. Default true. */
  csrfProtection?: boolean;
  /** false: the Pipeline Stage View plugin is missing, `wfapi/describe` is 404. Default true. */
  wfapi?: boolean;
  /** How long a queue item waits for an executor; default 30 ms. */
  queueDelayMs?: number;
  /** Jenkins' configured root URL, used in Location headers and build URLs; default the listen URL. */
  rootUrl?: string;
  runBuild?: RunBuild;
}

export interface FakeStage {
  id: string;
  name: string;
  status: StageStatus;
  startTimeMillis: number;
  durationMillis: number;
}

export interface FakeBuild {
  job: string;
  number: number;
  params: Record<string, string>;
  cause: string;
  building: boolean;
  result: BuildOutcome | null;
  timestamp: number;
  durationMs: number;
  stages: FakeStage[];
  readonly console: string;
  /** Resolves when the build has finished. */
  done: Promise<FakeBuild>;
}

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  status?: number;
}

export interface FakeJenkins {
  /** Where it listens, with a trailing slash. */
  url: string;
  requests: RecordedRequest[];
  /** config.xml of each job, as stored. */
  jobs: ReadonlyMap<string, string>;
  builds(job: string): FakeBuild[];
  /** Queue items by id, as the REST API shows them. */
  queueItem(id: number): Record<string, unknown> | undefined;
  addJob(name: string, configXml: string): void;
  /** Invalidates every crumb issued so far (as a Jenkins restart or session expiry would). */
  expireSessions(): void;
  /** While true, every crumb is refused (a misconfigured proxy stripping the header, say). */
  refuseAllCrumbs: boolean;
  close(): Promise<void>;
}

interface Job {
  configXml: string;
  nextBuildNumber: number;
  builds: Map<number, FakeBuild & { controller: AbortController; logBytes: Buffer }>;
}

interface QueueItem {
  id: number;
  job: string;
  params: Record<string, string>;
  cause: string;
  inQueueSince: number;
  state: 'waiting' | 'cancelled' | 'left';
  buildNumber?: number;
  timer?: NodeJS.Timeout;
}

const NO_CRUMB = 'No valid crumb was included in the request';

export async function startFakeJenkins(opts: FakeJenkinsOptions): Promise<FakeJenkins> {
  const jobs = new Map<string, Job>();
  const queue = new Map<number, QueueItem>();
  const sessions = new Set<string>();
  const requests: RecordedRequest[] = [];
  let crumbSecret = randomBytes(16);
  let nextQueueId = 1;
  const cookieName = `JSESSIONID.${randomBytes(4).toString('hex')}`;
  const runBuild = opts.runBuild ?? pipelineRunner(echoSh);
  let root = '';

  const fake: FakeJenkins = {
    url: '',
    requests,
    get jobs() {
      return new Map([...jobs].map(([name, job]) => [name, job.configXml]));
    },
    builds: (job) => [...(jobs.get(job)?.builds.values() ?? [])],
    queueItem: (id) => {
      const item = queue.get(id);
      return item && queueItemJson(item);
    },
    addJob: (name, configXml) => void jobs.set(name, { configXml, nextBuildNumber: 1, builds: new Map() }),
    expireSessions: () => {
      crumbSecret = randomBytes(16);
      sessions.clear();
    },
    refuseAllCrumbs: false,
    close: () =>
      new Promise<void>((resolve) => {
        for (const item of queue.values()) clearTimeout(item.timer);
        for (const job of jobs.values()) for (const b of job.builds.values()) b.controller.abort();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const crumbFor = (session: string) => createHmac('sha256', crumbSecret).update(session).digest('hex');

  function sessionOf(req: IncomingMessage): string | undefined {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [k, v] = part.trim().split('=');
      if (k === cookieName && v && sessions.has(v)) return v;
    }
    return undefined;
  }

  function queueItemJson(item: QueueItem): Record<string, unknown> {
    const base = {
      id: item.id,
      inQueueSince: item.inQueueSince,
      params: Object.entries(item.params).map(([k, v]) => `\n${k}=${v}`).join(''),
      stuck: false,
      task: { _class: 'org.jenkinsci.plugins.workflow.job.WorkflowJob', name: item.job, url: `${root}job/${encodeURIComponent(item.job)}/` },
      url: `queue/item/${item.id}/`,
    };
    if (item.state === 'waiting') {
      return { _class: 'hudson.model.Queue$BuildableItem', ...base, blocked: false, buildable: true, why: 'Waiting for next available executor' };
    }
    const executable =
      item.state === 'left' && item.buildNumber !== undefined
        ? { _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun', number: item.buildNumber, url: buildUrl(item.job, item.buildNumber) }
        : null;
    return { _class: 'hudson.model.Queue$LeftItem', ...base, blocked: false, buildable: false, why: null, cancelled: item.state === 'cancelled', executable };
  }

  const buildUrl = (job: string, n: number) => `${root}job/${encodeURIComponent(job)}/${n}/`;

  function enqueue(jobName: string, params: Record<string, string>, cause: string): { item: QueueItem; duplicate: boolean } {
    for (const item of queue.values()) {
      if (item.state === 'waiting' && item.job === jobName && JSON.stringify(item.params) === JSON.stringify(params)) return { item, duplicate: true };
    }
    const item: QueueItem = { id: nextQueueId++, job: jobName, params, cause, inQueueSince: Date.now(), state: 'waiting' };
    queue.set(item.id, item);
    item.timer = setTimeout(() => startBuild(item), opts.queueDelayMs ?? 30);
    return { item, duplicate: false };
  }

  function startBuild(item: QueueItem): void {
    const job = jobs.get(item.job);
    if (!job || item.state !== 'waiting') return;
    const number = job.nextBuildNumber++;
    item.state = 'left';
    item.buildNumber = number;
    const controller = new AbortController();
    let finish: (b: FakeBuild) => void = () => {};
    const build: FakeBuild & { controller: AbortController; logBytes: Buffer } = {
      job: item.job,
      number,
      params: item.params,
      cause: item.cause,
      building: true,
      result: null,
      timestamp: Date.now(),
      durationMs: 0,
      stages: [],
      controller,
      logBytes: Buffer.alloc(0),
      get console() {
        return this.logBytes.toString('utf8');
      },
      done: new Promise<FakeBuild>((resolve) => (finish = resolve)),
    };
    job.builds.set(number, build);
    const log = (text: string) => void (build.logBytes = Buffer.concat([build.logBytes, Buffer.from(text, 'utf8')]));
    let stageId = 5;
    const context: FakeBuildContext = {
      job: item.job,
      number,
      configXml: job.configXml,
      signal: controller.signal,
      log,
      async stage(name, body) {
        const stage: FakeStage = { id: String(stageId++), name, status: 'IN_PROGRESS', startTimeMillis: Date.now(), durationMillis: 0 };
        build.stages.push(stage);
        log(`[Pipeline] stage\n[Pipeline] { (${name})\n`);
        try {
          const value = await body();
          stage.status = 'SUCCESS';
          return value;
        } catch (e) {
          stage.status = controller.signal.aborted ? 'ABORTED' : 'FAILED';
          throw e;
        } finally {
          stage.durationMillis = Date.now() - stage.startTimeMillis;
          log('[Pipeline] }\n[Pipeline] // stage\n');
        }
      },
      skipStage(name, why = 'earlier failure(s)') {
        build.stages.push({ id: String(stageId++), name, status: 'NOT_EXECUTED', startTimeMillis: Date.now(), durationMillis: 0 });
        log(`[Pipeline] stage\n[Pipeline] { (${name})\nStage "${name}" skipped due to ${why}\n[Pipeline] }\n[Pipeline] // stage\n`);
      },
    };
    log(`Started by ${item.cause}\n`);
    void runBuild(item.job, item.params, context)
      .catch((e: unknown) => {
        log(`ERROR: ${e instanceof Error ? e.message : String(e)}\n`);
        return controller.signal.aborted ? ('ABORTED' as const) : ('FAILURE' as const);
      })
      .then((result) => {
        build.result = controller.signal.aborted ? 'ABORTED' : result;
        build.durationMs = Math.max(1, Date.now() - build.timestamp);
        log(`Finished: ${build.result}\n`);
        build.building = false;
        finish(build);
      });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    if (path === '/generic-webhook-trigger/invoke' && (method === 'POST' || method === 'GET')) return invokeWebhook(req, res, url, body);

    // Authentication: API token only.
    const auth = req.headers.authorization;
    if (!auth) return send(res, 403, 'text/html', '<html><body>Authentication required</body></html>', { 'x-you-are-authenticated-as': 'anonymous' });
    const [user, ...rest] = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8').split(':');
    if (!auth.startsWith('Basic ') || user !== opts.user || rest.join(':') !== opts.token) {
      return send(res, 401, 'text/html', '<html><head><title>Error 401 Unauthorized</title></head><body><h2>HTTP ERROR 401 Unauthorized</h2></body></html>', {
        'www-authenticate': 'Basic realm="Jenkins"',
      });
    }

    if (method === 'GET' && path === '/crumbIssuer/api/json') {
      if (opts.csrfProtection === false) return send(res, 404, 'text/html', 'Not Found');
      let session = sessionOf(req);
      const headers: Record<string, string> = {};
      if (!session) {
        session = `node0${randomBytes(12).toString('hex')}.node0`;
        sessions.add(session);
        headers['set-cookie'] = `${cookieName}=${session}; Path=/; HttpOnly`;
      }
      return sendJson(res, 200, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: crumbFor(session), crumbRequestField: 'Jenkins-Crumb' }, headers);
    }

    if (method === 'POST' && opts.csrfProtection !== false && opts.requireCrumbForTokenAuth) {
      const session = sessionOf(req);
      const crumb = req.headers['jenkins-crumb'];
      if (fake.refuseAllCrumbs || !session || typeof crumb !== 'string' || crumb !== crumbFor(session)) {
        return send(res, 403, 'text/html', `<html><head><title>Error 403 ${NO_CRUMB}</title></head><body><h2>HTTP ERROR 403 ${NO_CRUMB}</h2></body></html>`);
      }
    }

    if (method === 'GET' && path === '/api/json') {
      return sendJson(res, 200, { _class: 'hudson.model.Hudson', jobs: [...jobs.keys()].map((name) => ({ name, url: `${root}job/${encodeURIComponent(name)}/` })) });
    }

    if (method === 'POST' && path === '/createItem') {
      const name = url.searchParams.get('name') ?? '';
      if (!req.headers['content-type']) return send(res, 400, 'text/html', 'No Content-Type', {});
      if (!name) return send(res, 400, 'text/html', 'Query parameter ‘name’ is required', { 'x-error': 'Query parameter ‘name’ is required' });
      const unsafe = /[?*/\\%!@#$^&|<>[\]:;]/.exec(name);
      if (unsafe) return send(res, 400, 'text/html', 'unsafe', { 'x-error': `‘${unsafe[0]}’ is an unsafe character` });
      if (jobs.has(name)) return send(res, 400, 'text/html', 'exists', { 'x-error': `A job already exists with the name ‘${name}’` });
      const problem = checkWellFormedXml(body);
      if (problem) return send(res, 500, 'text/html', `Failed to parse config.xml: ${problem}`);
      fake.addJob(name, body);
      return send(res, 200, 'text/plain', '');
    }

    if (method === 'POST' && path === '/queue/cancelItem') {
      const item = queue.get(Number(url.searchParams.get('id')));
      if (!item) return send(res, 404, 'text/html', 'Not Found');
      if (item.state === 'waiting') {
        clearTimeout(item.timer);
        item.state = 'cancelled';
      }
      return send(res, 204, 'text/plain', '');
    }

    const queueMatch = /^\/queue\/item\/(\d+)\/api\/json$/.exec(path);
    if (method === 'GET' && queueMatch) {
      const item = queue.get(Number(queueMatch[1]));
      return item ? sendJson(res, 200, queueItemJson(item)) : send(res, 404, 'text/html', 'Not Found');
    }

    const jobMatch = /^\/job\/([^/]+)(\/.*)?$/.exec(path);
    const jobName = jobMatch ? decodeURIComponent(jobMatch[1] ?? '') : '';
    const sub = jobMatch?.[2] ?? '/';
    const job = jobs.get(jobName);
    if (!jobMatch || !job) return send(res, 404, 'text/html', 'Not Found');

    if (sub === '/config.xml' && method === 'GET') {
      // Jenkins answers with its own XML 1.1 declaration.
      return send(res, 200, 'application/xml', `<?xml version='1.1' encoding='UTF-8'?>\n${job.configXml.replace(/^\uFEFF?\s*<\?xml[^>]*\?>\s*/, '')}`);
    }
    if (sub === '/config.xml' && method === 'POST') {
      const problem = checkWellFormedXml(body);
      if (problem) return send(res, 500, 'text/html', `Failed to parse config.xml: ${problem}`);
      job.configXml = body;
      return send(res, 200, 'text/plain', '');
    }
    if (sub === '/doDelete' && method === 'POST') {
      jobs.delete(jobName);
      return send(res, 302, 'text/plain', '', { location: root });
    }
    if (sub === '/buildWithParameters' && method === 'POST') {
      if (isDisabled(job.configXml)) return send(res, 409, 'text/html', 'Job is disabled');
      const defs = parameterDefaults(job.configXml);
      if (defs.size === 0) return send(res, 400, 'text/html', `${jobName} is not parameterized`);
      const given = new URLSearchParams(body);
      for (const [k, v] of url.searchParams) if (k !== 'token' && k !== 'delay') given.set(k, v);
      const params = Object.fromEntries([...defs].map(([k, d]) => [k, given.get(k) ?? d]));
      const { item, duplicate } = enqueue(jobName, params, `user ${opts.user}`);
      return send(res, duplicate ? 303 : 201, 'text/plain', '', { location: `${root}queue/item/${item.id}/` });
    }

    const buildMatch = /^\/(\d+)(\/.*)$/.exec(sub);
    const build = buildMatch ? job.builds.get(Number(buildMatch[1])) : undefined;
    if (!buildMatch || !build) return send(res, 404, 'text/html', 'Not Found');
    const what = buildMatch[2];
    if (what === '/api/json' && method === 'GET') {
      return sendJson(res, 200, {
        _class: 'org.jenkinsci.plugins.workflow.job.WorkflowRun',
        building: build.building,
        displayName: `#${build.number}`,
        duration: build.building ? 0 : build.durationMs,
        estimatedDuration: -1,
        fullDisplayName: `${build.job} #${build.number}`,
        id: String(build.number),
        number: build.number,
        result: build.result,
        timestamp: build.timestamp,
        url: buildUrl(build.job, build.number),
      });
    }
    if (what === '/logText/progressiveText' && method === 'GET') {
      const start = Math.max(0, Number(url.searchParams.get('start') ?? 0) || 0);
      const bytes = build.logBytes;
      const headers: Record<string, string> = { 'x-text-size': String(bytes.length) };
      if (build.building) headers['x-more-data'] = 'true';
      return send(res, 200, 'text/plain;charset=UTF-8', bytes.subarray(Math.min(start, bytes.length)), headers);
    }
    if (what === '/consoleText' && method === 'GET') return send(res, 200, 'text/plain;charset=UTF-8', build.logBytes);
    if (what === '/wfapi/describe' && method === 'GET' && opts.wfapi !== false) {
      const statusOf = { SUCCESS: 'SUCCESS', FAILURE: 'FAILED', ABORTED: 'ABORTED' } as const;
      return sendJson(res, 200, {
        id: String(build.number),
        name: `#${build.number}`,
        status: build.result ? statusOf[build.result] : 'IN_PROGRESS',
        startTimeMillis: build.timestamp,
        durationMillis: build.building ? Date.now() - build.timestamp : build.durationMs,
        stages: build.stages.map((s) => ({ ...s, execNode: '', pauseDurationMillis: 0 })),
      });
    }
    if (what === '/stop' && method === 'POST') {
      build.controller.abort();
      return send(res, 302, 'text/plain', '', { location: buildUrl(build.job, build.number) });
    }
    return send(res, 404, 'text/html', 'Not Found');
  }

  function invokeWebhook(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const headerToken = req.headers.token;
    const token = url.searchParams.get('token') ?? (typeof headerToken === 'string' ? headerToken : undefined) ?? bearer;
    const found = [...jobs].filter(([, j]) => token && webhookTrigger(j.configXml)?.token === token);
    if (found.length === 0) {
      const message = token
        ? 'Did not find any jobs with GenericTrigger configured!\nA token was supplied.\n'
        : 'Did not find any jobs with GenericTrigger configured!\nNo token was supplied.\n' +
          'If you are using a token, you need to pass it like ...trigger/invoke?token=TOKENHERE\n' +
          'If you are not using a token, you need to authenticate like http://user:passsword@example.org/generic-webhook...\n';
      return sendJson(res, 404, { jobs: null, message });
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      payload = undefined;
    }
    const results: Record<string, unknown> = {};
    for (const [name, job] of found) {
      const trigger = webhookTrigger(job.configXml);
      if (!trigger) continue;
      const resolved: Record<string, string> = {};
      for (const v of trigger.variables) {
        let value = jsonPath(payload, v.path) ?? v.defaultValue;
        if (v.regexpFilter) value = value.replace(new RegExp(v.regexpFilter, 'g'), '');
        resolved[v.key] = value;
      }
      const filterText = renderVariables(trigger.regexpFilterText, resolved);
      const matches = !trigger.regexpFilterExpression || new RegExp(`^(?:${trigger.regexpFilterExpression})$`).test(filterText);
      let queued: QueueItem | undefined;
      if (matches) {
        const defaults = parameterDefaults(job.configXml);
        const params = { ...Object.fromEntries(defaults), ...resolved };
        queued = enqueue(name, params, renderVariables(trigger.causeString, resolved) || 'Generic Cause').item;
      }
      if (!trigger.silentResponse) {
        results[name] = {
          id: queued?.id ?? 0,
          regexpFilterExpression: trigger.regexpFilterExpression,
          regexpFilterText: filterText,
          resolvedVariables: resolved,
          triggered: Boolean(queued),
          url: queued ? `queue/item/${queued.id}/` : '',
        };
      }
    }
    if (Object.keys(results).length === 0) return send(res, 200, 'text/plain', '');
    return sendJson(res, 200, { jobs: results, message: 'Triggered jobs.' });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers };
      requests.push(record);
      res.on('finish', () => (record.status = res.statusCode));
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e: unknown) => {
        if (!res.headersSent) send(res, 500, 'text/plain', String(e));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${port}/`;
  root = opts.rootUrl ? (opts.rootUrl.endsWith('/') ? opts.rootUrl : `${opts.rootUrl}/`) : fake.url;
  return fake;
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  // Header values go out as UTF-8 bytes (Jenkins' X-Error quotes names with ‘ ’), which HTTP reads as Latin-1.
  const raw = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('latin1')]));
  res.writeHead(status, { 'content-type': contentType, 'x-jenkins': '2.528.1', ...raw });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, 'application/json;charset=utf-8', JSON.stringify(value), headers);
}

// ---------------------------------------------------------------------------------------------
// Reading config.xml (after the strict check, xmlbuilder2's lenient DOM is fine)

interface XmlEl {
  nodeType: number;
  localName: string;
  textContent: string | null;
  childNodes: ArrayLike<XmlEl>;
  getElementsByTagName(name: string): ArrayLike<XmlEl>;
}

function parseXml(xml: string): XmlEl {
  return create(xml.replace(/^\uFEFF?\s*<\?xml[^>]*\?>/, '')).root().node as unknown as XmlEl;
}

function children(el: XmlEl): XmlEl[] {
  return Array.from(el.childNodes).filter((c) => c.nodeType === 1);
}

function childText(el: XmlEl, name: string): string {
  return children(el).find((c) => c.localName === name)?.textContent ?? '';
}

function isDisabled(xml: string): boolean {
  return childText(parseXml(xml), 'disabled').trim() === 'true';
}

function parameterDefaults(xml: string): Map<string, string> {
  const defs = parseXml(xml).getElementsByTagName('parameterDefinitions')[0];
  const out = new Map<string, string>();
  for (const def of defs ? children(defs) : []) out.set(childText(def, 'name'), childText(def, 'defaultValue'));
  return out;
}

interface WebhookTrigger {
  token: string;
  variables: Array<{ key: string; path: string; regexpFilter: string; defaultValue: string }>;
  regexpFilterText: string;
  regexpFilterExpression: string;
  causeString: string;
  silentResponse: boolean;
}

function webhookTrigger(xml: string): WebhookTrigger | undefined {
  const t = parseXml(xml).getElementsByTagName('org.jenkinsci.plugins.gwt.GenericTrigger')[0];
  if (!t) return undefined;
  const vars = children(t).find((c) => c.localName === 'genericVariables');
  return {
    token: childText(t, 'token'),
    variables: (vars ? children(vars) : []).map((v) => ({
      key: childText(v, 'key'),
      path: childText(v, 'value'),
      regexpFilter: childText(v, 'regexpFilter'),
      defaultValue: childText(v, 'defaultValue'),
    })),
    regexpFilterText: childText(t, 'regexpFilterText'),
    regexpFilterExpression: childText(t, 'regexpFilterExpression'),
    causeString: childText(t, 'causeString'),
    silentResponse: childText(t, 'silentResponse') === 'true',
  };
}

/** `$.a.b[0].c` — the JSONPath subset the jobs use. */
function jsonPath(value: unknown, path: string): string | undefined {
  if (!path.startsWith('$')) return undefined;
  let cur: unknown = value;
  for (const [, key, index] of path.slice(1).matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key ?? Number(index)];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** GWT's renderer: `$name` and `${name}`, longest names first. */
function renderVariables(text: string, vars: Record<string, string>): string {
  let out = text;
  for (const key of Object.keys(vars).sort((a, b) => b.length - a.length)) {
    const value = vars[key] ?? '';
    out = out.split(`\${${key}}`).join(value).split(`$${key}`).join(value);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The generated pipeline: read it back and run it

export interface PipelineScript {
  /** The `environment { NAME = '…' }` block. */
  environment: Record<string, string>;
  stages: Array<{ name: string; sh: string[] }>;
  /** `post { always { sh … } failure { … } … cleanup { … } }` */
  post: Partial<Record<PostCondition, string[]>>;
}

/**
 * The post conditions, in the order declarative Pipeline runs them (Jenkins' "Pipeline Syntax",
 * `post`): `always` first, `cleanup` after every other. changed / fixed / regression compare with the
 * previous build, which the fake does not model; it refuses scripts that use them.
 */
export const POST_ORDER = ['always', 'aborted', 'failure', 'success', 'unstable', 'unsuccessful', 'cleanup'] as const;
export type PostCondition = (typeof POST_ORDER)[number];

/** Reads the stages and `sh` commands of a CpsFlowDefinition job's declarative script. */
export function extractPipeline(configXml: string): PipelineScript {
  const definition = parseXml(configXml).getElementsByTagName('definition')[0];
  const script = definition ? childText(definition, 'script') : '';
  if (!script) throw new Error('the job has no inline pipeline script (CpsScmFlowDefinition?)');
  const tree = parseGroovyBlocks(script);
  const pipeline = tree.blocks.find((b) => b.name === 'pipeline');
  if (!pipeline) throw new Error('no pipeline { } block');
  const block = (parent: GroovyBlock, name: string) => parent.blocks.find((b) => b.name === name);
  const shOf = (b: GroovyBlock | undefined): string[] => (b ? [...b.sh, ...b.blocks.flatMap((c) => shOf(c))] : []);
  const post = block(pipeline, 'post');
  return {
    environment: Object.fromEntries(block(pipeline, 'environment')?.assignments ?? []),
    stages: (block(pipeline, 'stages')?.blocks ?? []).filter((b) => b.name === 'stage').map((s) => ({ name: s.arg ?? '', sh: shOf(block(s, 'steps')) })),
    post: Object.fromEntries((post?.blocks ?? []).map((b) => {
      if (!(POST_ORDER as readonly string[]).includes(b.name)) throw new Error(`post condition ${b.name} is not modelled by the fake`);
      return [b.name, shOf(b)];
    })),
  };
}

interface GroovyBlock {
  name: string;
  arg?: string;
  blocks: GroovyBlock[];
  sh: string[];
  assignments: Array<[string, string]>;
}

/** Just enough Groovy for the scripts we generate: `name('arg') { … }`, `sh '…'`, `NAME = '…'`. */
function parseGroovyBlocks(script: string): GroovyBlock {
  const tokens: string[] = [];
  const re = /\/\/[^\n]*|'((?:[^'\\]|\\.)*)'|([A-Za-z_][\w-]*)|([{}()=])|(\S)/g;
  for (const m of script.matchAll(re)) {
    if (m[0].startsWith('//')) continue;
    if (m[1] !== undefined) tokens.push(`'${unescapeGroovy(m[1])}`);
    else if (m[4] !== undefined) throw new Error(`unexpected ${JSON.stringify(m[4])} in the pipeline script`);
    else tokens.push(m[0]);
  }
  let i = 0;
  const str = (t: string | undefined) => (t?.startsWith("'") ? t.slice(1) : undefined);
  function block(name: string, arg?: string): GroovyBlock {
    const out: GroovyBlock = { name, arg, blocks: [], sh: [], assignments: [] };
    while (i < tokens.length) {
      const t = tokens[i++] ?? '';
      if (t === '}') return out;
      if (t === 'sh' && str(tokens[i]) !== undefined) out.sh.push(str(tokens[i++]) ?? '');
      else if (tokens[i] === '=' && str(tokens[i + 1]) !== undefined) {
        out.assignments.push([t, str(tokens[i + 1]) ?? '']);
        i += 2;
      } else if (tokens[i] === '(' && tokens[i + 2] === ')' && tokens[i + 3] === '{') {
        const a = str(tokens[i + 1]);
        i += 4;
        out.blocks.push(block(t, a));
      } else if (tokens[i] === '{') {
        i++;
        out.blocks.push(block(t));
      }
      // other words (`agent any`) carry nothing we run
    }
    return out;
  }
  return block('(script)');
}

function unescapeGroovy(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? c;
  });
}

export type ShRunner = (command: string, env: Record<string, string>, signal: AbortSignal) => Promise<{ code: number; output: string }>;

/** Executes nothing: every `sh` succeeds with no output. */
export const echoSh: ShRunner = async () => ({ code: 0, output: '' });

/** Runs each `sh` command as Jenkins does, `/bin/sh -e -c`, in `cwd` (the "workspace"). */
export function processSh(opts: { cwd: string; runner?: ProcessRunner; timeoutMs?: number }): ShRunner {
  const run = opts.runner ?? runProcess;
  return async (command, env, signal) => {
    const r = await run('/bin/sh', ['-e', '-c', command], { env, cwd: opts.cwd, signal, timeoutMs: opts.timeoutMs });
    return { code: r.code ?? 1, output: r.stdout + r.stderr };
  };
}

/**
 * A `runBuild` that interprets the job's generated pipeline: stages in order, each `sh` with the
 * pipeline's environment and the build parameters as environment variables; after a failure the
 * remaining stages are skipped. Then the post conditions run in Jenkins' order (POST_ORDER), each
 * when it holds for the build's result at that moment; a failing `sh` ends its own block, turns a
 * SUCCESS into FAILURE, and the later conditions still run (`cleanup` always does).
 */
export function pipelineRunner(sh: ShRunner, baseEnv: Record<string, string> = defaultAgentEnv()): RunBuild {
  return async (job, params, build) => {
    if (build.configXml.includes('org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition')) {
      build.log('Obtained Jenkinsfile from git\n[Pipeline] Start of Pipeline\n[Pipeline] End of Pipeline\n');
      return 'SUCCESS';
    }
    const pipeline = extractPipeline(build.configXml); // a script it cannot read fails the build
    const env = { ...baseEnv, ...pipeline.environment, ...params, JOB_NAME: job, BUILD_NUMBER: String(build.number) };
    const runSh = async (command: string, signal: AbortSignal) => {
      build.log(`[Pipeline] sh\n+ ${command}\n`);
      const r = await sh(command, env, signal);
      if (r.output) build.log(r.output.endsWith('\n') ? r.output : `${r.output}\n`);
      if (r.code !== 0) throw new Error(`script returned exit code ${r.code}`);
    };
    build.log('[Pipeline] Start of Pipeline\n[Pipeline] node\n[Pipeline] {\n[Pipeline] withEnv\n[Pipeline] {\n');
    let failure: Error | undefined;
    for (const stage of pipeline.stages) {
      if (failure || build.signal.aborted) {
        build.skipStage(stage.name);
        continue;
      }
      try {
        await build.stage(stage.name, async () => {
          for (const command of stage.sh) await runSh(command, build.signal);
        });
      } catch (e) {
        failure = e instanceof Error ? e : new Error(String(e));
      }
    }
    let result: BuildOutcome = build.signal.aborted ? 'ABORTED' : failure ? 'FAILURE' : 'SUCCESS';
    const holds = (c: PostCondition): boolean =>
      c === 'always' || c === 'cleanup' || (c === 'aborted' && result === 'ABORTED') || (c === 'failure' && result === 'FAILURE')
      || (c === 'success' && result === 'SUCCESS') || (c === 'unsuccessful' && result !== 'SUCCESS');
    const conditions = POST_ORDER.filter((c) => pipeline.post[c] !== undefined);
    if (conditions.length > 0) {
      let postFailure: Error | undefined;
      // Post actions run even after a stop, with a signal of their own.
      await build.stage('Declarative: Post Actions', async () => {
        for (const c of conditions) {
          if (!holds(c)) continue;
          try {
            for (const command of pipeline.post[c] ?? []) await runSh(command, new AbortController().signal);
          } catch (e) {
            postFailure ??= e instanceof Error ? e : new Error(String(e));
            if (result === 'SUCCESS') result = 'FAILURE';
          }
        }
        if (postFailure) throw postFailure;
      }).catch(() => undefined);
      failure ??= postFailure;
    }
    build.log('[Pipeline] }\n[Pipeline] // withEnv\n[Pipeline] }\n[Pipeline] // node\n[Pipeline] End of Pipeline\n');
    if (failure && result !== 'ABORTED') build.log(`ERROR: ${failure.message}\n`);
    return result;
  };
}

function defaultAgentEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'LANG']) if (process.env[k]) env[k] = process.env[k] as string;
  return env;
}

// ---------------------------------------------------------------------------------------------
// A strict well-formedness check (xmlbuilder2's parser is lenient: it accepts `<a><b></a>`).

const XML_NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const XML_REF = /&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/y;

/** undefined when `xml` is a well-formed XML 1.0 document (no DTD); otherwise what is wrong. */
export function checkWellFormedXml(xml: string): string | undefined {
  const badChar = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.exec(xml);
  if (badChar) return `character U+${(badChar[0].codePointAt(0) ?? 0).toString(16)} is not allowed in XML 1.0 (offset ${badChar.index})`;
  let i = xml.startsWith('\uFEFF') ? 1 : 0;
  if (xml.startsWith('<?xml', i)) {
    const end = xml.indexOf('?>', i);
    if (end < 0) return 'unterminated XML declaration';
    i = end + 2;
  }
  const stack: string[] = [];
  let rootSeen = false;
  const skipSpace = () => {
    const start = i;
    while (i < xml.length && ' \t\r\n'.includes(xml[i] ?? '')) i++;
    return i > start;
  };
  const name = (): string | undefined => {
    XML_NAME.lastIndex = i;
    const m = XML_NAME.exec(xml);
    if (m) i = XML_NAME.lastIndex;
    return m?.[0];
  };
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = xml.slice(i, lt < 0 ? xml.length : lt);
    if (stack.length === 0 && text.trim() !== '') return `text outside the root element at offset ${i}`;
    const textProblem = checkCharData(text, i);
    if (textProblem) return textProblem;
    if (lt < 0) break;
    i = lt;
    if (xml.startsWith('<!--', i)) {
      const end = xml.indexOf('-->', i + 4);
      if (end < 0) return `unterminated comment at offset ${i}`;
      if (xml.slice(i + 4, end).includes('--')) return `"--" inside a comment at offset ${i}`;
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) return `CDATA outside the root element at offset ${i}`;
      const end = xml.indexOf(']]>', i);
      if (end < 0) return `unterminated CDATA section at offset ${i}`;
      i = end + 3;
    } else if (xml.startsWith('<?', i)) {
      const end = xml.indexOf('?>', i);
      if (end < 0) return `unterminated processing instruction at offset ${i}`;
      i = end + 2;
    } else if (xml.startsWith('<!', i)) {
      return `a DOCTYPE or declaration at offset ${i} (not accepted)`;
    } else if (xml.startsWith('</', i)) {
      i += 2;
      const closing = name();
      skipSpace();
      if (!closing || xml[i] !== '>') return `malformed end tag at offset ${i}`;
      i++;
      const open = stack.pop();
      if (open !== closing) return `</${closing}> does not close <${open ?? '(nothing)'}>`;
    } else {
      if (stack.length === 0 && rootSeen) return `a second root element at offset ${i}`;
      i++;
      const tag = name();
      if (!tag) return `malformed start tag at offset ${i}`;
      const seen = new Set<string>();
      for (;;) {
        const spaced = skipSpace();
        if (xml.startsWith('/>', i)) {
          i += 2;
          break;
        }
        if (xml[i] === '>') {
          i++;
          stack.push(tag);
          break;
        }
        const attr = spaced ? name() : undefined;
        if (!attr) return `malformed attribute in <${tag}> at offset ${i}`;
        if (seen.has(attr)) return `duplicate attribute ${attr} in <${tag}>`;
        seen.add(attr);
        skipSpace();
        if (xml[i] !== '=') return `attribute ${attr} without a value at offset ${i}`;
        i++;
        skipSpace();
        const quote = xml[i];
        if (quote !== '"' && quote !== "'") return `unquoted value of ${attr} at offset ${i}`;
        const end = xml.indexOf(quote, i + 1);
        if (end < 0) return `unterminated value of ${attr}`;
        const value = xml.slice(i + 1, end);
        if (value.includes('<')) return `"<" in the value of ${attr}`;
        const refProblem = checkReferences(value, i + 1);
        if (refProblem) return refProblem;
        i = end + 1;
      }
      rootSeen = true;
    }
  }
  if (stack.length > 0) return `<${stack[stack.length - 1]}> is not closed`;
  if (!rootSeen) return 'no root element';
  return undefined;
}

function checkCharData(text: string, offset: number): string | undefined {
  const cdataEnd = text.indexOf(']]>');
  if (cdataEnd >= 0) return `"]]>" in character data at offset ${offset + cdataEnd}`;
  return checkReferences(text, offset);
}

function checkReferences(text: string, offset: number): string | undefined {
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) {
    XML_REF.lastIndex = at;
    const m = XML_REF.exec(text);
    if (!m) return `a bare "&" at offset ${offset + at}`;
    const num = /^&#(x?)([0-9a-fA-F]+);$/.exec(m[0]);
    if (num) {
      const cp = parseInt(num[2] ?? '', num[1] ? 16 : 10);
      if (!(cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))) {
        return `character reference ${m[0]} is not allowed in XML 1.0`;
      }
    }
  }
  return undefined;
}
