/** The bundle's code without the `__name` calls that change nothing; `removed` counts them. */
export function pruneKeptNames(code: string): { code: string; removed: number };
