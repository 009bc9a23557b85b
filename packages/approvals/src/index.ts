export {
  type ApprovalOptions,
  type ApprovalRequest,
  approval,
  DEFAULT_WAIT_SECONDS,
} from './approval.js'
export {
  ApprovalDeniedError,
  ApprovalError,
  type ApprovalErrorKind,
  ApprovalInvalidError,
  ApprovalUnauthorizedError,
  ApprovalUnavailableError,
  ApprovalWaitingError,
  getErrorKind,
} from './errors.js'
