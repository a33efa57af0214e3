/**
 * Memory of a whole process tree, sampled from /proc (Linux): a process and all its descendants
 * (Node and the git processes it starts). A process's own peak (VmHWM) misses its children, and
 * `git diff` on a large range can hold more than Node does.
 *
 * Sampling every few milliseconds can miss a spike shorter than the interval; the sum of each
 * process's own peak, also reported, bounds the true peak from above.
 */
import { readdirSync, readFileSync } from 'node:fs'

const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return '' // the process ended between listing and reading
  }
}

const kb = (status: string, field: string): number =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)

/** The process and its descendants (children of every thread: libuv may spawn from any). */
export function treePids(root: number): number[] {
  const out: number[] = []
  const todo = [root]
  while (todo.length > 0) {
    const pid = todo.pop() as number
    out.push(pid)
    let tasks: string[]
    try {
      tasks = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue // ended since it was listed
    }
    for (const tid of tasks) {
      for (const child of read(`/proc/${pid}/task/${tid}/children`).split(' ')) {
        if (child.trim()) todo.push(Number(child))
      }
    }
  }
  return out
}

export interface TreeMemory {
  /** Highest sampled sum of VmRSS over the tree, MB. */
  peakMb: number
  /** Sum over every process seen of its own highest VmHWM, MB: an upper bound of the peak. */
  sumOfPeaksMb: number
  /** Highest sampled VmRSS of the root alone and of the rest of the tree at that moment, MB. */
  rootPeakMb: number
  /** Highest sampled sum of the descendants' VmRSS (the git processes), MB. */
  childrenPeakMb: number
  /** Processes seen, the root included. */
  processes: number
  samples: number
}

/** Samples the tree under `root` every `everyMs` until `stop()`; then returns the figures. */
export function sampleTree(root: number, everyMs = 5): { stop(): TreeMemory } {
  const hwm = new Map<number, number>()
  let peak = 0
  let rootPeak = 0
  let childrenPeak = 0
  let samples = 0
  const sample = (): void => {
    let sum = 0
    let children = 0
    for (const pid of treePids(root)) {
      const status = read(`/proc/${pid}/status`)
      if (!status) continue
      const rss = kb(status, 'VmRSS')
      sum += rss
      if (pid === root) rootPeak = Math.max(rootPeak, rss)
      else children += rss
      hwm.set(pid, Math.max(hwm.get(pid) ?? 0, kb(status, 'VmHWM')))
    }
    peak = Math.max(peak, sum)
    childrenPeak = Math.max(childrenPeak, children)
    samples++
  }
  sample()
  const timer = setInterval(sample, everyMs)
  return {
    stop() {
      clearInterval(timer)
      const mb = (k: number): number => k / 1024
      return {
        peakMb: mb(peak),
        sumOfPeaksMb: mb([...hwm.values()].reduce((a, b) => a + b, 0)),
        rootPeakMb: mb(rootPeak),
        childrenPeakMb: mb(childrenPeak),
        processes: hwm.size,
        samples
      }
    }
  }
}
