/** One progress line on stdout, prefixed so it stands out in the launcher's output. */
export const progress = (message: string): void => console.log(`[bench] ${message}`);
