import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { PALETTE, alignSeries, type NamedSeries } from "./align";

interface Props {
  title: string;
  series: NamedSeries[];
  unit: string;
  scale?: number; // multiply values, e.g. 1/60 for per-minute counts shown per second
  stepped?: boolean;
  height?: number;
  span?: [string, string]; // the x range (ISO times); default: the data's, at least an hour
}

const FIRST_CHART = "sightsearch:first-chart";

/** A uPlot time chart filling its container's width; its figure is named by ``title`` for assistive tech. */
export function TimeChart({ title, series, unit, scale = 1, stepped = false, height = 200, span }: Props) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const data = alignSeries(series, scale) as uPlot.AlignedData;
    const xRange = span ? span.map((t) => Date.parse(t) / 1000) as [number, number] : padded(data[0] as number[]);
    const paths = stepped ? uPlot.paths.stepped!({ align: 1 }) : undefined;
    const chart = new uPlot(
      {
        width: Math.max(element.clientWidth, 240),
        height,
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, paths, spanGaps: false,
            points: { show: data[0].length < 3 },
          })),
        ],
        scales: { x: { time: true, range: () => xRange } },
        axes: [{}, { label: unit, size: 60 }],
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      element,
    );
    if (performance.getEntriesByName(FIRST_CHART).length === 0) performance.mark(FIRST_CHART);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(element.clientWidth, 240), height }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [series, unit, scale, stepped, height, span?.[0], span?.[1]]);

  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" />
    </figure>
  );
}

const HOUR = 3600;

/** The data's time span, widened to an hour around its middle when shorter (a lone point gets a readable axis). */
function padded(xs: number[]): [number, number] {
  const now = Date.now() / 1000;
  const [first, last] = xs.length ? [xs[0], xs[xs.length - 1]] : [now - HOUR, now];
  if (last - first >= HOUR) return [first, last];
  const middle = (first + last) / 2;
  return [middle - HOUR / 2, middle + HOUR / 2];
}
