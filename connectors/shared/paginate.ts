/** Generic pagination over token-style AWS APIs, for calls without an SDK paginator. */

/**
 * Yields every page of a token-paginated call.
 * @param call fetches one page given the token of the previous one
 * @param nextToken reads the next token from a page (undefined ends)
 * @param maxPages safety stop against a service that returns the same token forever
 */
export async function* paginate<P>(
  call: (token: string | undefined) => Promise<P>,
  nextToken: (page: P) => string | undefined,
  maxPages = 100_000,
): AsyncIterable<P> {
  let token: string | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < maxPages; i++) {
    const page = await call(token);
    yield page;
    token = nextToken(page);
    if (!token) return;
    // A repeated token would loop forever; AWS never repeats one within a listing.
    if (seen.has(token))
      throw new Error(`pagination returned the same token twice (${token.slice(0, 16)}…)`);
    seen.add(token);
  }
}
