// The page: a form, a Web Worker that runs the simulation, live uPlot charts, the result text
// and the reproduce table, and a JSON download in the CLI's --json schema.
import uPlot from "uplot";
import type { Sample, PipetestReport } from "../experiments.ts";
import type { ReproduceReport } from "../reproduce.ts";
import type { AioStressReport } from "../workloads/aio-stress.ts";
import { formatPipetest } from "../cli/format.ts";
import { LATENCY_BUCKETS_US } from "../experiments.ts";
import type { RunRequest } from "./worker.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $("controls") as HTMLFormElement;
const runBtn = $("run") as HTMLButtonElement;
const stopBtn = $("stop") as HTMLButtonElement;
const dlBtn = $("download") as HTMLButtonElement;
const progress = $("progress") as HTMLProgressElement;
const status = $("status");
const output = $("output");
const tableDiv = $("table");

let worker: Worker | null = null;
let lastReport: PipetestReport | AioStressReport | ReproduceReport | null = null;

// ---- validation: a message beside each bad field, and no run

interface FieldRule { name: string; min: number; max: number; label: string }
const RULES: FieldRule[] = [
  { name: "cpus", min: 1, max: 8, label: "CPUs" },
  { name: "seed", min: 0, max: 0xffffffff, label: "seed" },
  { name: "pipes", min: 2, max: 4000, label: "pipes" },
  { name: "threads", min: 1, max: 4000, label: "message threads" },
  { name: "generations", min: 1, max: 10_000_000, label: "generations" },
  { name: "bufsize", min: 12, max: 4096, label: "bufsize" },
];

function field(name: string): HTMLInputElement { return form.elements.namedItem(name) as HTMLInputElement; }

function validate(): boolean {
  form.querySelectorAll(".field-error").forEach((e) => e.remove());
  form.querySelectorAll(".invalid").forEach((e) => e.classList.remove("invalid"));
  let ok = true;
  const bad = (el: HTMLElement, msg: string) => {
    ok = false;
    el.classList.add("invalid");
    const span = document.createElement("span");
    span.className = "field-error";
    span.textContent = msg;
    el.insertAdjacentElement("afterend", span);
  };
  for (const r of RULES) {
    const el = field(r.name);
    const v = el.value.trim();
    const n = Number(v);
    if (v === "" || !Number.isInteger(n)) bad(el, `${r.label}: enter a whole number`);
    else if (n < r.min || n > r.max) bad(el, `${r.label}: must be from ${r.min} to ${r.max}`);
  }
  if (ok && Number(field("threads").value) > Number(field("pipes").value)) bad(field("threads"), "message threads: at most the number of pipes");
  const opt = field("opt").value.trim();
  if (opt && !/^(\s*(opt[1-4]|run_all|cancel_delayed)=[a-z0-9]+\s*)(,\s*(opt[1-4]|run_all|cancel_delayed)=[a-z0-9]+\s*)*$/.test(opt)) bad(field("opt"), "switches: like opt1=0,opt4=hz10");
  return ok;
}

// ---- charts

// Short numbers for axis ticks: 600k, 1.2M.
const short = (v: number) => (Math.abs(v) >= 1e6 ? `${+(v / 1e6).toFixed(1)}M` : Math.abs(v) >= 1e3 ? `${+(v / 1e3).toFixed(1)}k` : `${+v.toFixed(2)}`);

function chart(id: string, title: string, series: uPlot.Series[], opts: Partial<uPlot.Options> = {}): uPlot {
  const el = $(id);
  el.innerHTML = "";
  const base: Partial<uPlot.Options> = {
    scales: { x: { time: false } },
    axes: [{ label: "simulated seconds" }, { size: 60, values: (_u, vals) => vals.map(short) }],
  };
  return new uPlot({ title, width: Math.max(400, el.clientWidth - 8), height: 200, series, ...base, ...opts },
    [[], ...series.slice(1).map(() => [])] as uPlot.AlignedData, el);
}

let csChart: uPlot, opsChart: uPlot, cpuChart: uPlot;
let data: { t: number[]; cs: number[]; ops: number[]; cpu: number[][] };

function resetCharts(cpus: number): void {
  data = { t: [], cs: [], ops: [], cpu: Array.from({ length: cpus }, () => []) };
  csChart = chart("chart-cs", "context switches per simulated second", [{ label: "sim s" }, { label: "cs/s", stroke: "#c0392b" }]);
  opsChart = chart("chart-ops", "throughput (passes per simulated second)", [{ label: "sim s" }, { label: "passes/s", stroke: "#2471a3" }]);
  cpuChart = chart("chart-cpu", "per-CPU activity (% busy)", [{ label: "sim s" },
    ...data.cpu.map((_, i) => ({ label: `cpu${i}`, stroke: ["#27ae60", "#8e44ad", "#d35400", "#2c3e50"][i % 4] }))]);
  $("chart-latency").innerHTML = "";
}

function addSample(s: Sample): void {
  data.t.push(s.t);
  data.cs.push(s.csPerSec);
  data.ops.push(s.opsPerSec);
  s.cpuBusyPct.forEach((v, i) => data.cpu[i]?.push(v));
  csChart.setData([data.t, data.cs]);
  opsChart.setData([data.t, data.ops]);
  cpuChart.setData([data.t, ...data.cpu]);
}

