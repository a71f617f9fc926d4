/** The memory store (`./memory/index.ts`), under the path its first users import. */
export * from "./memory/index.js";
