/* global document, window */
// Draws the statistics chart from the figures the page carries (the table below stays the accessible source).
(() => {
  const canvas = document.getElementById('bieu-do');
  const source = document.getElementById('bieu-do-so-lieu');
  if (!canvas || !source || typeof window.Chart !== 'function') return;
  const data = JSON.parse(source.textContent);
  const colours = ['#0b4f9c', '#00703c', '#b50909', '#8a4f00'];
  new window.Chart(canvas, {
    type: 'bar',
    data: { labels: data.labels, datasets: data.series.map((s, i) => ({ label: s.label, data: s.data, backgroundColor: colours[i % colours.length] })) },
    options: { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: 'bottom' } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
})();
