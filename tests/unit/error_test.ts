import assert from "node:assert/strict";
import {
  ApiError,
  apiErrorFromResponse,
  apiErrorFromStatus,
  excerpt,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isInvalid,
  isNotFound,
  isTooManyRequests,
  isUnauthorized,
  KubeError,
  type Status,
  WatchDecodeError,
} from "../../core/error.ts";

const ctx = { method: "GET", path: "/api/v1/namespaces/default/pods/blog" };

function status(code: number, reason: string, message = "m", extra: Partial<Status> = {}): Status {
  return { apiVersion: "v1", kind: "Status", status: "Failure", code, reason, message, ...extra };
}

Deno.test("error: KubeError is an Error with a name and a cause", () => {
  const cause = new SyntaxError("bad");
  const e = new KubeError("could not read", { cause });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "KubeError");
  assert.equal(e.cause, cause);
  assert.equal(e.message, "could not read");
  assert.ok(String(e).startsWith("KubeError: could not read"));
});

Deno.test("error: a Status body becomes an ApiError that keeps it", () => {
  const s = status(404, "NotFound", 'pods "blog" not found', {
    details: { name: "blog", kind: "pods" },
  });
  const e = apiErrorFromResponse(404, "Not Found", JSON.stringify(s), ctx);
  assert.ok(e instanceof ApiError);
  assert.ok(e instanceof KubeError);
  assert.equal(e.name, "ApiError");
  assert.equal(e.code, 404);
  assert.equal(e.reason, "NotFound");
  assert.deepEqual(e.status, s);
  assert.deepEqual(e.details, { name: "blog", kind: "pods" });
  assert.equal(e.method, "GET");
  assert.equal(e.path, ctx.path);
  assert.equal(
    e.message,
    'GET /api/v1/namespaces/default/pods/blog: 404 NotFound: pods "blog" not found',
  );
  assert.ok(isNotFound(e));
  assert.ok(!isConflict(e));
});

Deno.test("error: validation causes and retryAfterSeconds are kept", () => {
  const s = status(422, "Invalid", 'ConfigMap "x" is invalid', {
    details: {
      name: "x",
      kind: "ConfigMap",
      causes: [{ reason: "FieldValueInvalid", message: "bad", field: "metadata.name" }],
      retryAfterSeconds: 3,
    },
  });
  const e = apiErrorFromResponse(422, "", JSON.stringify(s), { method: "POST", path: "/x" });
  assert.ok(isInvalid(e));
  assert.equal(e.details?.causes?.[0].field, "metadata.name");
  assert.equal(e.retryAfterSeconds, 3);
});

Deno.test("error: an HTML body gives the HTTP code and a short printable excerpt", () => {
  const html = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>" + "x".repeat(5000) +
    "</body></html>";
  const e = apiErrorFromResponse(502, "Bad Gateway", html, ctx);
  assert.equal(e.code, 502);
  assert.equal(e.reason, "InternalError");
  assert.match(e.message, /^GET \/api\/v1\/namespaces\/default\/pods\/blog: 502 InternalError: /);
  assert.match(e.message, /HTTP 502 Bad Gateway, and the body is not a Kubernetes Status/);
  assert.ok(e.message.includes("<html> <head><title>502 Bad Gateway</title></head> <body>xxx"));
  assert.ok(!e.message.includes("\n"), "single line");
  assert.ok(e.message.length < 400, `message is ${e.message.length} chars`);
  assert.ok(e.message.includes("…"), "truncation is marked");
  assert.equal(e.status.kind, "Status", "a Status is synthesised");
});

Deno.test("error: an empty body says so", () => {
  const e = apiErrorFromResponse(403, "Forbidden", "", { method: "DELETE", path: "/api/v1/x" });
  assert.equal(e.message, "DELETE /api/v1/x: 403 Forbidden: HTTP 403 Forbidden with an empty body");
  assert.ok(isForbidden(e));
  const e2 = apiErrorFromResponse(500, "", "  \n", ctx);
  assert.match(e2.message, /HTTP 500 with an empty body/);
});

