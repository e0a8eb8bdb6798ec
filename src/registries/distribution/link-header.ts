/**
 * The `last` of a Distribution `Link: </v2/_catalog?last=x&n=100>; rel="next"` header, the cursor
 * of the next page; undefined when there is no next page or it cannot be read.
 */
export function nextPageCursor(link: string | null | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const found = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!found) continue;
    const rels = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(found[2]);
    const rel = rels?.[1] ?? rels?.[2];
    if (!rel || !rel.toLowerCase().split(/\s+/).includes('next')) continue;
    const last = new URL(found[1], 'http://registry.invalid').searchParams.get('last');
    return last || undefined;
  }
  return undefined;
}
