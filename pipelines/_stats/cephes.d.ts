// cephes ships its types (index.d.ts) but its package.json "exports" map does not point at them, so
// TypeScript's NodeNext resolution cannot find them: the functions this library uses, declared here.
declare module 'cephes' {
  export const compiled: Promise<void>;
  export function ndtr(a: number): number;
  export function ndtri(y0: number): number;
  export function incbet(aa: number, bb: number, xx: number): number;
  export function incbi(aa: number, bb: number, yy0: number): number;
  export function chdtrc(df: number, x: number): number;
  export function kolmogorov(y: number): number;
}
