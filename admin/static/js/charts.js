/* Draw every <canvas class="staff-chart" data-chart="{type, labels, values, label}">. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"];
  document.querySelectorAll("canvas.staff-chart").forEach(function (canvas) {
    var spec = JSON.parse(canvas.getAttribute("data-chart"));
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: [{ label: spec.label, data: spec.values,
                     backgroundColor: spec.type === "bar" ? palette[0] : palette }]
      },
      options: { animation: false, plugins: { legend: { display: spec.type !== "bar" } } }
    });
  });
})();
