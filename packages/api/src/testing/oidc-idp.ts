/**
 * A real OpenID Connect provider (npm `oidc-provider`) on loopback for tests, with its development
 * login and consent pages, behind a small pass-through proxy that can tamper with the token
 * response (to prove a forged ID token is refused). The issuer is the proxy's URL.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface TestIdp {
  issuer: string;
  /** When set, every token response's id_token is passed through this function. */
  tamper: ((idToken: string) => string) | undefined;
  close(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startTestIdp(client: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}): Promise<TestIdp> {
  const proxy = createServer();
  const proxyPort = await listen(proxy);
  const issuer = `http://127.0.0.1:${proxyPort}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        client_secret: client.clientSecret,
        redirect_uris: [client.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { required: () => true },
    cookies: { keys: ['medianest-test-idp-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({
        sub: id,
        email: `${id}@idp.example.test`,
        email_verified: true,
        name: `${id[0]?.toUpperCase()}${id.slice(1)} from the IdP`,
        preferred_username: id,
      }),
    }),
  });
  // URLs the provider writes (discovery, redirects) must name the proxy, which it learns from X-Forwarded-Host.
  provider.proxy = true;
  const backend = createServer(provider.callback());
  const backendPort = await listen(backend);
  const idp: TestIdp = {
    issuer,
    tamper: undefined,
    async close() {
      await Promise.all([proxy, backend].map((s) => new Promise((r) => s.close(r))));
    },
  };
  proxy.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    try {
      const body = await readBody(req);
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && k !== 'host') headers.set(k, v);
      headers.set('x-forwarded-host', `127.0.0.1:${proxyPort}`);
      headers.set('x-forwarded-proto', 'http');
      const upstream = await fetch(`http://127.0.0.1:${backendPort}${req.url}`, {
        method: req.method,
        headers,
        ...(body.length > 0 ? { body } : {}),
        redirect: 'manual',
      });
      let text = Buffer.from(await upstream.arrayBuffer());
      const tamper = idp.tamper;
      if (tamper && req.url?.startsWith('/token') && upstream.ok) {
        const json = JSON.parse(text.toString()) as { id_token?: string };
        if (json.id_token) json.id_token = tamper(json.id_token);
        text = Buffer.from(JSON.stringify(json));
      }
      const out: Record<string, string | string[]> = {};
      upstream.headers.forEach((v, k) => {
        if (
          !['content-length', 'content-encoding', 'transfer-encoding', 'set-cookie', 'connection'].includes(k)
        )
          out[k] = v;
      });
      const cookies = upstream.headers.getSetCookie();
      if (cookies.length > 0) out['set-cookie'] = cookies;
      res.writeHead(upstream.status, { ...out, 'content-length': String(text.length) });
      res.end(text);
    } catch (error) {
      res.writeHead(502).end(String(error));
    }
  });
  return idp;
}

/** A browser at the IdP: follows redirects with its own cookies and submits the login and consent forms. */
export async function loginAtIdp(authorizationUrl: string, login: string, stopAt: string): Promise<string> {
  const jar = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size > 0) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const value = pair!.slice(eq + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(pair!.slice(0, eq));
      else jar.set(pair!.slice(0, eq), value);
    }
    return res;
  };
  let url = authorizationUrl;
  for (let step = 0; step < 12; step++) {
    if (url.startsWith(stopAt)) return url;
    const res = await send(url);
    const location = res.headers.get('location');
    if (location) {
      url = new URL(location, url).toString();
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt)
      throw new Error(`IdP page without a form (HTTP ${res.status}): ${html.slice(0, 300)}`);
    const form = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login, password: 'any' } : {}) });
    const submitted = await send(new URL(action.replace(/&amp;/g, '&'), url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const next = submitted.headers.get('location');
    if (!next) throw new Error(`IdP form answered ${submitted.status} without a redirect`);
    url = new URL(next, url).toString();
  }
  throw new Error('IdP login did not come back to the application');
}
