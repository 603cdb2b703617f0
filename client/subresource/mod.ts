/**
 * Pod streams: logs, exec and attach (port-forward is not there yet).
 *
 * @module
 */

export { logLines, type LogParams, logRequest, podLogs, podLogStream } from "./logs.ts";
export {
  AttachedProcess,
  type AttachParams,
  attachRequest,
  execRequest,
  type ExecStatus,
  podAttach,
  podExec,
} from "./exec.ts";
