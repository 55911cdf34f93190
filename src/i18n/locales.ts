/** The bot's languages. A leaf (imports nothing): config.ts validates BOT_LOCALE with it without loading the catalogs. */
export const LOCALES = ['en', 'ko'] as const;
export type Locale = (typeof LOCALES)[number];
