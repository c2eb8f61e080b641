/** "1 shard", "2 shards": counts as a person writes them. */
export function plural(n: number | undefined, noun: string, nouns = `${noun}s`): string {
  return `${n ?? 0} ${n === 1 ? noun : nouns}`;
}
