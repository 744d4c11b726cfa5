import type { ParentProps } from 'solid-js';
import { RequireSignIn } from '../components/require-sign-in.tsx';

/** Every household page needs a signed-in user. */
export default function HouseholdsLayout(props: ParentProps) {
  return <RequireSignIn>{() => props.children}</RequireSignIn>;
}