Deno.test("error: truncated JSON is reported as such, with the parse error as cause", () => {
  const body = '{"kind":"Status","apiVersion":"v1","status":"Failure","code":409,"rea';
  const e = apiErrorFromResponse(409, "Conflict", body, { method: "PUT", path: "/p" });
  assert.equal(e.code, 409);
  assert.equal(e.reason, "Conflict");
  assert.match(e.message, /truncated or invalid JSON/);
  assert.ok(e.message.includes('{\\"kind\\":\\"Status\\"'));
  assert.ok(e.cause instanceof SyntaxError);
  assert.ok(isConflict(e));
});

Deno.test("error: JSON that is not a Status is quoted, not trusted", () => {
  const e = apiErrorFromResponse(400, "Bad Request", '{"error":"nope"}', ctx);
  assert.equal(e.reason, "BadRequest");
  assert.match(e.message, /not a Kubernetes Status: "\{\\"error\\":\\"nope\\"\}"/);
});

Deno.test("error: a 409 on POST without a Status is AlreadyExists, elsewhere Conflict", () => {
  const post = apiErrorFromResponse(409, "", "", { method: "POST", path: "/x" });
  assert.ok(isAlreadyExists(post));
  assert.ok(!isConflict(post));
  const put = apiErrorFromResponse(409, "", "", { method: "PUT", path: "/x" });
  assert.ok(isConflict(put));
  assert.ok(!isAlreadyExists(put));
});

Deno.test("error: the code falls back to the HTTP status when the Status has none", () => {
  const e = apiErrorFromResponse(
    429,
    "",
    JSON.stringify({ kind: "Status", status: "Failure", message: "slow down" }),
    ctx,
  );
  assert.equal(e.code, 429);
  assert.equal(e.reason, "TooManyRequests");
  assert.ok(isTooManyRequests(e));
});

Deno.test("error: helpers follow reason, then code for unknown reasons", () => {
  const table: [(e: unknown) => boolean, number, string][] = [
    [isNotFound, 404, "NotFound"],
    [isConflict, 409, "Conflict"],
    [isAlreadyExists, 409, "AlreadyExists"],
    [isForbidden, 403, "Forbidden"],
    [isUnauthorized, 401, "Unauthorized"],
    [isGone, 410, "Gone"],
    [isTooManyRequests, 429, "TooManyRequests"],
    [isInvalid, 422, "Invalid"],
  ];
  for (const [fn, code, reason] of table) {
    assert.ok(fn(new ApiError(status(code, reason), ctx)), `${fn.name} on ${reason}`);
    assert.ok(fn(status(code, reason)), `${fn.name} on a plain Status`);
    assert.ok(fn(new ApiError(status(code, "SomethingNew"), ctx)), `${fn.name} on code ${code}`);
    assert.ok(!fn(new ApiError(status(500, "InternalError"), ctx)), `${fn.name} on a 500`);
    for (const [other, , otherReason] of table) {
      if (other === fn || otherReason === reason) continue;
      assert.ok(!other(new ApiError(status(code, reason), ctx)), `${other.name} on ${reason}`);
    }
  }
});

Deno.test("error: helpers accept any value and look through the cause chain", () => {
  for (const v of [undefined, null, 0, "NotFound", {}, [], new Error("x"), { code: 404 }]) {
    assert.equal(isNotFound(v), false, String(v));
  }
  const inner = new ApiError(status(404, "NotFound"), ctx);
  const wrapped = new Error("reconcile failed", { cause: new KubeError("get", { cause: inner }) });
  assert.ok(isNotFound(wrapped));
  const loop: { cause?: unknown } = {};
  loop.cause = loop;
  assert.equal(isNotFound(loop), false, "a cycle does not hang");
});

Deno.test("error: isGone covers Gone, Expired and unknown-reason 410", () => {
  assert.ok(isGone(status(410, "Expired", "too old resource version")));
  assert.ok(isGone(status(410, "Gone")));
  assert.ok(isGone(apiErrorFromResponse(410, "Gone", "", ctx)));
  assert.ok(!isGone(status(404, "NotFound")));
});

