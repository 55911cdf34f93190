/** Words for stored facts (src/cards/facts.ts). */
export const facts = {
  withdrawn: 'withdrawn',
};
export type FactsCatalog = typeof facts;
