import type { FactsCatalog } from '../en/facts.js';

export const facts: FactsCatalog = {
  withdrawn: '철회됨',
};
