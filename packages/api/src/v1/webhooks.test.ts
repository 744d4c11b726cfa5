/**
 * The Overseerr webhook route on its own: no session, no CSRF origin, authenticated by the
 * household's shared secret only; how it is declared in the OpenAPI document. The full flow
 * (the simulator's sender, replays, MEDIA_AVAILABLE) is in requests.test.ts.
 */
import { DEFAULT_WEBHOOK_TEMPLATE, renderWebhook } from '@medianest/simulators/overseerr/index';
import { OWNER_ID } from '@medianest/simulators/scenario/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, DEMO_MACHINE_ID, signInWithPlex, startWorld, type World } from '../testing/world.ts';

let world: World;
let olivia: Client;
let hid: string;
let authorization: string;

const TEST_BODY = JSON.stringify({
  notification_type: 'TEST_NOTIFICATION',
  event: '',
  subject: 'Test Notification',
  message: 'Check check, 1, 2, 3. Are we coming in clear?',
  image: '',
  media: null,
  request: null,
  extra: [],
});

function post(body: string, auth?: string, householdId = hid, headers: Record<string, string> = {}) {
  return world.app.request(`/api/v1/webhooks/overseerr/${householdId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}), ...headers },
    body,
  });
}

beforeAll(async () => {
  world = await startWorld();
  olivia = await signInWithPlex(world, OWNER_ID, new Client(world.app, { ip: '192.0.2.51' }));
  const created = await olivia.request('POST', '/api/v1/households', {
    body: { name: 'Hook House', servers: [DEMO_MACHINE_ID] },
  });
  hid = created.body.household.id;
  authorization = (await olivia.request('GET', `/api/v1/households/${hid}/webhook-settings`)).body
    .authorization;
});
afterAll(() => world?.close());

describe('Overseerr webhook route', () => {
  it('is documented as session-free, authenticated by the shared secret in Authorization', async () => {
    const doc = (await (await world.app.request('/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const op = doc.paths['/api/v1/webhooks/overseerr/{hid}']?.post;
    expect(op).toMatchObject({
      security: [],
      'x-medianest-access': { auth: 'public' },
      'x-medianest-shared-secret': { in: 'header', name: 'Authorization' },
    });
  });

  it("accepts Overseerr's test notification with the right header and no Origin or session", async () => {
    const res = await post(TEST_BODY, authorization);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ outcome: 'test', notificationType: 'TEST_NOTIFICATION' });
    const settings = await olivia.request('GET', `/api/v1/households/${hid}/webhook-settings`);
    expect(settings.body.lastTestAt).toBe(world.clock.now());
  });

  it('answers 401 to a missing or wrong header, and to an unknown household, before looking at the payload', async () => {
    for (const [auth, householdId] of [
      [undefined, hid],
      ['Bearer mnwh_nope', hid],
      [authorization, 'hh_00000000000000000000000000'],
      [authorization, 'not-a-household'],
    ] as const) {
      const res = await post('{"unexpected":true}', auth, householdId);
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: { code: string } };
      expect(body.error.code).toBe('webhook.unauthorized');
    }
    // A signed-in browser session is no substitute for the secret.
    const withSession = await olivia.request('POST', `/api/v1/webhooks/overseerr/${hid}`, { body: {} });
    expect(withSession.status).toBe(401);
  });

  it('with the right header: a body that is not the template is a 400, a huge one a 413', async () => {
    const bad = await post('{"unexpected":true}', authorization);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('webhook.invalid_body');
    // Malformed JSON is refused by the app for every route, before any route runs.
    const malformed = await post('{not json', undefined);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe(
      'request.malformed_json',
    );
    const big = await post(
      JSON.stringify({ notification_type: 'X', pad: 'x'.repeat(65 * 1024) }),
      authorization,
    );
    expect(big.status).toBe(413);
  });

  it("parses the simulator's rendering of the default template and ignores a request it does not know", async () => {
    const rendered = renderWebhook(DEFAULT_WEBHOOK_TEMPLATE, 'MEDIA_APPROVED', {
      subject: 'Some Film (2001)',
      message: 'overview',
      media: { mediaType: 'movie', tmdbId: 42, tvdbId: null, status: 2, status4k: 1 },
      request: { id: 999, requestedBy: { displayName: 'frank' } as never },
    });
    expect(rendered.request).toMatchObject({ request_id: '999' });
    const res = await post(JSON.stringify(rendered), authorization);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outcome: string }).outcome).toBe('ignored');
  });

  it('rotating the secret stops the old value at once', async () => {
    const rotated = await olivia.request('POST', `/api/v1/households/${hid}/webhook-settings/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.authorization).not.toBe(authorization);
    expect((await post(TEST_BODY, authorization)).status).toBe(401);
    expect((await post(TEST_BODY, rotated.body.authorization)).status).toBe(200);
  });
});
