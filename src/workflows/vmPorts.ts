/**
 * What the executors need of vCenter and of the load balancer. The ports live below workflows/, in
 * src/integrations/ports.ts (the arrows run workflows → integrations); this file keeps the old import
 * path for the executors (scaleOut.ts, scaleIn.ts, vmSteps.ts …).
 */
export { serviceVmPattern, type LoadBalancer, type PoolMemberInfo, type VCenter } from '../integrations/ports.js';
