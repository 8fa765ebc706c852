/**
 * Awaits every task. On the first failure it aborts `stop` (so the others can end early),
 * still waits for all of them to settle (no process left writing into a directory about to
 * be removed), hands the values of those that succeeded to `release` (e.g. close a
 * connection), and throws that first failure, not a later "stopped" one.
 */
export async function allOrStop<T extends readonly unknown[]>(
  stop: AbortController,
  tasks: { [K in keyof T]: Promise<T[K]> },
  release: (value: unknown) => Promise<void> = async () => undefined,
): Promise<T> {
  let first: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    tasks.map((task: Promise<unknown>) =>
      task.catch((error: unknown) => {
        first ??= { error };
        stop.abort();
        throw error;
      }),
    ),
  );
  if (first) {
    for (const s of settled) if (s.status === 'fulfilled') await release(s.value).catch(() => undefined);
    throw first.error;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
