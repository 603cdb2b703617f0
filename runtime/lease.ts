/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's timing model: so that
 * of several replicas of an operator exactly one reconciles.
 *
 * @module
 */

import { log } from "../core/log.ts";
import { errorText, pause } from "../core/_util.ts";
import { Api } from "../client/api.ts";
import type { Client } from "../client/client.ts";
import { isAlreadyExists, isConflict, isNotFound, KubeError } from "../core/error.ts";
import { Lease, type LeaseSpec } from "../core/k8s/coordination.k8s.io/v1.ts";
import { microTime } from "./events.ts";

/**
 * Options of a {@link LeaderElector}. The durations are client-go's, in milliseconds; the
 * defaults are client-go's too (15 s, 10 s, 2 s).
 *
 * @example
 * ```ts
 * import type { LeaderElectionConfig } from "@kubeno/kube";
 * const c: LeaderElectionConfig = {
 *   namespace: "default", name: "my-operator", identity: "my-operator-0",
 *   leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000,
 * };
 * ```
 */
export interface LeaderElectionConfig {
  /** Namespace of the Lease. */
  namespace: string;
  /** Name of the Lease; one per group of replicas. */
  name: string;
  /** This candidate's identity, unique among the replicas (e.g. the pod name). */
  identity: string;
  /**
   * How long others wait, after they last saw the Lease change, before taking it over from a
   * holder that stopped renewing. Written to the Lease as `spec.leaseDurationSeconds` (whole
   * seconds, rounded up); other candidates honour the value recorded there, as client-go
   * does, not their own.
   * @default 15000
   */
  leaseDurationMs?: number;
  /**
   * How long the leader keeps trying to renew before it gives up leadership. Must be less than
   * `leaseDurationMs`, so that the old leader has stopped before anyone else can start, and
   * greater than `retryPeriodMs * 1.2`.
   *
   * Counted from the last successful renewal (client-go counts it from the start of the
   * renewal round, one retry period later); failed attempts are retried every quarter retry
   * period until it passes, and an attempt in flight is cut off at the deadline. So a leader
   * that cannot reach the server stops at most `renewDeadlineMs` after its last renewal,
   * `leaseDurationMs - renewDeadlineMs` before anyone may take over.
   * @default 10000
   */
  renewDeadlineMs?: number;
  /**
   * How often the leader renews, and candidates try to acquire: a candidate waits
   * `retryPeriodMs * (1 + random * 1.2)` between attempts (client-go's
   * `wait.JitterUntil(retryPeriod, 1.2)`), so replicas do not retry in lockstep.
   * @default 2000
   */
  retryPeriodMs?: number;
  /** Clear the Lease when leadership ends on purpose, so that a successor starts at once. @default true */
  releaseOnCancel?: boolean;
  /** Told when the holder changes (including to this identity); `""` when released. */
  onNewLeader?: (identity: string) => void;
}

/**
 * The reason of the signals {@link LeaderElector.run} aborts when this candidate lost the
 * Lease. A {@link Controller} whose `signal` aborts with it stops at once, without a grace
 * period, as with `stopNow`.
 *
 * @example
 * ```ts
 * import { LeadershipLostError } from "@kubeno/kube";
 * const ac = new AbortController();
 * ac.abort(new LeadershipLostError("my-operator", "pod-0"));
 * console.log(ac.signal.reason instanceof LeadershipLostError); // true
 * ```
 */
export class LeadershipLostError extends KubeError {
  /** Class name. */
  override name: string = "LeadershipLostError";
  /** The Lease's name. */
  readonly lease: string;
  /** The candidate that lost it. */
  readonly identity: string;
  /**
   * The error for `identity` having lost the Lease `lease`.
   *
   * @param lease the Lease's name
   * @param identity the candidate that lost it
   */
  constructor(lease: string, identity: string) {
    super(`leader election: ${identity} lost lease ${lease}; stopping at once`);
    this.lease = lease;
    this.identity = identity;
  }
}

/**
 * Whether `err` (an error, or an aborted signal's reason) says that leadership was lost.
 *
 * @example
 * ```ts
 * import { isLeadershipLost, LeadershipLostError } from "@kubeno/kube";
 * const ac = new AbortController();
 * ac.abort(new LeadershipLostError("my-operator", "pod-0"));
 * console.log(isLeadershipLost(ac.signal.reason)); // true
 * ```
 */
export function isLeadershipLost(err: unknown): err is LeadershipLostError {
  return err instanceof LeadershipLostError;
}

/** client-go's jitter factor on the retry period of candidates. */
const JITTER = 1.2;

