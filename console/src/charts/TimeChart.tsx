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
}

const FIRST_CHART = "sightsearch:first-chart";

/** A uPlot time chart filling its container's width; its figure is named by ``title`` for assistive tech. */
export function TimeChart({ title, series, unit, scale = 1, stepped = false, height = 200 }: Props) {
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const data = alignSeries(series, scale) as uPlot.AlignedData;
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
  }, [series, unit, scale, stepped, height]);

  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div ref={box} className="chart-canvas" />
    </figure>
  );
}
