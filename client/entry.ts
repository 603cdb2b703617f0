/**
 * The entry API (kube-rs `Api::entry`): read an object or learn it is absent, insert a default,
 * modify it, and commit with the verb that fits — `create` for a new object, `replace` (with
 * the `resourceVersion` read) for a changed one, nothing for an unchanged one. A lost race
 * (409: someone wrote in between or created the object first; 404: someone deleted it) re-reads
 * the object, re-runs the insert and the modifications on the fresh copy, and commits again.
 *
 * @module
 */

import { isAlreadyExists, isConflict, isNotFound, KubeError } from "../core/error.ts";
import type { PostParams } from "../core/params.ts";
import type { KubeObject } from "../core/resource.ts";
import type { Api } from "./api.ts";
import type { RequestOptions } from "./client.ts";
import { exponentialDelay } from "../core/backoff.ts";
import { sleep } from "../core/_util.ts";

/**
 * Options of {@link Entry.commit}.
 *
 * @example
 * ```ts
 * import type { EntryCommitOptions } from "@kubeno/kube";
 * const o: EntryCommitOptions = { maxAttempts: 20, fieldManager: "my-operator" };
 * ```
 */
export interface EntryCommitOptions extends PostParams {
  /**
   * Attempts in all before a conflict is thrown; each re-reads the object and re-runs the
   * modifications. Between attempts a jittered, doubling pause (10 ms up to 1 s).
   * @default 10
   */
  maxAttempts?: number;
  /** Signal and timeout of each request. */
  request?: RequestOptions;
}

type Op<K> = { insert: () => K } | { modify: (obj: K) => K | void };

/**
 * One object by name, present (occupied) or absent (vacant), with pending changes. Get it from
 * `api.entry(name)`.
 *
 * @example
 * ```ts
 * import { Api, Client } from "@kubeno/kube";
 * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
 * const cms = Api.namespaced(await Client.tryDefault(), ConfigMap, "default");
 * // get-or-create, then bump a counter; a conflict re-reads and bumps again
 * const cm = await (await cms.entry("counter"))
 *   .orInsert(() => ({ metadata: {}, data: { n: "0" } }))
 *   .andModify((cm) => { cm.data = { n: String(Number(cm.data?.n ?? 0) + 1) }; })
 *   .commit();
 * ```
 */
export class Entry<K extends KubeObject> {
  /** The Api the entry belongs to. */
  readonly api: Api<K>;
  /** The object's name. */
  readonly name: string;
  #server: K | undefined;
  #current: K | undefined;
  readonly #ops: Op<K>[] = [];
  readonly #request: RequestOptions;

  private constructor(api: Api<K>, name: string, server: K | undefined, request: RequestOptions) {
    this.api = api;
    this.name = name;
    this.#server = server;
    this.#current = server && structuredClone(server);
    this.#request = request;
  }

  /**
   * Reads the object (what `api.entry(name)` does).
   *
   * @example
   * ```ts
   * import { Api, Client, Entry } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const e = await Entry.load(Api.namespaced(await Client.tryDefault(), ConfigMap, "default"), "a");
   * console.log(e.exists);
   * ```
   */
  static async load<K extends KubeObject>(
    api: Api<K>,
    name: string,
    request: RequestOptions = {},
  ): Promise<Entry<K>> {
    if (!name) throw new TypeError("entry needs an object name");
    return new Entry(api, name, await api.getOpt(name, {}, request), request);
  }

  /**
   * Whether the object exists on the server (as last read).
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const e = await Api.namespaced(await Client.tryDefault(), ConfigMap, "default").entry("a");
   * if (!e.exists) console.log("vacant");
   * ```
   */
  get exists(): boolean {
    return this.#server !== undefined;
  }

  /**
   * The object with the pending changes, or undefined while vacant.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const e = await Api.namespaced(await Client.tryDefault(), ConfigMap, "default").entry("a");
   * console.log(e.get()?.data);
   * ```
   */
  get(): K | undefined {
    return this.#current;
  }

  /**
   * When vacant, takes `make()` as the object to create (its name and namespace are filled in).
   * `make` runs again if a retry finds the object still absent.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const e = await Api.namespaced(await Client.tryDefault(), ConfigMap, "default").entry("a");
   * await e.orInsert(() => ({ metadata: {}, data: { k: "v" } })).commit();
   * ```
   */
  orInsert(make: () => K): this {
    this.#run({ insert: make });
    return this;
  }

