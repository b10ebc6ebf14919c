// Line charts of time series with uPlot (served from its webjar by the gateway).
import uPlot from '../vendor/uPlot.esm.js';

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#db2777', '#65a30d',
  '#4f46e5', '#b45309'];

export function color(index) {
  return COLORS[index % COLORS.length];
}

/**
 * Draws series over time into container and redraws on resize. xs: seconds since the epoch; series:
 * [{label, values}]. Answers a function that removes the chart.
 */
export function lineChart(container, title, xs, series) {
  const width = () => Math.max(260, container.clientWidth || 600);
  const options = {
    title,
    width: width(),
    height: 240,
    scales: { x: { time: true } },
    axes: [{}, { size: 60 }],
    series: [{ label: 'time' }, ...series.map((s, i) => ({
      label: s.label,
      stroke: color(i),
      width: 2,
      points: { show: xs.length < 60 },
    }))],
    legend: { live: false },
  };
  const plot = new uPlot(options, [xs, ...series.map((s) => s.values)], container);
  const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 240 }));
  observer.observe(container);
  return () => {
    observer.disconnect();
    plot.destroy();
  };
}
