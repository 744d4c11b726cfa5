/**
 * `/metrics` in prom-client's text format, laid out like the capture in metrics.txt: monitor
 * gauges first (2.x adds `monitor_id`, tag labels and the uptime/avg-response windows), then
 * `app_version` and a few real process gauges of this Node process.
 */
import type { KumaState, Monitor } from './model.ts';

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  samples: string[];
}

/** Kuma's `Prometheus.sanitizeForPrometheus`. */
export function sanitizeLabel(text: string): string {
  return text.replace(/[^a-zA-Z0-9_]/g, '').replace(/^[^a-zA-Z_]+/, '');
}

function escapeValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function sortTags(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Label pairs in Kuma's order: tags (alphabetical), then the monitor labels. */
function labels(m: Monitor, version: KumaState['version']): [string, string][] {
  const out: [string, string][] = [];
  if (version === '2') {
    const tags = new Map<string, string[]>();
    for (const t of m.tags) {
      const name = sanitizeLabel(t.name);
      if (name === '') continue;
      const values = tags.get(name) ?? [];
      const value = sanitizeLabel(t.value ?? '');
      if (value !== '') values.push(value);
      tags.set(name, values.sort());
    }
    for (const name of [...tags.keys()].sort(sortTags)) out.push([name, (tags.get(name) ?? []).join(',')]);
    out.push(['monitor_id', String(m.id)]);
  }
  // prom-client stringifies label values, so a null hostname or port reads "null".
  out.push(
    ['monitor_name', m.name],
    ['monitor_type', m.type],
    ['monitor_url', String(m.url)],
    ['monitor_hostname', String(m.hostname)],
    ['monitor_port', String(m.port)],
  );
  return out;
}

function sample(name: string, pairs: [string, string][], value: number): string {
  const body = pairs.map(([k, v]) => `${k}="${escapeValue(v)}"`).join(',');
  return `${name}{${body}} ${value}`;
}

function render(families: Family[]): string {
  return families
    .map((f) => {
      const head = `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
      return head + f.samples.map((s) => `${s}\n`).join('');
    })
    .join('\n');
}

export function renderMetrics(state: KumaState, appVersion: string): string {
  const v2 = state.version === '2';
  const certDays: Family = {
    name: 'monitor_cert_days_remaining',
    help: 'The number of days remaining until the certificate expires',
    type: 'gauge',
    samples: [],
  };
  const certValid: Family = {
    name: 'monitor_cert_is_valid',
    help: 'Is the certificate still valid? (1 = Yes, 0= No)',
    type: 'gauge',
    samples: [],
  };
  const uptimeRatio: Family = {
    name: 'monitor_uptime_ratio',
    help: "Uptime ratio calculated over sliding window specified by the 'window' label. (0.0 - 1.0)",
    type: 'gauge',
    samples: [],
  };
  const avgResponse: Family = {
    name: 'monitor_response_time_seconds',
    help: "Average response time in seconds calculated over sliding window specified by the 'window' label",
    type: 'gauge',
    samples: [],
  };
  const responseTime: Family = {
    name: 'monitor_response_time',
    help: 'Monitor Response Time (ms)',
    type: 'gauge',
    samples: [],
  };
  const status: Family = {
    name: 'monitor_status',
    help: 'Monitor Status (1 = UP, 0= DOWN, 2= PENDING, 3= MAINTENANCE)',
    type: 'gauge',
    samples: [],
  };
  const windows: [string, number][] = [
    ['1d', 86_400_000],
    ['30d', 30 * 86_400_000],
    ['365d', 365 * 86_400_000],
  ];
  for (const m of [...state.monitors.values()].sort((a, b) => a.id - b.id)) {
    // A series exists only after the monitor's first beat since (simulated) start.
    if (!m.promSeen || !m.active) continue;
    const pairs = labels(m, state.version);
    const last = (state.beats.get(m.id) ?? []).at(-1);
    // The push route updates Prometheus without uptime data, so push monitors have no windows.
    if (v2 && m.type !== 'push') {
      for (const [w, ms] of windows) {
        uptimeRatio.samples.push(
          sample('monitor_uptime_ratio', [...pairs, ['window', w]], state.uptime(m.id, ms)),
        );
      }
      for (const [w, ms] of windows) {
        avgResponse.samples.push(
          sample('monitor_response_time_seconds', [...pairs, ['window', w]], state.avgPing(m.id, ms) / 1000),
        );
      }
    }
    const ping = typeof last?.ping === 'number' ? last.ping : -1;
    responseTime.samples.push(sample('monitor_response_time', pairs, ping));
    status.samples.push(sample('monitor_status', pairs, last?.status ?? m.status));
  }
  const [major = '0', minor = '0', patch = '0'] = appVersion.split('.');
  const mem = process.memoryUsage();
  const families: Family[] = [
    certDays,
    certValid,
    ...(v2 ? [uptimeRatio, avgResponse] : []),
    responseTime,
    status,
    {
      name: 'process_cpu_seconds_total',
      help: 'Total user and system CPU time spent in seconds.',
      type: 'counter',
      samples: [`process_cpu_seconds_total ${(process.cpuUsage().user + process.cpuUsage().system) / 1e6}`],
    },
    {
      name: 'process_start_time_seconds',
      help: 'Start time of the process since unix epoch in seconds.',
      type: 'gauge',
      samples: [`process_start_time_seconds ${Math.round(Date.now() / 1000 - process.uptime())}`],
    },
    {
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes.',
      type: 'gauge',
      samples: [`process_resident_memory_bytes ${mem.rss}`],
    },
    {
      name: 'nodejs_heap_size_used_bytes',
      help: 'Process heap size used from Node.js in bytes.',
      type: 'gauge',
      samples: [`nodejs_heap_size_used_bytes ${mem.heapUsed}`],
    },
    {
      name: 'nodejs_version_info',
      help: 'Node.js version info.',
      type: 'gauge',
      samples: [
        `nodejs_version_info{version="${process.version}",major="${process.versions.node.split('.')[0]}",minor="${process.versions.node.split('.')[1]}",patch="${process.versions.node.split('.')[2]}"} 1`,
      ],
    },
    {
      name: 'app_version',
      help: 'The service version by package.json',
      type: 'gauge',
      samples: [`app_version{version="${appVersion}",major="${major}",minor="${minor}",patch="${patch}"} 1`],
    },
  ];
  return render(families);
}
