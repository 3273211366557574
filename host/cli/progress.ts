// A progress bar on stderr, shown only on a terminal and only once a run has taken a second.
import cliProgress from "cli-progress";

export interface Progress { update(fraction: number): void; stop(): void }

export function progressBar(label: string): Progress | null {
  if (!process.stderr.isTTY) return null;
  const t0 = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(f: number) {
      if (!bar) {
        if (Date.now() - t0 < 1000) return;
        bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {percentage}% | {duration}s`, stream: process.stderr,
          hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic);
        bar.start(1000, 0);
      }
      bar.update(Math.round(f * 1000));
    },
    stop() { bar?.stop(); },
  };
}
