/**
 * Pod streams: logs, exec, attach and port-forward.
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
export {
  type LocalForward,
  podForward,
  podPortForward,
  PortForward,
  PortForwardError,
  portForwardRequest,
  type PortStream,
} from "./portforward.ts";
