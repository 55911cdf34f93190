/** Block Kit action ids and callback ids. The first three are part of the contract. */
export const ACTION = {
  approve: 'approve_scale',
  reject: 'reject_scale',
  retry: 'retry_scale',
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