/**
 * A candidate for leadership of one Lease. {@link LeaderElector.run} waits until it holds the
 * Lease, runs the leader's work with a signal that aborts the moment leadership is lost, and
 * releases the Lease when the work ends or the outer signal aborts.
 *
 * Timing, as client-go: a leader renews every `retryPeriodMs`; if it could not renew for
 * `renewDeadlineMs` it stops leading at once. Others take over a Lease that has not changed for
 * the `spec.leaseDurationSeconds` recorded on it (measured on their own clock from when they
 * saw the change, so clock skew between machines does not matter), or at once when it was
 * released. Candidates retry every `retryPeriodMs * (1 + random * 1.2)`.
 *
 * Needs RBAC to `get`, `create` and `update` `leases.coordination.k8s.io` in the namespace.
 *
 * @example
 * ```ts
 * import { Client, LeaderElector, shutdownSignal } from "@kubeno/kube";
 * const client = await Client.tryDefault();
 * const elector = new LeaderElector(client, {
 *   namespace: "default", name: "my-operator", identity: crypto.randomUUID(),
 * });
 * await elector.run(async (leading) => {
 *   console.log("leading");
 *   await new Promise((r) => leading.addEventListener("abort", r)); // run the controller here
 * }, { signal: shutdownSignal() }); // until Ctrl-C or SIGTERM; then the lease is released
 * ```
 */
export class LeaderElector {
  readonly #api: Api<Lease>;
  readonly #identity: string;
  readonly #leaseSeconds: number;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #release: boolean;
  readonly #onNewLeader: ((identity: string) => void) | undefined;
  /** The last Lease we read or wrote, and when (our clock) its holder record last changed. */
  #observed: Lease | undefined;
  #observedKey = "";
  #observedAt = 0;
  #leading = false;
  #lastLeader: string | undefined;

  /**
   * A candidate for the Lease `config.namespace/config.name`.
   *
   * @param client the client to read and write the Lease with
   * @param config identity and timing
   */
  constructor(client: Client, config: LeaderElectionConfig) {
    if (!config.identity) throw new TypeError("LeaderElector: identity must not be empty");
    const lease = config.leaseDurationMs ?? 15_000;
    const renew = config.renewDeadlineMs ?? 10_000;
    const retry = config.retryPeriodMs ?? 2_000;
    if (!(lease > renew)) {
      throw new RangeError(
        `LeaderElector: leaseDurationMs (${lease}) must be greater than renewDeadlineMs (${renew})`,
      );
    }
    if (!(renew > retry * JITTER)) {
      throw new RangeError(
        `LeaderElector: renewDeadlineMs (${renew}) must be greater than retryPeriodMs * ${JITTER} (${
          retry * JITTER
        })`,
      );
    }
    if (!(retry > 0)) throw new RangeError("LeaderElector: retryPeriodMs must be > 0");
    this.#api = Api.namespaced(client, Lease, config.namespace);
    this.#identity = config.identity;
    this.#leaseSeconds = Math.max(1, Math.ceil(lease / 1000));
    this.#leaseDurationMs = this.#leaseSeconds * 1000;
    this.#renewDeadlineMs = renew;
    this.#retryPeriodMs = retry;
    this.#release = config.releaseOnCancel ?? true;
    this.#onNewLeader = config.onNewLeader;
    this.name = config.name;
  }

  /** The Lease's name. */
  readonly name: string;

  /** This candidate's identity. */
  get identity(): string {
    return this.#identity;
  }

  /** True while this candidate holds the Lease (as far as it knows). */
  get isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last seen on the Lease, if any. */
  get leader(): string | undefined {
    return this.#observed?.spec?.holderIdentity || undefined;
  }

