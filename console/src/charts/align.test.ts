import { alignSeries } from "./align";

test("series with different minutes share one time axis, with gaps where a series has no point", () => {
  const [xs, a, b] = alignSeries([
    { label: "a", points: [{ t: "2026-11-27T10:00:00Z", v: 60 }, { t: "2026-11-27T10:02:00Z", v: 120 }] },
    { label: "b", points: [{ t: "2026-11-27T10:01:00Z", v: 30 }] },
  ], 1 / 60);
  const start = Date.parse("2026-11-27T10:00:00Z") / 1000;
  expect(xs).toEqual([start, start + 60, start + 120]);
  expect(a).toEqual([1, null, 2]);
  expect(b).toEqual([null, 0.5, null]);
});