Deno.test("error: apiErrorFromStatus wraps an in-band (watch ERROR) Status", () => {
  const e = apiErrorFromStatus(status(410, "Expired", "too old resource version: 1 (42)"), {
    method: "GET",
    path: "/api/v1/pods",
  });
  assert.equal(e.message, "GET /api/v1/pods: 410 Expired: too old resource version: 1 (42)");
  assert.ok(isGone(e));
});

Deno.test("error: ApiError message never includes anything but method, path, code, reason, message", () => {
  const e = new ApiError(status(401, "Unauthorized", "Unauthorized"), {
    method: "GET",
    path: "/api",
  });
  assert.equal(e.message, "GET /api: 401 Unauthorized: Unauthorized");
  // Own data: the Status and where the request went, nothing from the request's headers.
  assert.deepEqual(Object.keys(e).sort(), [
    "code",
    "details",
    "method",
    "name",
    "path",
    "reason",
    "status",
  ]);
});

Deno.test("error: excerpt collapses white space, escapes controls, cuts long text", () => {
  assert.equal(excerpt("a\n\n  b\tc"), "a b c");
  assert.equal(excerpt("a\u0000b\u007f"), "a\\u0000b\\u007f");
  assert.equal(excerpt("short"), "short");
  const long = excerpt("y".repeat(1000));
  assert.equal(long.length, 201);
  assert.ok(long.endsWith("…"));
  // A surrogate pair at the cut is not split.
  const emoji = excerpt("a" + "🚀".repeat(300), 10);
  assert.ok(!/[\ud800-\udbff]…$/.test(emoji), emoji);
  assert.equal(excerpt("z".repeat(100), 100), "z".repeat(100));
  assert.equal(excerpt("z".repeat(101), 100), "z".repeat(100) + "…");
});

Deno.test("error: WatchDecodeError keeps a short line and the cause", () => {
  const cause = new SyntaxError("x");
  const e = new WatchDecodeError("not JSON", "<html>", { cause });
  assert.ok(e instanceof KubeError);
  assert.equal(e.name, "WatchDecodeError");
  assert.equal(e.line, "<html>");
  assert.equal(e.cause, cause);
  assert.equal(e.message, 'bad line in watch stream (not JSON): "<html>"');
});

Deno.test("a 403 from the authorizer gets the RBAC hint with the kubectl auth can-i line", () => {
  const status = (message: string): Status => ({
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    code: 403,
    reason: "Forbidden",
    message,
  });
  const cm = new ApiError(
    status(
      'configmaps is forbidden: User "nobody" cannot create resource "configmaps" in API group "" in the namespace "default"',
    ),
    { method: "POST", path: "/api/v1/namespaces/default/configmaps" },
  );
  assert.ok(
    cm.message.endsWith(
      '. The credentials (user "nobody") may not create configmaps in namespace default: grant it ' +
        "in RBAC (check with kubectl auth can-i create configmaps -n default --as nobody).",
    ),
    cm.message,
  );
  const exec = new ApiError(
    status(
      'pods "p" is forbidden: User "u" cannot create resource "pods/exec" in API group "" in the namespace "ns"',
    ),
    { method: "POST", path: "/api/v1/namespaces/ns/pods/p/exec" },
  );
  assert.match(exec.message, /kubectl auth can-i create pods --subresource=exec -n ns --as u\)\.$/);
  const crd = new ApiError(
    status(
      'customresourcedefinitions.apiextensions.k8s.io is forbidden: User "u" cannot list resource "customresourcedefinitions" in API group "apiextensions.k8s.io" at the cluster scope',
    ),
    { method: "GET", path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions" },
  );
  assert.match(
    crd.message,
    /kubectl auth can-i list customresourcedefinitions\.apiextensions\.k8s\.io --as u\)\.$/,
  );
  // A 403 that is not the authorizer's (an admission webhook, a proxy) gets no guessed hint.
  const other = new ApiError(status("denied by the policy webhook"), {
    method: "POST",
    path: "/x",
  });
  assert.equal(other.message, "POST /x: 403 Forbidden: denied by the policy webhook");
});