function latencyChart(r: PipetestReport): void {
  const labels = [...LATENCY_BUCKETS_US.map((b) => `<${b}`), "more"];
  const xs = labels.map((_, i) => i);
  chart("chart-latency", "submit-to-reap latency (µs buckets)", [{ label: "bucket" }, { label: "count", stroke: "#16a085", fill: "#16a08555",
    paths: uPlot.paths.bars!({ size: [0.8] }) }], {
    axes: [{ label: "µs", values: (_u, vals) => vals.map((v) => labels[v] ?? "") }, { size: 60, values: (_u, vals) => vals.map(short) }],
    scales: { x: { time: false } },
  }).setData([xs, r.latency.histogram]);
}

// ---- results

function reproduceTable(r: ReproduceReport): void {
  const rows = r.pipetest.rows.map((x) => {
    const cs = x.report.contextSwitches.switchesPerSec;
    return `<tr><td>${x.row}${x.fitted ? " *" : ""}</td><td>${Math.round(cs).toLocaleString()}</td><td class="text">${x.anchor.text}</td>` +
      `<td>${x.anchor.csPerSec ? (cs / x.anchor.csPerSec).toFixed(2) + "x" : "-"}</td><td>${Math.round(x.report.passesPerSec).toLocaleString()}</td>` +
      `<td class="text">${x.note}</td></tr>`;
  }).join("");
  const checks = r.checks.map((c) => `<tr><td>${c.name}</td><td class="text">${c.seed}</td><td class="text">${c.ours}</td></tr>`).join("");
  tableDiv.innerHTML = `<table id="reproduce-table"><tr><th>row</th><th>cs/s (ours)</th><th>seed's figure</th><th>ours/seed</th><th>passes/s</th><th>what it is</th></tr>${rows}</table>
    <p>* fitted once (docs/calibration.md); every other row is a prediction of the model.</p>
    <table><tr><th>check</th><th>seed</th><th>ours</th></tr>${checks}</table>`;
}

function onDone(report: PipetestReport | AioStressReport | ReproduceReport): void {
  lastReport = report;
  dlBtn.disabled = false;
  if ("workload" in report && report.workload === "aio-stress") {
    const st = report.stall;
    output.textContent = report.lines.join("\n") + `\n\nvariant ${report.variant}\nlongest stall ${(st.longestUs / 1000).toFixed(1)} ms` +
      ` (${st.stage}); submit-to-reap p50 ${report.latency.p50Us.toFixed(1)} µs, p99 ${report.latency.p99Us.toFixed(1)} µs\n`;
    tableDiv.innerHTML = "";
  } else if ("workload" in report) {
    output.textContent = formatPipetest(report);
    tableDiv.innerHTML = "";
    latencyChart(report);
  } else {
    output.textContent = `reproduce: ${report.pipetest.rows.length} rows on ${report.machine.profile}`;
    reproduceTable(report);
  }
  (window as unknown as { __aioSimResult: unknown }).__aioSimResult = report;
}

function finish(msg: string): void {
  status.textContent = msg;
  runBtn.disabled = false;
  stopBtn.disabled = true;
  worker?.terminate();
  worker = null;
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  if (!validate()) { status.textContent = "fix the marked fields"; return; }
  const f = (n: string) => field(n).value.trim();
  const num = (n: string) => Number(f(n));
  const req: RunRequest = {
    type: "run",
    workload: (form.elements.namedItem("workload") as HTMLSelectElement).value as RunRequest["workload"],
    machine: { profile: "xeon-2004", overrides: { cpus: num("cpus"), hz: num("hz") }, seed: num("seed") },
    variant: (form.elements.namedItem("variant") as HTMLSelectElement).value,
    opt: f("opt"),
    pipetest: { pipes: num("pipes"), threads: num("threads"), generations: num("generations"), bufsize: num("bufsize") },
  };
  resetCharts(num("cpus"));
  output.textContent = "";
  tableDiv.innerHTML = "";
  lastReport = null;
  dlBtn.disabled = true;
  runBtn.disabled = true;
  stopBtn.disabled = false;
  status.textContent = "running…";
  progress.value = 0;
  worker = new Worker("worker.js", { type: "module" });
  worker.onmessage = (ev) => {
    const m = ev.data;
    if (m.type === "progress") progress.value = m.f;
    else if (m.type === "sample") addSample(m.s);
    else if (m.type === "done") { onDone(m.report); progress.value = 1; finish("done"); }
    else if (m.type === "error") { output.textContent = m.message; finish("error"); }
  };
  worker.onerror = (ev) => { output.textContent = ev.message; finish("error"); };
  worker.postMessage(req);
});

stopBtn.addEventListener("click", () => { worker?.postMessage({ type: "stop" }); status.textContent = "stopping…"; });

dlBtn.addEventListener("click", () => {
  if (!lastReport) return;
  const json = JSON.stringify(lastReport, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([json + "\n"], { type: "application/json" }));
  a.download = "aio-sim-result.json";
  a.click();
});