  /**
   * When occupied (or inserted), changes the object: mutate it in place or return a new one.
   * It runs again on a fresh copy if the commit meets a conflict, so it must not depend on
   * having run before.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const e = await Api.namespaced(await Client.tryDefault(), ConfigMap, "default").entry("a");
   * await e.andModify((cm) => { cm.metadata.labels = { ...cm.metadata.labels, seen: "yes" }; }).commit();
   * ```
   */
  andModify(modify: (obj: K) => K | void): this {
    this.#run({ modify });
    return this;
  }

  /**
   * Writes the pending changes: `create` when vacant with an insert, `replace` when the object
   * changed, nothing otherwise. Returns the object as the server has it (undefined while
   * vacant). A lost race (409, or 404 on a replace) re-reads, re-runs the changes and tries
   * again, up to `maxAttempts`.
   *
   * @example
   * ```ts
   * import { Api, Client } from "@kubeno/kube";
   * import { ConfigMap } from "@kubeno/kube/k8s/core/v1";
   * const e = await Api.namespaced(await Client.tryDefault(), ConfigMap, "default").entry("a");
   * const saved = await e.andModify((cm) => void (cm.data = { k: "w" })).commit({ fieldManager: "me" });
   * ```
   */
  async commit(opts: EntryCommitOptions = {}): Promise<K | undefined> {
    const { maxAttempts = 10, request = this.#request, ...pp } = opts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`EntryCommitOptions.maxAttempts must be a positive integer`);
    }
    for (let attempt = 1;; attempt++) {
      const replacing = this.#server !== undefined;
      try {
        return await this.#write(pp, request);
      } catch (err) {
        // Lost races: written (409), created (409 AlreadyExists) or deleted (404 on the
        // replace) by someone else since the read.
        const raced = isConflict(err) || isAlreadyExists(err) || (replacing && isNotFound(err));
        if (!raced || attempt >= maxAttempts) {
          if (attempt > 1 && raced) {
            throw new KubeError(
              `entry ${this.name}: still conflicting after ${attempt} attempts; ` +
                "raise EntryCommitOptions.maxAttempts or write less often",
              { cause: err },
            );
          }
          throw err;
        }
        // Full jitter: writers that collided should not collide again in lockstep.
        const wait = exponentialDelay(attempt, { initialMs: 10, maxMs: 1000, jitter: 1 });
        await sleep(wait, request.signal);
        this.#server = await this.api.getOpt(this.name, {}, request);
        this.#current = this.#server && structuredClone(this.#server);
        for (const op of this.#ops) this.#apply(op);
      }
    }
  }

  async #write(pp: PostParams, request: RequestOptions): Promise<K | undefined> {
    const obj = this.#current;
    if (obj === undefined) return undefined;
    let saved: K;
    if (this.#server === undefined) {
      saved = await this.api.create(obj, pp, request);
    } else if (JSON.stringify(obj) !== JSON.stringify(this.#server)) {
      // The resourceVersion read is what makes a lost update a 409.
      const body = {
        ...obj,
        metadata: { ...obj.metadata, resourceVersion: this.#server.metadata.resourceVersion },
      };
      saved = await this.api.replace(this.name, body, pp, request);
    } else {
      return obj;
    }
    this.#server = saved;
    this.#current = structuredClone(saved);
    this.#ops.length = 0;
    return saved;
  }

  #run(op: Op<K>): void {
    this.#ops.push(op);
    this.#apply(op);
  }

  #apply(op: Op<K>): void {
    if ("insert" in op) {
      if (this.#current !== undefined) return;
      const made = op.insert();
      const { name, namespace } = made.metadata ?? {};
      const ns = this.api.namespace;
      if ((name && name !== this.name) || (namespace && ns && namespace !== ns)) {
        throw new TypeError(
          `entry ${this.name}: the inserted object is named ${
            namespace ? namespace + "/" : ""
          }${name}; ` +
            "leave metadata.name and namespace empty or equal to the entry's",
        );
      }
      this.#current = {
        ...made,
        metadata: { ...made.metadata, name: this.name, ...(ns ? { namespace: ns } : {}) },
      };
    } else if (this.#current !== undefined) {
      this.#current = op.modify(this.#current) ?? this.#current;
    }
  }
}
