// Charts with their numbers: Chart.js (Debian's libjs-chart.js, served under /console/lib/)
// draws; a table under each chart carries the same figures for screen readers, for people who
// would rather read, and for the end-to-end tests that check them.

import { Chart, registerables } from '../lib/chart.js/chart.mjs';
import { h } from './ui.js';

Chart.register(...registerables);

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

// One chart: a figure with a canvas and its numbers as a table.
// whole: the values are counts (integer ticks).
export function figure(grid, charts, id, title, type, labels, datasets, options = {}, whole = true) {
  const canvas = h('canvas', { role: 'img', 'aria-label': title, id: `chart-${id}` });
  const table = h('table', { class: 'list numbers', dataset: { chart: id } },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), datasets.map((d) => h('th', { scope: 'col' }, d.label)))),
    h('tbody', {}, labels.map((l, i) => h('tr', {}, h('th', { scope: 'row' }, l), datasets.map((d) => h('td', {}, String(d.data[i] ?? 0)))))));
  grid.append(h('figure', { class: 'chart card' }, h('figcaption', {}, title), h('div', { class: 'canvas-box' }, canvas),
    h('details', {}, h('summary', {}, 'Numbers'), table)));
  if (!labels.length) {
    canvas.replaceWith(h('p', {}, 'Nothing in this period.'));
    return;
  }
  charts.push(new Chart(canvas, {
    type,
    data: {
      labels,
      datasets: datasets.map((d, i) => ({ backgroundColor: type === 'doughnut' ? PALETTE : PALETTE[i % PALETTE.length], borderColor: PALETTE[i % PALETTE.length], ...d })),
    },
    // Counts are whole numbers: no 0.5 ticks unless the figure is a mean.
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: type === 'doughnut' ? undefined : { [options.indexAxis === 'y' ? 'x' : 'y']: { beginAtZero: true, ticks: { precision: whole ? 0 : undefined } } },
      ...options,
    },
  }));
}

