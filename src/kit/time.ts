/** How the kit waits. Commands use real time; tests pass a sleep that advances a ManualClock. */
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
