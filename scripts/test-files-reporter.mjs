// node:test reporter used by scripts/test.mjs beside the human-readable one: writes one JSON line
// per finished test ({file, name, nesting, result}) and one per summary diagnostic, so the
// runner can check that every test file was counted and end with node's own summary figures.
export default async function* filesReporter(source) {
  for await (const ev of source) {
    const d = ev.data ?? {};
    if (ev.type === "test:pass" || ev.type === "test:fail") {
      const result = ev.type === "test:fail" ? "fail" : d.skip !== undefined ? "skip" : d.todo !== undefined ? "todo" : "pass";
      const error = ev.type === "test:fail" ? String(d.details?.error?.message ?? d.details?.error ?? "") : undefined;
      yield JSON.stringify({ kind: "test", file: d.file ?? null, name: d.name, nesting: d.nesting,
                             type: d.details?.type ?? "test", result, error }) + "\n";
    } else if (ev.type === "test:diagnostic" && d.nesting === 0) {
      yield JSON.stringify({ kind: "diagnostic", message: d.message }) + "\n";
    }
  }
}
