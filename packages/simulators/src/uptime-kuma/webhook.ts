/**
 * Kuma's webhook notification provider (`notification-providers/webhook.js`) as called from
 * `Monitor.sendNotification`: `{heartbeat, monitor, msg}` as JSON, or a `data` form field.
 * The shapes copy webhook-down.json / webhook-up.json (Kuma 2.5.3).
 */
import { formData, postRaw } from './http-post.ts';
import { type Beat, DOWN, type KumaVersion, type Monitor, UP, type WebhookDelivery } from './model.ts';

export interface KumaWebhookConfig {
  url: string;
  contentType?: 'json' | 'form-data';
}

/** `monitor.toJSON(preloadData, false)` of Kuma 2.5.3 with the simulator's values filled in. */
export function monitorJson(m: Monitor): Record<string, unknown> {
  return {
    id: m.id,
    name: m.name,
    description: m.description,
    path: [m.name],
    pathName: m.name,
    parent: null,
    childrenIDs: [],
    url: m.url,
    wsIgnoreSecWebsocketAcceptHeader: false,
    wsSubprotocol: '',
    method: 'GET',
    hostname: m.hostname,
    port: m.port,
    location: 'world',
    protocol: null,
    maxretries: 0,
    weight: 2000,
    active: m.active,
    forceInactive: false,
    type: m.type,
    subtype: null,
    timeout: 16000,
    interval: m.interval,
    retryInterval: m.interval,
    retryOnlyOnStatusCodeFailure: false,
    resendInterval: 0,
    keyword: null,
    invertKeyword: false,
    expiryNotification: false,
    domainExpiryNotification: true,
    ignoreTls: false,
    upsideDown: false,
    packetSize: 56,
    maxredirects: 10,
    accepted_statuscodes: ['200-299'],
    dns_resolve_type: 'A',
    dns_resolve_server: '',
    dns_last_result: null,
    docker_container: '',
    docker_host: null,
    proxyId: null,
    notificationIDList: { '1': true },
    tags: m.tags.map((t, i) => ({
      id: m.id * 100 + i,
      monitor_id: m.id,
      tag_id: i + 1,
      value: t.value ?? '',
      name: t.name,
      color: t.color ?? '#2563EB',
    })),
    maintenance: false,
    mqttTopic: '',
    mqttSuccessMessage: '',
    mqttCheckType: 'keyword',
    databaseQuery: null,
    authMethod: null,
    grpcUrl: null,
    grpcProtobuf: null,
    grpcMethod: null,
    grpcServiceName: null,
    grpcEnableTls: false,
    radiusCalledStationId: null,
    radiusCallingStationId: null,
    game: null,
    gamedigGivenPortOnly: true,
    httpBodyEncoding: 'json',
    jsonPath: null,
    expectedValue: null,
    system_service_name: '',
    kafkaProducerTopic: null,
    kafkaProducerBrokers: [],
    kafkaProducerSsl: false,
    kafkaProducerAllowAutoTopicCreation: false,
    kafkaProducerMessage: null,
    screenshot: null,
    cacheBust: false,
    remote_browser: null,
    screenshot_delay: 0,
    snmpOid: null,
    jsonPathOperator: null,
    snmpVersion: '2c',
    smtpSecurity: null,
    rabbitmqNodes: [],
    conditions: [],
    ntpStratumThreshold: 5,
    ntpTimeOffsetThreshold: 1000,
    ntpRootDispersionThreshold: 500,
    ipFamily: null,
    expectedTlsAlert: null,
    ping_numeric: true,
    ping_count: 1,
    ping_per_request_timeout: 2,
    saveResponse: false,
    saveErrorResponse: true,
    responseMaxLength: 1024,
    includeSensitiveData: false,
  };
}

/** The heartbeat as `sendNotification` builds it (2.x: no `duration`; DOWN checks have no `ping`). */
export function heartbeatJson(
  m: Monitor,
  beat: Beat,
  version: KumaVersion,
  lastDownTime: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    monitorID: m.id,
    status: beat.status,
    time: beat.time,
    msg: beat.msg || 'N/A',
  };
  // An http check that failed never set `ping`, so the key is absent; a push keeps what it got.
  if (beat.status !== DOWN || m.type === 'push') out.ping = beat.ping;
  out.important = beat.important;
  if (version === '1.23') out.duration = 0;
  else out.retries = beat.retries;
  if (version === '2' && beat.status === DOWN && beat.response !== undefined) out.response = beat.response;
  out.timezone = 'UTC';
  out.timezoneOffset = '+00:00';
  out.localDateTime = beat.time.slice(0, 19);
  if (version === '2' && beat.status === UP && lastDownTime) out.lastDownTime = lastDownTime;
  return out;
}

export class KumaWebhookSender {
  readonly #config: KumaWebhookConfig;
  readonly #userAgent: string;
  readonly #deliveries: WebhookDelivery[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #tail: Promise<void> = Promise.resolve();

  constructor(config: KumaWebhookConfig, appVersion: string) {
    this.#config = config;
    this.#userAgent = `Uptime-Kuma/${appVersion}`;
  }

  send(body: WebhookDelivery['body']): void {
    const contentType = this.#config.contentType ?? 'json';
    const json = JSON.stringify(body);
    let headers: [string, string][];
    let payload: string | Buffer;
    if (contentType === 'form-data') {
      const form = formData({ data: json });
      headers = [
        ['Accept', 'application/json, text/plain, */*'],
        ['Content-Type', form.contentType],
        ['User-Agent', this.#userAgent],
      ];
      payload = form.body;
    } else {
      headers = [
        ['Accept', 'application/json, text/plain, */*'],
        ['User-Agent', this.#userAgent],
        ['Content-Type', 'application/json'],
      ];
      payload = json;
    }
    const delivery: WebhookDelivery = {
      url: this.#config.url,
      contentType,
      headers: Object.fromEntries(headers),
      body,
    };
    this.#deliveries.push(delivery);
    // In event order, one at a time: a receiver sees DOWN before the UP that follows it.
    const p = this.#tail
      .then(() => postRaw(this.#config.url, headers, payload))
      .then((res) => {
        delivery.status = res.status;
      })
      .catch((err: unknown) => {
        delivery.error = err instanceof Error ? err.message : String(err);
      })
      .finally(() => {
        this.#inFlight.delete(p);
      });
    this.#tail = p;
    this.#inFlight.add(p);
  }

  deliveries(): WebhookDelivery[] {
    return [...this.#deliveries];
  }

  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
