/** Why this Node cannot run vigil, or undefined when it can (node-version.cjs). */
export function nodeVersionProblem(version: string): string | undefined;
