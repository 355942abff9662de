import type { ListingFilter, ListingSort } from '@resumable-uploads/engine';
import { messages, type Language } from '../i18n';

/** Search and sort as a plain GET form: it works before (and without) JavaScript, and the result is a link to keep. */
export function ListingControls({ filter, language }: { filter: ListingFilter; language: Language }) {
  const t = messages(language);
  const sorts: Array<[ListingSort, string]> = [
    ['newest', t.sortNewest],
    ['name', t.sortName],
    ['size', t.sortSize],
  ];
  return (
    <form method="get" action="/uploads" role="search" className="listing-controls">
      <label>
        <span>{t.search}</span>
        <input type="search" name="q" defaultValue={filter.search} />
      </label>
      <label>
        <span>{t.sortBy}</span>
        <select name="sort" defaultValue={filter.sort}>
          {sorts.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit">{t.apply}</button>
    </form>
  );
}
