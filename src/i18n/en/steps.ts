/**
 * Step labels, one per step of the step registry (src/steps.ts), keyed by the step's name:
 * a step added there without a label here fails tsc.
 */
import type { StepName } from '../../steps.js';

export const steps = {
  'take-warm': 'Take a ready VM from the warm pool',
  'reserve-ip': 'Reserve IP',
  name: 'Choose VM name',
  clone: 'Clone from template',
  customize: 'Customize (static IP)',
  'power-on': 'Power on',
  'wait-ip': 'Wait for guest IP',
  health: 'Health check',
  'f5-add': 'Add to F5 pool',
  'f5-disable': 'Disable F5 member',
  drain: 'Drain connections',
  'f5-remove': 'Remove F5 member',
  shutdown: 'Shut down guest',
  'warm-return': 'Return the VM to the warm pool',
  destroy: 'Destroy VM',
  'release-ip': 'Release IP',
  'jenkins-build': 'Jenkins build',
} satisfies Record<StepName, string>;
export type StepsCatalog = Record<StepName, string>;
