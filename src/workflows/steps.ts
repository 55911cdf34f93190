/** The step registry lives below every layer, in src/steps.ts; this path stays for the executors (vmSteps.ts, dryRun.ts …). */
export * from '../steps.js';
