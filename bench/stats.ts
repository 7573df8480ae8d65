/** Small measuring helpers: elapsed time, peak memory, percentiles. */
import { performance } from 'node:perf_hooks';

export const MB = 1024 * 1024;

/** Peak resident set size of this process so far, in MB (the kernel's high-water mark). */
export function peakRssMb(): number {
  // ru_maxrss is in kilobytes on Linux.
  return process.resourceUsage().maxRSS / 1024;
}

export function elapsedMs(start: number): number {
  return performance.now() - start;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(sorted: readonly number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
