/** Block Kit action ids and callback ids. The first three and the silence pair are part of the contract. */
export const ACTION = {
  approve: 'approve_scale',
  reject: 'reject_scale',
  retry: 'retry_scale',
  /** The card's silence menu (static_select) and its Unsilence button: part of the contract too. */
  silence: 'silence_scale',
  unsilence: 'unsilence_scale',
  approveFrozen: 'approve_scale_frozen',
  retryFrozen: 'retry_scale_frozen',
  plgApply: 'plg_apply',
  plgCancel: 'plg_cancel',
  jenkinsApply: 'jenkins_apply',
  jenkinsCancel: 'jenkins_cancel',
  confirmCommand: 'confirm_command',
  cancelCommand: 'cancel_command',
} as const;

export const VIEW = {
  rejectReason: 'reject_reason',
  serviceEdit: 'service_edit',
  serviceImport: 'service_import',
} as const;

/** The silence menu's lengths; an option's value is `<requestId>:<length>` (CONTRACT.md): the request id and the length only. */
export const SILENCE_LENGTHS = ['1h', '4h', 'tomorrow'] as const;
export type SilenceLength = (typeof SILENCE_LENGTHS)[number];
export const silenceValue = (requestId: string, length: SilenceLength): string => `${requestId}:${length}`;
