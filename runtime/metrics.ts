/**
 * Metrics in the Prometheus text format, and a small HTTP handler serving `/metrics`,
 * `/healthz` and `/readyz` for an operator.
 *
 * @module
 */

/**
 * Label names to values.
 *
 * @example
 * ```ts
 * import { Counter, type MetricLabels } from "@kubeno/kube";
 * const labels: MetricLabels = { controller: "foo", outcome: "success" };
 * new Counter("reconciles_total", "Reconciles by outcome.").inc(labels);
 * ```
 */
export type MetricLabels = Readonly<Record<string, string>>;

/**
 * A metric that can render itself in the Prometheus text format.
 *
 * @example
 * ```ts
 * import type { Metric } from "@kubeno/kube";
 * const up: Metric = { name: "demo_up", render: () => "# TYPE demo_up gauge\ndemo_up 1\n" };
 * ```
 */
export interface Metric {
  /** The metric's name. */
  readonly name: string;
  /** Its help text; a {@link Registry} compares it when the same name is registered again. */
  readonly help?: string;
  /** Renders `# HELP`, `# TYPE` and the samples. */
  render(): string;
}

function escapeHelp(s: string): string {
  return s.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function escapeLabel(s: string): string {
  return s.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function labelText(labels: MetricLabels, extra?: [string, string]): string {
  const parts = Object.keys(labels).sort().map((k) => `${k}="${escapeLabel(labels[k])}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

/** Label names as the Prometheus data model allows them; `__` prefixes are reserved. */
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const validLabelNames = new Set<string>();

function checkLabelNames(metric: string, labels: MetricLabels, reserved?: string): void {
  for (const k of Object.keys(labels)) {
    if (validLabelNames.has(k) && k !== reserved) continue;
    if (!LABEL_NAME.test(k) || k.startsWith("__")) {
      throw new TypeError(
        `metric ${metric}: invalid label name ${
          JSON.stringify(k)
        } (must match [a-zA-Z_][a-zA-Z0-9_]* and not start with "__")`,
      );
    }
    if (k === reserved) {
      throw new TypeError(`metric ${metric}: the label name "${k}" is reserved for this type`);
    }
    validLabelNames.add(k);
  }
}

function labelKey(labels: MetricLabels): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

function num(v: number): string {
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function checkName(name: string): void {
  if (!NAME.test(name)) throw new TypeError(`invalid metric name ${JSON.stringify(name)}`);
}

/**
 * A monotonically increasing count, per label set.
 *
 * @example
 * ```ts
 * import { Counter } from "@kubeno/kube";
 * const c = new Counter("demo_total", "Things done.");
 * c.inc({ outcome: "success" });
 * console.log(c.get({ outcome: "success" })); // 1
 * ```
 */
export class Counter implements Metric {
  /** The metric's name. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
  readonly #values = new Map<string, { labels: MetricLabels; value: number }>();

  /**
   * A counter with no samples yet.
   *
   * @param name metric name, e.g. `kubeno_reconciles_total`
   * @param help one line of description
   */
  constructor(name: string, help: string) {
    checkName(name);
    this.name = name;
    this.help = help;
  }

  /** Adds `by` (default 1) to the count of `labels`. */
  inc(labels: MetricLabels = {}, by: number = 1): void {
    if (by < 0) throw new RangeError("a counter only goes up");
    checkLabelNames(this.name, labels);
    const k = labelKey(labels);
    const e = this.#values.get(k);
    if (e) e.value += by;
    else this.#values.set(k, { labels: { ...labels }, value: by });
  }

  /** The count of `labels`. */
  get(labels: MetricLabels = {}): number {
    return this.#values.get(labelKey(labels))?.value ?? 0;
  }

  /** The Prometheus text of this counter. */
  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} counter\n`;
    for (const { labels, value } of this.#values.values()) {
      out += `${this.name}${labelText(labels)} ${num(value)}\n`;
    }
    return out;
  }
}

/**
 * A value that goes up and down, per label set; or computed at scrape time by `collect`.
 *
 * @example
 * ```ts
 * import { Gauge } from "@kubeno/kube";
 * const g = new Gauge("demo_queue_depth", "Keys waiting.");
 * g.set(3);
 * ```
 */
export class Gauge implements Metric {
  /** The metric's name. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
  readonly #values = new Map<string, { labels: MetricLabels; value: number }>();
  readonly #collect: (() => number) | undefined;

  /**
   * A gauge with no samples yet (or one computed by `collect`).
   *
   * @param name metric name
   * @param help one line of description
   * @param collect if given, the unlabelled value is read from it at each scrape
   */
  constructor(name: string, help: string, collect?: () => number) {
    checkName(name);
    this.name = name;
    this.help = help;
    this.#collect = collect;
  }

  /** True if the unlabelled value is computed at scrape time. */
  get collected(): boolean {
    return this.#collect !== undefined;
  }

  /** Sets the value of `labels`. */
  set(value: number, labels: MetricLabels = {}): void {
    checkLabelNames(this.name, labels);
    this.#values.set(labelKey(labels), { labels: { ...labels }, value });
  }

  /** Adds `by` (may be negative) to the value of `labels`. */
  inc(by: number = 1, labels: MetricLabels = {}): void {
    this.set(this.get(labels) + by, labels);
  }

  /** The value of `labels`. */
  get(labels: MetricLabels = {}): number {
    if (this.#collect && Object.keys(labels).length === 0) return this.#collect();
    return this.#values.get(labelKey(labels))?.value ?? 0;
  }

  /** The Prometheus text of this gauge. */
  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} gauge\n`;
    if (this.#collect) out += `${this.name} ${num(this.#collect())}\n`;
    for (const { labels, value } of this.#values.values()) {
      out += `${this.name}${labelText(labels)} ${num(value)}\n`;
    }
    return out;
  }
}

/** Prometheus' default buckets, in seconds. */
const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A histogram of observations (e.g. durations in seconds), per label set.
 *
 * @example
 * ```ts
 * import { Histogram } from "@kubeno/kube";
 * const h = new Histogram("demo_duration_seconds", "How long it took.");
 * h.observe(0.042, { outcome: "success" });
 * ```
 */
export class Histogram implements Metric {
  /** The metric's name. */
  readonly name: string;
  /** Its help text. */
  readonly help: string;
  readonly #buckets: number[];
  readonly #series = new Map<
    string,
    { labels: MetricLabels; counts: number[]; sum: number; count: number }
  >();

  /**
   * A histogram with no observations yet.
   *
   * @param name metric name, ending in the unit (`_seconds`)
   * @param help one line of description
   * @param buckets upper bounds, ascending; default Prometheus' defaults
   */
  constructor(name: string, help: string, buckets: readonly number[] = DEFAULT_BUCKETS) {
    checkName(name);
    this.name = name;
    this.help = help;
    this.#buckets = [...buckets].sort((a, b) => a - b);
  }

  /** The bucket upper bounds, ascending. */
  get buckets(): readonly number[] {
    return this.#buckets;
  }

  /** Records one observation. */
  observe(value: number, labels: MetricLabels = {}): void {
    checkLabelNames(this.name, labels, "le");
    const k = labelKey(labels);
    let s = this.#series.get(k);
    if (!s) {
      s = { labels: { ...labels }, counts: this.#buckets.map(() => 0), sum: 0, count: 0 };
      this.#series.set(k, s);
    }
    for (let i = 0; i < this.#buckets.length; i++) if (value <= this.#buckets[i]) s.counts[i]++;
    s.sum += value;
    s.count++;
  }

  /** Count and sum of `labels`' observations. */
  get(labels: MetricLabels = {}): { count: number; sum: number } {
    const s = this.#series.get(labelKey(labels));
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  /** The Prometheus text of this histogram. */
  render(): string {
    let out = `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} histogram\n`;
    for (const s of this.#series.values()) {
      for (let i = 0; i < this.#buckets.length; i++) {
        out += `${this.name}_bucket${labelText(s.labels, ["le", num(this.#buckets[i])])} ${
          s.counts[i]
        }\n`;
      }
      out += `${this.name}_bucket${labelText(s.labels, ["le", "+Inf"])} ${s.count}\n`;
      out += `${this.name}_sum${labelText(s.labels)} ${num(s.sum)}\n`;
      out += `${this.name}_count${labelText(s.labels)} ${s.count}\n`;
    }
    return out;
  }
}

/**
 * A set of metrics rendered together.
 *
 * @example
 * ```ts
 * import { Counter, Registry } from "@kubeno/kube";
 * const registry = new Registry();
 * const c = registry.register(new Counter("demo_total", "Things."));
 * c.inc();
 * console.log(registry.render());
 * ```
 */
export class Registry {
  readonly #metrics = new Map<string, Metric>();

  /**
   * Adds a metric and returns it. If one of that name is already registered with the same
   * type and help (and buckets, for a histogram), returns that one instead, so that several
   * users (e.g. two controllers' {@link ControllerMetrics}, told apart by their `controller`
   * label) share one metric family. A different type or help under the same name throws, as
   * does a second gauge computed at scrape time (its values could not be merged).
   *
   * @example
   * ```ts
   * import { Counter, Registry } from "@kubeno/kube";
   * const registry = new Registry();
   * const a = registry.register(new Counter("demo_total", "Things."));
   * const b = registry.register(new Counter("demo_total", "Things."));
   * console.log(a === b); // true
   * ```
   */
  register<M extends Metric>(metric: M): M {
    const existing = this.#metrics.get(metric.name);
    if (existing === undefined) {
      this.#metrics.set(metric.name, metric);
      return metric;
    }
    if (existing === metric) return metric;
    const why = sameFamily(existing, metric);
    if (why !== undefined) {
      throw new TypeError(`a metric named ${metric.name} is already registered ${why}`);
    }
    return existing as M;
  }

  /** Every metric in the Prometheus text format (version 0.0.4). */
  render(): string {
    return [...this.#metrics.values()].map((m) => m.render()).join("");
  }
}

/** Why `b` cannot share `a`'s family, or undefined if it can. */
function sameFamily(a: Metric, b: Metric): string | undefined {
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) {
    return `with another type (${a.constructor.name}, not ${b.constructor.name})`;
  }
  if (a.help !== b.help) {
    return `with another help text (${JSON.stringify(a.help)}, not ${JSON.stringify(b.help)})`;
  }
  if (a instanceof Histogram && b instanceof Histogram) {
    if (a.buckets.join() !== b.buckets.join()) return "with other buckets";
  }
  if (a instanceof Gauge && b instanceof Gauge && (a.collected || b.collected)) {
    return "as a gauge computed at scrape time";
  }
  if (!(a instanceof Counter || a instanceof Gauge || a instanceof Histogram)) {
    return "(a custom metric is never shared)";
  }
  return undefined;
}

/**
 * The metrics a `Controller` keeps when given one (`run(..., { metrics })`):
 * reconciles by outcome, reconcile durations, queue depth, watch restarts and errors.
 *
 * @example
 * ```ts
 * import { ControllerMetrics } from "@kubeno/kube";
 * const metrics = new ControllerMetrics("configmapgen");
 * metrics.reconciled("success", 0.012);
 * console.log(metrics.registry.render());
 * ```
 */
export class ControllerMetrics {
  /** Where the metrics are registered; render it or add your own. */
  readonly registry: Registry;
  /** `kubeno_reconciles_total{controller,outcome}`. */
  readonly reconciles: Counter;
  /** `kubeno_reconcile_duration_seconds{controller,outcome}`. */
  readonly reconcileDuration: Histogram;
  /** `kubeno_queue_depth{controller}`: keys scheduled, ready or running. */
  readonly queueDepth: Gauge;
  /** `kubeno_watch_restarts_total{controller,resource}`: relists after the first list. */
  readonly watchRestarts: Counter;
  /** `kubeno_watch_errors_total{controller,resource}`: errors the watchers recovered from. */
  readonly watchErrors: Counter;
  /** The controller label. */
  readonly controller: string;

  /**
   * The controller metrics, registered in `registry`. Several controllers may share one
   * registry: they share the metric families and are told apart by the `controller` label
   * (so give each a different name).
   *
   * @param controller the value of the `controller` label
   * @param registry where to register; default a new one
   */
  constructor(controller: string, registry: Registry = new Registry()) {
    this.controller = controller;
    this.registry = registry;
    this.reconciles = registry.register(
      new Counter("kubeno_reconciles_total", "Reconciles run, by outcome (success or error)."),
    );
    this.reconcileDuration = registry.register(
      new Histogram("kubeno_reconcile_duration_seconds", "Time a reconcile took, in seconds."),
    );
    this.queueDepth = registry.register(
      new Gauge("kubeno_queue_depth", "Object keys scheduled, waiting or running."),
    );
    this.watchRestarts = registry.register(
      new Counter("kubeno_watch_restarts_total", "Relists of a watch after its first list."),
    );
    this.watchErrors = registry.register(
      new Counter("kubeno_watch_errors_total", "Errors a watch recovered from."),
    );
  }

  /** Records one reconcile. */
  reconciled(outcome: "success" | "error", seconds: number): void {
    const labels = { controller: this.controller, outcome };
    this.reconciles.inc(labels);
    this.reconcileDuration.observe(seconds, labels);
  }
}

/**
 * Options of {@link metricsHandler}.
 *
 * @example
 * ```ts
 * import type { MetricsHandlerOptions } from "@kubeno/kube";
 * const o: MetricsHandlerOptions = { ready: () => true };
 * ```
 */
export interface MetricsHandlerOptions {
  /**
   * `/readyz` answers 200 when this returns true, else 503. For a controller,
   * `() => controller.isReady`: ready once its watches have synced, not ready again from the
   * start of shutdown.
   * @default always ready
   */
  ready?: () => boolean;
  /** `/healthz` answers 200 when this returns true, else 503. @default always healthy */
  healthy?: () => boolean;
}

/**
 * A `Deno.serve` handler: `/metrics` (Prometheus text), `/healthz`, `/readyz`; 404 elsewhere.
 *
 * @example
 * ```ts
 * import { ControllerMetrics, metricsHandler } from "@kubeno/kube";
 * const metrics = new ControllerMetrics("demo");
 * Deno.serve({ hostname: "127.0.0.1", port: 8080 }, metricsHandler(metrics.registry));
 * ```
 *
 * @example Ready once the controller's stores have synced
 * ```ts
 * import { Action, Api, Client, Controller, ControllerMetrics, metricsHandler } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * // doc:no-run: serves on port 8080 until stopped
 * const controller = new Controller(Api.all(await Client.tryDefault(), ConfigMap));
 * const metrics = new ControllerMetrics("configmaps");
 * Deno.serve(
 *   { hostname: "0.0.0.0", port: 8080 },
 *   metricsHandler(metrics.registry, { ready: () => controller.isReady }),
 * );
 * for await (
 *   const _ of controller.run(async () => Action.awaitChange(), () => Action.requeue(5_000), {}, {
 *     metrics,
 *   })
 * );
 * ```
 */
export function metricsHandler(
  registry: Registry,
  options: MetricsHandlerOptions = {},
): (req: Request) => Response {
  return (req) => {
    const path = new URL(req.url).pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405 });
    }
    switch (path) {
      case "/metrics":
        return new Response(registry.render(), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        });
      case "/healthz":
        return (options.healthy?.() ?? true)
          ? new Response("ok\n")
          : new Response("unhealthy\n", { status: 503 });
      case "/readyz":
        return (options.ready?.() ?? true)
          ? new Response("ok\n")
          : new Response("not ready\n", { status: 503 });
      default:
        return new Response("not found\n", { status: 404 });
    }
  };
}
