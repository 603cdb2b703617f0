/**
 * Pod streams: logs (and, in later parts, exec, attach and port-forward).
 *
 * @module
 */

export { logLines, type LogParams, logRequest, podLogs, podLogStream } from "./logs.ts";
