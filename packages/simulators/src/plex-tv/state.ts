/**
 * plex.tv's state: accounts, PINs, servers and shares. Kept apart from the HTTP layer so the
 * handle and the control routes change exactly the same data the endpoints read.
 */
import { randomInt } from 'node:crypto';
import { AppError } from '@medianest/core/error/index';
import {
  Account,
  type AccountInput,
  type HomeGroup,
  type Scenario,
  type Server,
  Share,
  type ShareInput,
  shareToken,
} from '../scenario/index.ts';

export const PIN_TTL_SECONDS = 900;

export interface Pin {
  id: number;
  code: string;
  strong: boolean;
  clientIdentifier: string;
  product: string | null;
  createdAt: number;
  expiresAt: number;
  authToken: string | null;
  accountId: number | null;
}

export interface ResolvedShare extends Share {
  accessToken: string;
}

export type ShareListener = (share: ResolvedShare, removed: boolean) => void;

const STRONG_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SHORT_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function randomCode(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export class PlexTvState {
  readonly clock: () => number;
  #accounts = new Map<number, Account>();
  #homes: HomeGroup[];
  #servers = new Map<string, Server>();
  #shares: ResolvedShare[] = [];
  #pins = new Map<number, Pin>();
  #nextPinId = 308_667_304;
  #listeners: ShareListener[] = [];

  constructor(scenario: Scenario, clock: () => number) {
    this.clock = clock;
    for (const a of scenario.accounts) this.#accounts.set(a.id, a);
    this.#homes = scenario.homes.map((h) => ({ ...h, memberIds: [...h.memberIds] }));
    for (const s of scenario.servers) this.#servers.set(s.machineIdentifier, { ...s });
    this.#shares = scenario.sharing.map((s) => ({ ...s, accessToken: shareToken(s) }));
  }

  // accounts

  accounts(): Account[] {
    return [...this.#accounts.values()];
  }

  account(id: number): Account | undefined {
    return this.#accounts.get(id);
  }

  accountByToken(token: string | undefined | null): Account | undefined {
    if (!token) return undefined;
    for (const a of this.#accounts.values()) if (a.authToken === token) return a;
    return undefined;
  }

  addAccount(input: AccountInput): Account {
    const account = Account.parse(input);
    if (this.#accounts.has(account.id))
      throw new AppError('conflict', 'account.exists', `account ${account.id} exists`);
    if (this.accountByToken(account.authToken))
      throw new AppError('conflict', 'account.token_taken', 'authToken already used');
    this.#accounts.set(account.id, account);
    return account;
  }

  homeOf(accountId: number): HomeGroup | undefined {
    return this.#homes.find((h) => h.adminId === accountId || h.memberIds.includes(accountId));
  }

  // servers and shares

  servers(): Server[] {
    return [...this.#servers.values()];
  }

  server(machineIdentifier: string): Server | undefined {
    return this.#servers.get(machineIdentifier);
  }

  setServerUrl(machineIdentifier: string, url: string | null): Server {
    const server = this.#servers.get(machineIdentifier);
    if (!server) throw new AppError('not_found', 'server.not_found', `no server ${machineIdentifier}`);
    server.url = url;
    return server;
  }

  shares(): ResolvedShare[] {
    return this.#shares.map((s) => ({ ...s, sectionKeys: [...s.sectionKeys] }));
  }

  sharesOf(accountId: number): ResolvedShare[] {
    return this.#shares.filter((s) => s.accountId === accountId);
  }

  sharesOn(serverId: string): ResolvedShare[] {
    return this.#shares.filter((s) => s.serverId === serverId);
  }

  share(input: ShareInput): ResolvedShare {
    const parsed = Share.parse(input);
    const server = this.#servers.get(parsed.serverId);
    if (!server) throw new AppError('not_found', 'server.not_found', `no server ${parsed.serverId}`);
    if (!this.#accounts.has(parsed.accountId))
      throw new AppError('not_found', 'account.not_found', `no account ${parsed.accountId}`);
    if (server.ownerId === parsed.accountId)
      throw new AppError('invalid', 'share.owner', 'an owner cannot be shared their own server');
    const keys = new Set(server.sections.map((s) => s.key));
    const unknown = parsed.sectionKeys.filter((k) => !keys.has(k));
    if (unknown.length)
      throw new AppError('invalid', 'share.section', `unknown sections ${unknown.join(',')}`);
    const existing = this.#shares.find(
      (s) => s.serverId === parsed.serverId && s.accountId === parsed.accountId,
    );
    const share: ResolvedShare = { ...parsed, accessToken: existing?.accessToken ?? shareToken(parsed) };
    this.#shares = this.#shares.filter((s) => s !== existing);
    this.#shares.push(share);
    for (const l of this.#listeners) l(share, false);
    return share;
  }

  unshare(serverId: string, accountId: number): boolean {
    const existing = this.#shares.find((s) => s.serverId === serverId && s.accountId === accountId);
    if (!existing) return false;
    this.#shares = this.#shares.filter((s) => s !== existing);
    for (const l of this.#listeners) l(existing, true);
    return true;
  }

  onShareChange(listener: ShareListener): () => void {
    this.#listeners.push(listener);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  // pins

  createPin(clientIdentifier: string, strong: boolean, product: string | null): Pin {
    const now = this.clock();
    const createdAt = Math.floor(now / 1000) * 1000;
    let code = '';
    do code = strong ? randomCode(STRONG_ALPHABET, 25) : randomCode(SHORT_ALPHABET, 4);
    while (this.pinByCode(code));
    const pin: Pin = {
      id: this.#nextPinId++,
      code,
      strong,
      clientIdentifier,
      product,
      createdAt,
      expiresAt: createdAt + PIN_TTL_SECONDS * 1000,
      authToken: null,
      accountId: null,
    };
    this.#pins.set(pin.id, pin);
    return pin;
  }

  /** A live (unexpired) PIN. Expired PINs answer like unknown ones, as plex.tv forgets them. */
  pin(id: number): Pin | undefined {
    const pin = this.#pins.get(id);
    if (!pin) return undefined;
    if (this.clock() >= pin.expiresAt) return undefined;
    return pin;
  }

  pinByCode(code: string): Pin | undefined {
    for (const pin of this.#pins.values()) if (pin.code === code && this.clock() < pin.expiresAt) return pin;
    return undefined;
  }

  pins(): Pin[] {
    return [...this.#pins.values()].map((p) => ({ ...p }));
  }

  /** Approves a PIN by id or code for an account: the next poll returns that account's token. */
  approvePin(pinIdOrCode: number | string, accountId: number, clientIdentifier?: string): Pin {
    const pin =
      typeof pinIdOrCode === 'number' || /^\d+$/.test(pinIdOrCode)
        ? (this.pin(Number(pinIdOrCode)) ?? this.pinByCode(String(pinIdOrCode)))
        : this.pinByCode(pinIdOrCode);
    if (!pin || (clientIdentifier !== undefined && pin.clientIdentifier !== clientIdentifier))
      throw new AppError('not_found', 'pin.not_found', 'Code not found or expired');
    const account = this.#accounts.get(accountId);
    if (!account) throw new AppError('not_found', 'account.not_found', `no account ${accountId}`);
    pin.authToken = account.authToken;
    pin.accountId = account.id;
    return pin;
  }
}
