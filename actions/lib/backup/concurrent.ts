/**
 * Awaits every task. On the first failure it aborts `stop` (so the others can end early),
 * still waits for all of them to settle (no process left writing into a directory about to
 * be removed), and throws that first failure, not a later "stopped" one.
 */
export async function allOrStop<T extends readonly unknown[]>(
  stop: AbortController,
  tasks: { [K in keyof T]: Promise<T[K]> },
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
  if (first) throw first.error;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
