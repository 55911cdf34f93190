// `plg render <service> --out DIR` registers here (issue 5).
export {};
