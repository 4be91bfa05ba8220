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
    // Follow the box, not only the window: panels that stack or unstack at a breakpoint, or a
    // phone turned sideways, change a chart's width; a chart whose box is swapped out by htmx
    // is let go with it.
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        if (el.isConnected) chart.resize(); else chart.dispose();
      }).observe(el);
    } else {
      window.addEventListener("resize", function () { chart.resize(); });
    }
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
// Keyboard shortcuts. The `?` dialog (templates/ui/_shortcuts.html, from crm.ui.shortcuts) is
// the registry: each row carries its keys and its action, so what is listed is what works.
(function () {
  var pending = "";
  var timer = null;
  function typing(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function helpDialog() { return document.getElementById("shortcuts-help"); }
  // A focus/click shortcut only works where its target is on the page (e.g. a customer's 360).
  function available(row) {
    var target = row.dataset.shortcutFocus || row.dataset.shortcutClick;
    return !target || !!document.querySelector(target);
  }
  function run(row) {
    if (row.dataset.shortcutHref) {
      window.location.assign(row.dataset.shortcutHref);
    } else if (row.dataset.shortcutFocus) {
      var field = document.querySelector(row.dataset.shortcutFocus);
      field.focus();
      if (field.select) field.select();
    } else if (row.dataset.shortcutClick) {
      document.querySelector(row.dataset.shortcutClick).click();
    }
  }
  document.addEventListener("show.bs.modal", function (event) {
    if (event.target !== helpDialog()) return;
    event.target.querySelectorAll("tr[data-shortcut]").forEach(function (row) {
      row.hidden = !available(row);
    });
  });
  document.addEventListener("keydown", function (event) {
    var dialog = helpDialog();
    if (!dialog || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      event.preventDefault();
      pending = "";
      bootstrap.Modal.getOrCreateInstance(dialog).toggle();
      return;
    }
    if (event.key.length !== 1 || dialog.classList.contains("show")) return;
    var keys = pending ? pending + " " + event.key : event.key;
    var rows = Array.prototype.filter.call(
      dialog.querySelectorAll("tr[data-shortcut]"),
      function (row) { return available(row) && (row.dataset.shortcut + " ").indexOf(keys + " ") === 0; }
    );
    clearTimeout(timer);
    pending = "";
    var exact = rows.filter(function (row) { return row.dataset.shortcut === keys; });
    if (exact.length) {
      event.preventDefault();
      run(exact[0]);
    } else if (rows.length) {
      // The first key of a sequence ("g" of "g c"): wait a moment for the next.
      event.preventDefault();
      pending = keys;
      timer = setTimeout(function () { pending = ""; }, 1500);
    }
  });
})();
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
