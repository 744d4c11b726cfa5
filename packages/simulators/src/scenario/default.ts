import type { ScenarioInput } from './schema.ts';

/** The demo household: an owner with one server, two friends it is shared with, and a stranger. */
export const OWNER_ID = 1001;
export const FRIEND_IDS = [2002, 2003] as const;
export const STRANGER_ID = 3004;
export const DEMO_MACHINE_ID = '4a1c2f3e9b8d7c6a5f4e3d2c1b0a9f8e7d6c5b4a';

export const defaultScenario: ScenarioInput = {
  accounts: [
    {
      id: OWNER_ID,
      uuid: 'b1f0c7e2a9d84c1e',
      username: 'olivia',
      title: 'Olivia Owner',
      email: 'olivia@example.test',
      authToken: 'tok-olivia-owner-0001',
      thumb: 'https://plex.tv/users/b1f0c7e2a9d84c1e/avatar?c=1700000000',
      subscription: {
        active: true,
        status: 'Active',
        plan: 'lifetime',
        features: ['webhooks', 'camera_upload'],
      },
      roles: ['plexpass'],
    },
    {
      id: FRIEND_IDS[0],
      uuid: 'c2e1d8f3b0a95d2f',
      username: 'frank',
      title: 'Frank Friend',
      email: 'frank@example.test',
      authToken: 'tok-frank-friend-0002',
      thumb: 'https://plex.tv/users/c2e1d8f3b0a95d2f/avatar?c=1700000001',
    },
    {
      id: FRIEND_IDS[1],
      uuid: 'd3f2e9a4c1b06e3a',
      username: 'fiona',
      title: 'Fiona Friend',
      email: 'fiona@example.test',
      authToken: 'tok-fiona-friend-0003',
      thumb: 'https://plex.tv/users/d3f2e9a4c1b06e3a/avatar?c=1700000002',
      hasPassword: false,
    },
    {
      id: STRANGER_ID,
      uuid: 'e4a3f0b5d2c17f4b',
      username: 'sam',
      title: 'Sam Stranger',
      email: 'sam@example.test',
      authToken: 'tok-sam-stranger-0004',
    },
  ],
  homes: [{ id: 501, name: "Olivia's Home", adminId: OWNER_ID, memberIds: [FRIEND_IDS[1]] }],
  servers: [
    {
      machineIdentifier: DEMO_MACHINE_ID,
      name: "Olivia's Plex",
      ownerId: OWNER_ID,
      seed: 42,
      sections: [
        { key: '1', title: 'Movies', type: 'movie', count: 240, path: '/data/media/movies' },
        { key: '2', title: 'TV Shows', type: 'show', count: 40, path: '/data/media/tv' },
        {
          key: '3',
          title: 'Other Videos',
          type: 'movie',
          count: 0,
          path: '/data/media/other',
          agent: 'com.plexapp.agents.none',
          scanner: 'Plex Video Files Scanner',
        },
      ],
    },
  ],
  sharing: [
    { serverId: DEMO_MACHINE_ID, accountId: FRIEND_IDS[0], sectionKeys: ['1', '2'] },
    { serverId: DEMO_MACHINE_ID, accountId: FRIEND_IDS[1], sectionKeys: [] },
  ],
};
