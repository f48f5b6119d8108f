/** The Redis channel on which any process asks the worker holding a job to abort it. */
export const cancelChannel = (prefix: string) => `${prefix}:engine:cancel`;
