/**
 * Service down/up notifications: the status module raises an alert when a service stops or starts
 * working again (status/alerts.ts); this turns each into `service.down` / `service.up` for the
 * household's members (or only its admins when the service is a monitor hidden from members).
 */
import { onStatusAlert, type StatusAlert } from '../status/alerts.ts';
import { type NotifyDeps, notify } from './notify.ts';

export async function notifyStatusAlert(deps: NotifyDeps, alert: StatusAlert): Promise<void> {
  const down = alert.event === 'down';
  await notify(deps, {
    householdId: alert.householdId,
    event: down ? 'service.down' : 'service.up',
    recipients: alert.visible ? 'members' : { permission: 'manage_integrations' },
    title: down ? `${alert.name} is down` : `${alert.name} is back up`,
    body: down
      ? `${alert.name} stopped working${alert.reason ? `: ${alert.reason}` : '.'}`
      : `${alert.name} is working again.`,
    link: '/',
    data: { service: alert.service, from: alert.from, to: alert.to, at: alert.at },
    // A retried check must not page anyone twice for the same transition.
    dedupKey: `status:${alert.householdId}:${alert.service}:${alert.event}:${alert.at}`,
  });
}

/**
 * Sends every status alert of this process to the notification module. The runtime calls it once
 * with its System (the worker that runs the status checks); returns the detach function.
 */
export function attachStatusAlerts(deps: NotifyDeps): () => void {
  return onStatusAlert((alert) => notifyStatusAlert(deps, alert));
}
