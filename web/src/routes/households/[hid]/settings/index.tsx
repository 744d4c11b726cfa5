import { Navigate, useParams } from '@solidjs/router';

/** `/households/:hid/settings` opens the first tab. */
export default function SettingsIndex() {
  const params = useParams<{ hid: string }>();
  return <Navigate href={`/households/${encodeURIComponent(params.hid)}/settings/members`} />;
}
