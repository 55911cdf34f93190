/**
 * Socket Mode, as the operator's choice: with SLACK_APP_TOKEN the bot opens Slack's WebSocket
 * (apps.connections.open → wss URL; here a local ws server) and answers slash commands and button
 * clicks over it, while Alertmanager still reaches it over HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { FakeSlack } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { waitFor } from '../helpers/net.js';

let tb: TestBot | undefined;
let wss: WebSocketServer | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
  for (const c of wss?.clients ?? []) c.terminate();
  await new Promise((r) => (wss ? wss.close(r) : r(undefined)));
});

describe('Socket Mode', () => {
  it('connects over the WebSocket, answers a slash command in its ack, and still takes webhooks over HTTP', async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss!.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const acks: any[] = [];
    let socket: WebSocket | undefined;
    wss.on('connection', (ws) => {
      socket = ws;
      ws.on('message', (m) => acks.push(JSON.parse(String(m))));
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0FAKE' } }));
    });
    const slack = await new FakeSlack().start();
    slack.socketUrl = `ws://127.0.0.1:${port}/link`;
    tb = await startBot({ services: [service()], slack, env: { SLACK_APP_TOKEN: 'xapp-1-test', SLACK_SIGNING_SECRET: '' } });
    await waitFor(() => socket, 10_000, 'the bot to open the socket');
    expect(slack.callsOf('apps.connections.open')[0]!.token).toBe('xapp-1-test');

    socket!.send(JSON.stringify({
      envelope_id: 'env-1', type: 'slash_commands', accepts_response_payload: true,
      payload: { command: '/autoscale', text: 'help', user_id: 'U0ADMIN01', channel_id: 'C0SERVICE1', team_id: 'T0FAKE', trigger_id: 't1', response_url: `${slack.base}/response/1` },
    }));
    const ack = await waitFor(() => acks.find((a) => a.envelope_id === 'env-1'), 10_000, 'the ack');
    expect(ack.payload.text).toContain('/autoscale scale out <service>');

    // Alertmanager keeps using HTTP; the approval click arrives over the socket.
    const r = await tb.webhook(alertPayload());
    expect(r.status).toBe(200);
    await tb.settle();
    const id = r.json.alerts[0].requestId;
    socket!.send(JSON.stringify({
      envelope_id: 'env-2', type: 'interactive', accepts_response_payload: false,
      payload: {
        type: 'block_actions', user: { id: 'U0ADMIN01' }, team: { id: 'T0FAKE' }, api_app_id: 'A0FAKE', trigger_id: 't2',
        channel: { id: 'C0SERVICE1' }, container: { type: 'message', channel_id: 'C0SERVICE1' },
        actions: [{ type: 'button', action_id: 'approve_scale', value: id, action_ts: '1' }],
      },
    }));
    await waitFor(() => tb!.store.data.requests[0]!.state === 'succeeded', 10_000, 'the approved run');
    expect(tb.store.data.requests[0]!.decision?.by).toBe('U0ADMIN01');
  });
});