  /**
   * Campaigns until leader, runs `work(leading, lost)`, and releases the Lease when the work
   * ends. After a loss the candidate campaigns again; `run` resolves when the outer signal
   * aborts (or the work returns by itself), after releasing the Lease.
   *
   * - `leading` aborts when the work should stop: the outer signal aborted (a normal
   *   shutdown: the work may drain, and the Lease is still renewed until the work returns, so
   *   no one else starts meanwhile), or leadership was lost.
   * - `lost` aborts only when leadership is lost (renewal failed for `renewDeadlineMs`, or
   *   someone else holds the Lease), also in the middle of a drain: the work must stop at once,
   *   as another candidate may start soon. Its reason (and `leading`'s, on a loss) is a
   *   {@link LeadershipLostError}.
   *
   * For a {@link Controller}, pass both: `{ signal: leading, stopNow: lost }`.
   *
   * @example
   * ```ts
   * import { Client, LeaderElector } from "@kubeno/kube";
   * const elector = new LeaderElector(await Client.tryDefault(), {
   *   namespace: "default", name: "demo", identity: "me",
   * });
   * await elector.run(async (leading, lost) => {
   *   while (!leading.aborted) await new Promise((r) => setTimeout(r, 1_000));
   *   if (!lost.aborted) console.log("shutting down cleanly, still holding the lease");
   * }, { signal: AbortSignal.timeout(10_000) });
   * ```
   */
  async run(
    work: (leading: AbortSignal, lost: AbortSignal) => Promise<unknown>,
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const outer = options.signal;
    while (!outer?.aborted) {
      if (!await this.#acquire(outer)) return;
      const leading = new AbortController();
      const lost = new AbortController();
      // Renewal goes on until the work has returned, not until it is asked to stop.
      const workDone = new AbortController();
      const stopOnOuter = () => leading.abort(outer?.reason);
      const stopOnLoss = () => leading.abort(lost.signal.reason);
      outer?.addEventListener("abort", stopOnOuter, { once: true });
      lost.signal.addEventListener("abort", stopOnLoss, { once: true });
      const renewing = this.#renewLoop(lost, workDone.signal).catch((err) => {
        // A renewal loop that broke cannot vouch for the lease any more: the work must stop.
        log({
          level: "error",
          source: "leader-election",
          message: `leader election: renewing lease ${this.name} failed:`,
          error: err,
          fields: { lease: this.name },
        });
        this.#leading = false;
        lost.abort(new LeadershipLostError(this.name, this.#identity));
      });
      let finishedByItself = false;
      let failed: { error: unknown } | undefined;
      try {
        await work(leading.signal, lost.signal);
        finishedByItself = !leading.signal.aborted;
      } catch (error) {
        if (!leading.signal.aborted) failed = { error };
      } finally {
        outer?.removeEventListener("abort", stopOnOuter);
        lost.signal.removeEventListener("abort", stopOnLoss);
      }
      workDone.abort();
      await renewing;
      if (!lost.signal.aborted) await this.#releaseIfHeld();
      if (failed) throw failed.error;
      if (finishedByItself) return;
    }
  }

  /**
   * One attempt to acquire or renew the Lease, as client-go's `tryAcquireOrRenew`. Resolves to
   * true if this candidate holds the Lease afterwards.
   *
   * @example
   * ```ts
   * import { Client, LeaderElector } from "@kubeno/kube";
   * const e = new LeaderElector(await Client.tryDefault(), { namespace: "default", name: "x", identity: "me" });
   * console.log(await e.tryAcquireOrRenew());
   * ```
   */
  async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const now = Date.now();
    const opts = signal ? { signal } : {};
    let current: Lease | undefined;
    try {
      current = await this.#api.get(this.name, {}, opts);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!current) {
      const spec: LeaseSpec = {
        holderIdentity: this.#identity,
        leaseDurationSeconds: this.#leaseSeconds,
        acquireTime: microTime(now),
        renewTime: microTime(now),
        leaseTransitions: 0,
      };
      try {
        const created = await this.#api.create({ metadata: { name: this.name }, spec }, {}, opts);
        this.#observe(created, Date.now());
        return this.#setLeading(true);
      } catch (err) {
        if (isAlreadyExists(err) || isConflict(err)) return this.#setLeading(false);
        throw err;
      }
    }
    this.#observe(current, now);
    const holder = current.spec?.holderIdentity ?? "";
    if (holder !== "" && holder !== this.#identity) {
      // The holder's own promise, as client-go reads it: the duration recorded on the Lease,
      // which may differ from ours (replicas of another version, another configuration).
      const recorded = current.spec?.leaseDurationSeconds;
      const durationMs = recorded !== undefined && recorded > 0
        ? recorded * 1000
        : this.#leaseDurationMs;
      if (this.#observedAt + durationMs > now) return this.#setLeading(false);
    }
    const old = current.spec ?? {};
    const spec: LeaseSpec = {
      ...old,
      holderIdentity: this.#identity,
      leaseDurationSeconds: this.#leaseSeconds,
      renewTime: microTime(now),
    };
    if (holder !== this.#identity) {
      spec.acquireTime = microTime(now);
      spec.leaseTransitions = (old.leaseTransitions ?? 0) +
        (holder === "" && !old.acquireTime ? 0 : 1);
    }
    try {
      // The resourceVersion makes this a compare-and-swap: a concurrent writer wins, we retry.
      const updated = await this.#api.replace(this.name, { ...current, spec }, {}, opts);
      this.#observe(updated, Date.now());
      return this.#setLeading(true);
    } catch (err) {
      if (isConflict(err)) return this.#setLeading(false);
      throw err;
    }
  }

  #observe(lease: Lease, at: number): void {
    const s = lease.spec ?? {};
    const key = JSON.stringify([s.holderIdentity, s.renewTime, s.acquireTime, s.leaseTransitions]);
    if (key !== this.#observedKey) {
      this.#observedKey = key;
      this.#observedAt = at;
    }
    this.#observed = lease;
    const holder = s.holderIdentity ?? "";
    if (holder !== this.#lastLeader) {
      this.#lastLeader = holder;
      this.#onNewLeader?.(holder);
    }
  }

