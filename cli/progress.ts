const WIDTH = 24;

/**
 * A progress bar on stderr for long uploads. Only on an interactive terminal: CI logs and --json output stay
 * clean.
 */
export function progressBar(label: string, options: { json: boolean; env?: NodeJS.ProcessEnv }): ((done: number, total: number) => void) | undefined {
  const env = options.env ?? process.env;
  if (options.json || !process.stderr.isTTY || env.CI === "true" || env.CI === "1") return undefined;
  return (done, total) => {
    const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH);
    const bar = "█".repeat(filled) + "░".repeat(WIDTH - filled);
    process.stderr.write(`\r${label} ${bar} ${done}/${total}${done === total ? "\n" : ""}`);
  };
}
