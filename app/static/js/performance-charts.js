// The performance page's charts (Apache ECharts, drawn as SVG): the data and the translated
// titles and series names come from the page (#chart-data); each chart has a table beside it.
(function () {
  var source = document.getElementById("chart-data");
  if (!source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  Object.keys(data.charts).forEach(function (key) {
    var el = document.getElementById("chart-" + key);
    if (!el) { return; }
    var chart = data.charts[key];
    var twoAxes = chart.series.some(function (s) { return s.axis === 1; });
    var percent = chart.unit === "%";
    var instance = echarts.init(el, null, {renderer: "svg"});
    instance.setOption({
      animation: false,
      tooltip: {trigger: "axis"},
      legend: {top: 0, type: "scroll"},
      grid: {left: 8, right: twoAxes ? 8 : 36, top: 32, bottom: 8, containLabel: true},
      xAxis: {type: "category", data: chart.categories || data.labels},
      yAxis: twoAxes
        ? [{type: "value", minInterval: 1}, {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}]
        : [percent ? {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}} : {type: "value", minInterval: 1}],
      series: chart.series.map(function (s) {
        return {
          name: s.name, type: s.type, data: s.data, yAxisIndex: s.axis || 0,
          connectNulls: true, showSymbol: (chart.categories || data.labels).length < 40
        };
      })
    });
    charts.push(instance);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  document.getElementById("charts").setAttribute("data-ready", String(charts.length));
})();