  #setLeading(v: boolean): boolean {
    this.#leading = v;
    return v;
  }

  /** Tries every retry period (jittered) until leader; false if the signal aborted first. */
  async #acquire(signal: AbortSignal | undefined): Promise<boolean> {
    while (!signal?.aborted) {
      try {
        if (await this.tryAcquireOrRenew(signal)) return true;
      } catch (err) {
        if (signal?.aborted) return false;
        log({
          level: "warn",
          source: "leader-election",
          message: `leader election: acquiring lease ${this.name}: ${errorText(err)}`,
          fields: { lease: this.name },
        });
      }
      // client-go's wait.JitterUntil(retryPeriod, 1.2): retryPeriod * (1 + random * 1.2).
      const wait = this.#retryPeriodMs * (1 + Math.random() * JITTER);
      if (!await pause(wait, signal)) return false;
    }
    return false;
  }

  /**
   * Renews every retry period until `stop` aborts (the work returned); aborts `lost` when no
   * renewal succeeded within the renew deadline, or someone else holds the Lease.
   *
   * The renew deadline, as client-go's: counted from the last successful renewal; failed
   * attempts are retried (every quarter retry period) until it passes; an attempt in flight is
   * cut off at the deadline. It is shorter than the lease duration so that a leader that
   * cannot reach the server has stopped before any other candidate may take over.
   */
  async #renewLoop(lost: AbortController, stop: AbortSignal): Promise<void> {
    let lastRenew = Date.now();
    while (!stop.aborted) {
      if (!await pause(this.#retryPeriodMs, stop)) return;
      const deadline = lastRenew + this.#renewDeadlineMs;
      let renewed = false;
      let warned = false;
      while (!stop.aborted && Date.now() < deadline) {
        const attempt = AbortSignal.any([
          stop,
          AbortSignal.timeout(Math.max(1, deadline - Date.now())),
        ]);
        try {
          renewed = await this.tryAcquireOrRenew(attempt);
        } catch (err) {
          if (stop.aborted) return;
          if (!warned) {
            warned = true; // once per renewal round: retries come every few dozen ms
            log({
              level: "warn",
              source: "leader-election",
              message: `leader election: renewing lease ${this.name}: ${errorText(err)}`,
              fields: { lease: this.name },
            });
          }
        }
        if (renewed) break;
        const holder = this.#observed?.spec?.holderIdentity ?? "";
        if (holder !== "" && holder !== this.#identity) break; // taken over: lost for sure
        await pause(
          Math.min(this.#retryPeriodMs / 4, Math.max(0, deadline - Date.now())),
          stop,
        );
      }
      if (stop.aborted) return;
      if (!renewed) {
        this.#leading = false;
        lost.abort(new LeadershipLostError(this.name, this.#identity));
        return;
      }
      lastRenew = Date.now();
    }
  }

  /** Clears the holder so that a successor does not wait for the lease to expire. */
  async #releaseIfHeld(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    if (!this.#release) return;
    const signal = AbortSignal.timeout(this.#renewDeadlineMs);
    let lease = this.#observed;
    // A renewal cut off at shutdown may have landed on the server without us seeing its answer:
    // on a conflict, read the Lease again and release it if it is still ours.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (!lease || lease.spec?.holderIdentity !== this.#identity) return;
      const now = microTime();
      try {
        const released = await this.#api.replace(
          this.name,
          {
            ...lease,
            spec: {
              ...lease.spec,
              holderIdentity: "",
              leaseDurationSeconds: 1,
              renewTime: now,
              acquireTime: now,
            },
          },
          {},
          { signal },
        );
        this.#observe(released, Date.now());
        return;
      } catch (err) {
        if (isConflict(err) && !signal.aborted) {
          lease = await this.#api.get(this.name, {}, { signal }).catch(() => undefined);
          continue;
        }
        // The server is away: the lease expires on its own.
        log({
          level: "warn",
          source: "leader-election",
          message: `leader election: releasing lease ${this.name}: ${errorText(err)}`,
          fields: { lease: this.name },
        });
        return;
      }
    }
  }
}
