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
// Behaviour that templates ask for with data attributes (inline handlers are refused by the CSP).
// Delegated from the document, so content htmx swaps in later works too.
document.addEventListener("click", function (event) {
  var asking = event.target.closest("[data-confirm]");
  if (asking && !window.confirm(asking.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
    return;
  }
  var remover = event.target.closest("[data-remove-closest]");
  if (remover) {
    var gone = remover.closest(remover.dataset.removeClosest);
    if (gone) gone.remove();
  }
});
document.addEventListener("change", function (event) {
  var all = event.target.closest("input[data-check-all]");
  if (!all) return;
  document.querySelectorAll(all.dataset.checkAll).forEach(function (box) {
    box.checked = all.checked;
  });
});
// Global search: "/" focuses the top bar's box; arrow keys walk its results, Escape closes them.
document.addEventListener("keydown", function (event) {
  var box = document.getElementById("global-search-q");
  if (!box) return;
  var results = document.getElementById("global-search-results");
  var typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    box.focus();
    box.select();
    return;
  }
  if (!event.target.closest("#global-search")) return;
  var links = Array.prototype.slice.call(results.querySelectorAll("[data-search-result]"));
  var at = links.indexOf(event.target);
  if (event.key === "Escape") {
    results.innerHTML = "";
    box.focus();
  } else if (event.key === "ArrowDown" && links.length) {
    event.preventDefault();
    links[Math.min(at + 1, links.length - 1)].focus();
  } else if (event.key === "ArrowUp" && at >= 0) {
    event.preventDefault();
    if (at === 0) box.focus(); else links[at - 1].focus();
  }
});
document.addEventListener("click", function (event) {
  var results = document.getElementById("global-search-results");
  if (results && !event.target.closest("#global-search")) results.innerHTML = "";
});
