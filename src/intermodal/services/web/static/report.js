// The throughput report of the operations ledger (GET /api/ledger/reports/throughput): totals with growth, and
// trips by line against a year before as an SVG bar chart. Every number comes from the ledger.
"use strict";
(function () {
  const $ = (q) => document.querySelector(q);
  const lang = () => (document.documentElement.lang.startsWith("zh") ? "zh" : "en");
  const t = (key, vars) => {
    let text = (window.I18N[lang()] && window.I18N[lang()][key]) || window.I18N.en[key] || key;
    for (const [k, v] of Object.entries(vars || {})) text = text.replace(`{${k}}`, v);
    return text;
  };
  const num = (x, digits = 0) =>
    Number(x).toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { maximumFractionDigits: digits });
  const pct = (x) => (x === null || x === undefined ? "–" : `${x >= 0 ? "+" : ""}${num(100 * x, 1)} %`);
  let report = null;
  let problem = null;

  function svg(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render() {
    const table = $("#report-total");
    const chart = $("#report-chart");
    table.replaceChildren();
    chart.replaceChildren();
    if (problem) {
      // the API's problem, worded by the app in the page's language
      const words = window.intermodalProblem;
      $("#report-note").textContent = [words.title(problem), ...words.lines(problem)].join(" — ");
      return;
    }
    if (!report) return;
    const total = report.total;
    if (!total || !total.trips) {
      // what to run, as a command to copy: the one thing on the page that stays in the shell's words
      const command = Object.assign(document.createElement("code"), { textContent: "uv run intermodal demo-data" });
      $("#report-note").replaceChildren(t("report.empty", { period: report.period }), " ", command);
      return;
    }
    $("#report-note").textContent = t("report.computed", {
      period: report.period, year_ago: report.year_ago_period, previous: report.previous_period,
    });
    const head = table.insertRow();
    for (const h of [t("report.measure"), report.period, t("report.yoy"), t("report.pop")]) {
      head.appendChild(Object.assign(document.createElement("th"), { textContent: h }));
    }
    const rows = [
      ["report.trips", total.trips, "trips", 0],
      ["report.teu", total.teu, "teu", 0],
      ["report.tonnes", total.tonnes, "tonnes", 0],
      ["report.value_m", total.value / 1e6, "value", 1],
    ];
    for (const [key, value, field, digits] of rows) {
      const row = table.insertRow();
      for (const cell of [t(key, { currency: report.currency }), num(value, digits), pct(total.growth_yoy[field]),
        pct(total.growth_pop[field])]) row.insertCell().textContent = cell;
    }
    const load = table.insertRow();
    for (const cell of [t("report.load"), `${num(100 * total.load_factor, 1)} %`, "", ""]) load.insertCell().textContent = cell;

    const lines = (report.rows || []).filter((r) => r.trips || (r.year_ago && r.year_ago.trips));
    const w = 400, bar = 16, gap = 14, left = 150, top = 26;
    const h = top + lines.length * (2 * bar + gap) + 10;
    const max = Math.max(1, ...lines.map((r) => Math.max(r.trips, r.year_ago ? r.year_ago.trips : 0)));
    const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": t("report.by_line", { period: report.period }) });
    root.appendChild(svg("text", { x: 0, y: 14, class: "chart-title" }, t("report.by_line", { period: report.period })));
    lines.forEach((r, i) => {
      const y = top + i * (2 * bar + gap);
      // "ASEAN shuttle East double line (Chongqing-Dongxing-Hanoi)" -> "East double line"
      const label = (lang() === "zh" ? r.label_zh : r.label).replace(/^ASEAN shuttle |^东盟公路班车/, "").replace(/\s*[（(].*$/, "");
      root.appendChild(svg("text", { x: 0, y: y + bar + 4, class: "axis" }, label));
      const now = (r.trips / max) * (w - left - 40);
      const before = ((r.year_ago ? r.year_ago.trips : 0) / max) * (w - left - 40);
      root.appendChild(svg("rect", { x: left, y, width: Math.max(1, now), height: bar, class: "bar-now" }));
      root.appendChild(svg("text", { x: left + now + 4, y: y + bar - 4, class: "axis" }, num(r.trips)));
      root.appendChild(svg("rect", { x: left, y: y + bar, width: Math.max(1, before), height: bar - 4, class: "bar-before" }));
      root.appendChild(svg("text", { x: left + before + 4, y: y + 2 * bar - 6, class: "axis muted" }, `${num(r.year_ago ? r.year_ago.trips : 0)} (${t("report.year_ago")})`));
    });
    chart.appendChild(root);
  }

  // the number of the latest request: an older answer arriving after a newer one is dropped, so the report
  // opened with the default period cannot overwrite the period the user asked for meanwhile
  let asked = 0;

  async function load(e) {
    if (e) e.preventDefault();
    const period = $("#period").value.trim();
    const mine = ++asked;
    try {
      const response = await fetch(`../api/ledger/reports/throughput?period=${encodeURIComponent(period)}&by=line`);
      const body = await response.json();
      if (mine !== asked) return;
      if (!response.ok) {
        report = null;
        problem = body;
        render();
        return;
      }
      report = body;
      problem = null;
      render();
    } catch (err) {
      if (mine !== asked) return;
      report = null;
      problem = { status: 0 };
      render();
    }
  }

  $("#report-form").addEventListener("submit", load);
  $("#report").addEventListener("toggle", () => { if ($("#report").open && !report) load(); });
  // re-draw in the other language after app.js has switched it
  $("#lang").addEventListener("click", () => setTimeout(render, 0));
})();
