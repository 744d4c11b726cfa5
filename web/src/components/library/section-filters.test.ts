import { describe, expect, it } from 'vitest';
import { isGenre, unlistedGenre } from './section-filters.ts';

const genres = [
  { key: '101', title: 'Action' },
  { key: '119', title: 'Anime' },
];

describe('the genre a section URL names', () => {
  it('is a listed genre by key, or by title for an older link', () => {
    expect(genres.filter((g) => isGenre(g, '119')).map((g) => g.title)).toEqual(['Anime']);
    expect(genres.filter((g) => isGenre(g, 'action')).map((g) => g.key)).toEqual(['101']);
    expect(genres.some((g) => isGenre(g, undefined))).toBe(false);
    expect(unlistedGenre(genres, '119')).toBeUndefined();
    expect(unlistedGenre(genres, 'Action')).toBeUndefined();
  });

  it('stays choosable when the section does not list it', () => {
    expect(unlistedGenre(genres, '205')).toBe('205');
    expect(unlistedGenre([], 'Drama')).toBe('Drama');
    expect(unlistedGenre(genres, undefined)).toBeUndefined();
  });
});
