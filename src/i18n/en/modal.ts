/** Modals: the service import form and the view a submitted modal turns into. */
export const modal = {
  importTitle: 'Import services',
  importSubmit: 'Import',
  cancel: 'Cancel',
  close: 'Close',
  importIntro: 'Paste a services file (`services:` and a list, as `/autoscale service export` writes it). Every service in it is created or replaced; others are left alone.',
  importHint: (p: { max: number }) => `Up to ${p.max} characters; larger files: node dist/cli.js services apply -f FILE`,
  imported: 'Services imported',
};
