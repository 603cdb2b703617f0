/**
 * Pod subresources: logs, exec, attach, port-forward and eviction.
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
  type PortForwardOptions,
  portForwardRequest,
  type PortStream,
} from "./portforward.ts";
export { evictRequest, podEvict } from "./eviction.ts";
export { approveCsr, type CsrDecisionOptions, denyCsr } from "./approval.ts";
