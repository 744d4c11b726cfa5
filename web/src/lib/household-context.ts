import { type Accessor, createContext, useContext } from 'solid-js';
import type { HouseholdDetail } from './identity.ts';

export interface HouseholdContextValue {
  hid: Accessor<string>;
  detail: Accessor<HouseholdDetail>;
  /** Reads the household and my membership again (after a rename, a role change). */
  reload(): Promise<void>;
  can(permission: string): boolean;
}

export const HouseholdContext = createContext<HouseholdContextValue>();

export function useHousehold(): HouseholdContextValue {
  const ctx = useContext(HouseholdContext);
  if (!ctx) throw new Error('useHousehold() outside a /households/:hid page');
  return ctx;
}
