// Site-wide behaviour without inline scripts (the CSP forbids them).
document.addEventListener("htmx:responseError", function (event) {
  var status = event.detail.xhr.status;
  var box = document.createElement("div");
  box.className = "alert alert-danger mt-2";
  box.textContent = document.documentElement.lang === "en"
    ? "The request failed (" + status + "). Please try again."
    : "请求失败（" + status + "），请重试。";
  (event.detail.target || document.body).prepend(box);
});
// Charts: any element with data-chart="<json_script id>" is rendered with ECharts if loaded.
function fiduciaCharts(root) {
  if (!window.echarts) return;
  (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
    if (el.dataset.rendered) return;
    var source = document.getElementById(el.dataset.chart);
    if (!source) return;
    var chart = echarts.init(el);
    chart.setOption(JSON.parse(source.textContent));
    el.dataset.rendered = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  });
}
document.addEventListener("DOMContentLoaded", function () { fiduciaCharts(); });
document.addEventListener("htmx:afterSettle", function (e) { fiduciaCharts(e.detail.elt); });
