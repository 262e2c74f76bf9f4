// Series from the API ({t: ISO time, v}) lined up on one time axis, as uPlot wants its data.

export interface TimePoint {
  t: string;
  v: number;
}

export interface NamedSeries {
  label: string;
  points: TimePoint[];
}

/** [x seconds, ...one row of y per series]; a series without a point at some x gets null (a gap). */
export function alignSeries(series: NamedSeries[], scale = 1): [number[], ...(number | null)[][]] {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => Date.parse(p.t) / 1000)))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const rows = series.map((s) => {
    const row: (number | null)[] = new Array(xs.length).fill(null);
    for (const p of s.points) row[index.get(Date.parse(p.t) / 1000)!] = p.v * scale;
    return row;
  });
  return [xs, ...rows];
}

export const PALETTE = ["#2456a6", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#0e7490", "#a16207", "#be185d"];
