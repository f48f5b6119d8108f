// Workflow DAGs: validation at creation (cycles, unknown kinds, dangling references, each named) and the
// pure rules a run follows (which steps are ready, which are blocked by a failure, how references resolve).
//
// A step's input may use the output of a step it depends on (directly or not) with {"$ref": "<step>.output[.path]"};
// "$input[.path]" reads the run's own input.
import { TASK_KINDS, type WorkflowStep } from './schemas.js';

export interface DagProblem {
  field: string;
  message: string;
}

const REF = /^([a-z][a-z0-9_-]*)\.output((?:\.[A-Za-z0-9_-]+)*)$|^\$input((?:\.[A-Za-z0-9_-]+)*)$/;

/** Every {"$ref": …} inside a value, with its JSON path. */
export function refsIn(value: unknown, path: string, out: Array<{ path: string; ref: string }> = []) {
  if (Array.isArray(value)) value.forEach((v, i) => refsIn(v, `${path}.${i}`, out));
  else if (value && typeof value === 'object') {
    const ref = (value as Record<string, unknown>).$ref;
    if (typeof ref === 'string' && Object.keys(value).length === 1) out.push({ path, ref });
    else for (const [k, v] of Object.entries(value)) refsIn(v, `${path}.${k}`, out);
  }
  return out;
}

/** The steps in an order where each comes after its dependencies; or the steps of a cycle. */
export function topoOrder(steps: readonly Pick<WorkflowStep, 'key' | 'dependsOn'>[]): { order: string[] } | { cycle: string[] } {
  const deps = new Map(steps.map((s) => [s.key, s.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (key: string): string[] | undefined => {
    if (state.get(key) === 'done') return undefined;
    if (state.get(key) === 'visiting') return [...stack.slice(stack.indexOf(key)), key];
    state.set(key, 'visiting');
    stack.push(key);
    for (const d of deps.get(key) ?? []) {
      if (!deps.has(d)) continue; // reported as dangling
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(key, 'done');
    order.push(key);
    return undefined;
  };
  for (const s of steps) {
    const cycle = visit(s.key);
    if (cycle) return { cycle };
  }
  return { order };
}

/** Each step's ancestors (everything it depends on, directly or not). */
function ancestors(steps: readonly WorkflowStep[], order: readonly string[]) {
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const out = new Map<string, Set<string>>();
  for (const key of order) {
    const set = new Set<string>();
    for (const d of byKey.get(key)!.dependsOn) {
      set.add(d);
      for (const a of out.get(d) ?? []) set.add(a);
    }
    out.set(key, set);
  }
  return out;
}

/** Problems of a workflow definition, each naming the step field; empty when it is a valid DAG. */
export function validateDag(steps: readonly WorkflowStep[]): DagProblem[] {
  const problems: DagProblem[] = [];
  const keys = new Set<string>();
  steps.forEach((s, i) => {
    if (keys.has(s.key)) problems.push({ field: `steps.${i}.key`, message: `duplicate step key "${s.key}"` });
    keys.add(s.key);
    if (!(TASK_KINDS as readonly string[]).includes(s.kind)) problems.push({ field: `steps.${i}.kind`, message: `unknown task kind "${s.kind}" (one of ${TASK_KINDS.join(', ')})` });
  });
  steps.forEach((s, i) =>
    s.dependsOn.forEach((d, j) => {
      if (!keys.has(d)) problems.push({ field: `steps.${i}.dependsOn.${j}`, message: `dangling reference: no step "${d}"` });
      if (d === s.key) problems.push({ field: `steps.${i}.dependsOn.${j}`, message: `step "${s.key}" depends on itself` });
    }),
  );
  const topo = topoOrder(steps);
  if ('cycle' in topo) {
    problems.push({ field: 'steps', message: `cycle: ${topo.cycle.join(' → ')}` });
    return problems;
  }
  const before = ancestors(steps, topo.order);
  steps.forEach((s, i) => {
    for (const { path, ref } of refsIn(s.input, `steps.${i}.input`)) {
      const m = REF.exec(ref);
      if (!m) problems.push({ field: path, message: `"${ref}" is not a reference ("<step>.output[.field…]" or "$input[.field…]")` });
      else if (m[1] !== undefined && !keys.has(m[1])) problems.push({ field: path, message: `dangling reference: no step "${m[1]}"` });
      else if (m[1] !== undefined && !before.get(s.key)!.has(m[1])) problems.push({ field: path, message: `"${ref}" refers to step "${m[1]}", which "${s.key}" does not depend on` });
    }
  });
  return problems;
}

const walk = (value: unknown, path: string) =>
  path.split('.').filter(Boolean).reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);

/** The step's input with every reference replaced by the value it names (undefined → null). */
export function resolveRefs(value: unknown, outputs: ReadonlyMap<string, unknown>, runInput: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, outputs, runInput));
  if (value && typeof value === 'object') {
    const ref = (value as Record<string, unknown>).$ref;
    if (typeof ref === 'string' && Object.keys(value).length === 1) {
      const m = REF.exec(ref);
      if (m?.[1] !== undefined) return walk(outputs.get(m[1]), m[2] ?? '') ?? null;
      if (m) return walk(runInput, m[3] ?? '') ?? null;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, outputs, runInput)]));
  }
  return value;
}

export type StepState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'SKIPPED' | 'CANCELLED';

/**
 * What to do next: steps whose dependencies all completed start; pending steps behind a failed (or
 * skipped) one are failed or skipped, as the workflow says. Repeating it on the same states is a no-op.
 */
export function nextMoves(steps: readonly Pick<WorkflowStep, 'key' | 'dependsOn'>[], states: ReadonlyMap<string, StepState>, onFailure: 'FAIL' | 'SKIP') {
  const start: string[] = [];
  const block: string[] = [];
  // Blocking cascades in one pass: visit in dependency order.
  const topo = topoOrder(steps);
  const order = 'order' in topo ? topo.order : steps.map((s) => s.key);
  const byKey = new Map(steps.map((s) => [s.key, s]));
  const now = new Map(states);
  for (const key of order) {
    if (now.get(key) !== 'PENDING') continue;
    const dep = byKey.get(key)!.dependsOn.map((d) => now.get(d));
    if (dep.some((s) => s === 'FAILED' || s === 'SKIPPED' || s === 'CANCELLED')) {
      block.push(key);
      now.set(key, onFailure === 'SKIP' ? 'SKIPPED' : 'FAILED');
    } else if (dep.every((s) => s === 'COMPLETED')) start.push(key);
  }
  const finished = [...now.values()].every((s) => s === 'COMPLETED' || s === 'FAILED' || s === 'SKIPPED' || s === 'CANCELLED');
  const failed = [...now.values()].some((s) => s === 'FAILED');
  return { start, block, blockAs: onFailure === 'SKIP' ? ('SKIPPED' as const) : ('FAILED' as const), finished, outcome: failed ? ('FAILED' as const) : ('COMPLETED' as const) };
}
