// The Compare page: one demand assigned on a base scenario and on a patched one (POST /api/compare), the two
// side by side on maps with the flows drawn by width and the changes in colour, and the totals as charts.
// Every number comes from the API; the page only draws it.
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
  const signed = (x, digits = 0) => {
    const r = Math.round(x * 10 ** digits) / 10 ** digits; // what is shown decides the sign: never "−0"
    return `${r > 0 ? "+" : r < 0 ? "−" : "±"}${num(Math.abs(r), digits)}`;
  };
  const MORE = "#1a7f37"; // a leg carrying more in the scenario
  const LESS = "#c2410c"; // ... less
  const SAME = "#6b7b8c";

  let result = null;
  let problem = null;
  let names = {}; // terminal and service id -> {en, zh}
  const maps = {};

  function svg(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // a zone by its own (English) name, or in Chinese by its terminal's name
  const zoneName = (z) => (lang() === "zh" && names[z.place] ? names[z.place].zh : z.name);
  const named = (id) => (names[id] ? names[id][lang()] || names[id].en : id);
  const modeName = (m) =>
    m === "not carried" ? t("compare.not_carried") : m.split("+").map((x) => t(`mode.${x}`)).join(" + ");
  const patchName = (p) => p.split("+").map((x) => t(`compare.patch.${x}`)).join(" + ");

  // ---------------------------------------------------------------- maps

  function makeMap(id) {
    const map = L.map(id, { zoomControl: true, worldCopyJump: true, attributionControl: true }).setView([20, 105], 4);
    map.attributionControl.setPrefix(false);
    map.createPane("basemap").style.zIndex = 200;
    const flows = L.layerGroup().addTo(map);
    fetch("vendor/world-atlas/countries-50m.json")
      .then((r) => r.json())
      .then((topo) => {
        L.geoJSON(topojson.feature(topo, topo.objects.countries), {
          pane: "basemap",
          interactive: false,
          style: { color: "#c9c2b2", weight: 0.5, fillColor: "#f3efe6", fillOpacity: 1 },
          attribution: "Natural Earth",
        }).addTo(map);
      })
      .catch((err) => console.warn("basemap", err));
    return { map, flows };
  }

  function ensureMaps() {
    if (maps.base) return;
    maps.base = makeMap("compare-map-base");
    maps.scenario = makeMap("compare-map-scenario");
    // the two maps move together: the same place is in the same spot on both
    let syncing = false;
    const follow = (from, to) => from.map.on("moveend", () => {
      if (syncing) return;
      syncing = true;
      to.map.setView(from.map.getCenter(), from.map.getZoom(), { animate: false });
      syncing = false;
    });
    follow(maps.base, maps.scenario);
    follow(maps.scenario, maps.base);
  }

  function width(teu, max) {
    return teu <= 0 ? 0 : 1.5 + 10 * Math.sqrt(teu / max);
  }

  function drawMaps() {
    ensureMaps();
    for (const m of Object.values(maps)) m.flows.clearLayers();
    if (!result) return;
    const features = result.geojson[0].features;
    const max = Math.max(1e-9, ...features.map((f) => Math.max(f.properties.teu_base, f.properties.teu_scenario)));
    const bounds = [];
    for (const f of features) {
      const p = f.properties;
      const line = f.geometry.coordinates.map(([lon, lat]) => [lat, lon]);
      bounds.push(...line);
      const label = `${named(p.from)} → ${named(p.to)}${p.service ? ` · ${named(p.service)}` : ""}`;
      const tip = `${label}<br>${t("compare.base")}: ${num(p.teu_base, 1)} TEU · ${t("compare.scenario")}: ` +
        `${num(p.teu_scenario, 1)} TEU (${signed(p.teu_change, 1)})`;
      if (p.teu_base > 0) {
        L.polyline(line, { color: "#0b6e99", weight: width(p.teu_base, max), opacity: 0.75 })
          .bindTooltip(tip).addTo(maps.base.flows);
      }
      const colour = p.teu_change > 1e-6 ? MORE : p.teu_change < -1e-6 ? LESS : SAME;
      // a leg the scenario no longer uses keeps a thin dashed trace of where the flow was
      const style = p.teu_scenario > 0
        ? { color: colour, weight: width(p.teu_scenario, max), opacity: 0.8 }
        : { color: LESS, weight: 1.5, opacity: 0.8, dashArray: "4 4" };
      L.polyline(line, style).bindTooltip(tip).addTo(maps.scenario.flows);
    }
    if (bounds.length) maps.base.map.fitBounds(bounds, { padding: [20, 20] });
  }

  // ---------------------------------------------------------------- totals and charts

  function totalsTable(s) {
    const table = $("#compare-totals");
    table.replaceChildren();
    const head = table.insertRow();
    for (const h of [t("compare.measure"), t("compare.base"), t("compare.scenario"), t("compare.change")]) {
      head.appendChild(Object.assign(document.createElement("th"), { textContent: h }));
    }
    const base = result.base.totals;
    const rows = [
      ["compare.carried", "carried_teu", 1, 1],
      ["compare.not_carried_teu", "not_carried_teu", 1, 1],
      ["compare.cost", "cost", 1, 0],
      ["compare.co2e", "co2e_kg", 1000, 1],
      ["compare.hours", "teu_hours", 1, 0],
    ];
    for (const [key, field, div, digits] of rows) {
      const row = table.insertRow();
      const change = s.totals_change[field] / div;
      const cells = [t(key, { currency: result.currency }), num(base[field] / div, digits),
        num(s.totals[field] / div, digits), signed(change, digits)];
      cells.forEach((c) => (row.insertCell().textContent = c));
    }
  }

  function shareChart(s) {
    const chart = $("#compare-shares");
    chart.replaceChildren();
    const modes = Object.keys(s.mode_split).filter((m) =>
      Math.max(s.mode_split[m].share, (result.base.mode_split[m] || { share: 0 }).share) >= 0.0005);
    const w = 420, bar = 12, gap = 12, left = 150, top = 26, span = w - left - 60;
    const h = top + modes.length * (2 * bar + gap) + 24;
    const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": t("compare.shares") });
    root.appendChild(svg("text", { x: 0, y: 14, class: "chart-title" }, t("compare.shares")));
    modes.forEach((m, i) => {
      const y = top + i * (2 * bar + gap);
      const before = (result.base.mode_split[m] || { share: 0 }).share;
      const after = s.mode_split[m].share;
      root.appendChild(svg("text", { x: 0, y: y + bar + 4, class: "axis" }, modeName(m)));
      root.appendChild(svg("rect", { x: left, y, width: Math.max(1, before * span), height: bar, class: "bar-before" }));
      root.appendChild(svg("text", { x: left + before * span + 4, y: y + bar - 2, class: "axis muted" }, `${num(100 * before, 1)} %`));
      const cls = after > before + 1e-6 ? "bar-more" : after < before - 1e-6 ? "bar-less" : "bar-now";
      root.appendChild(svg("rect", { x: left, y: y + bar, width: Math.max(1, after * span), height: bar, class: cls }));
      root.appendChild(svg("text", { x: left + after * span + 4, y: y + 2 * bar - 2, class: "axis" },
        `${num(100 * after, 1)} % (${signed(100 * (after - before), 1)})`));
    });
    const y = h - 8;
    root.appendChild(svg("rect", { x: 0, y: y - 9, width: 10, height: 10, class: "bar-before" }));
    root.appendChild(svg("text", { x: 14, y, class: "axis" }, t("compare.base")));
    root.appendChild(svg("rect", { x: 110, y: y - 9, width: 10, height: 10, class: "bar-more" }));
    root.appendChild(svg("text", { x: 124, y, class: "axis" }, t("compare.scenario")));
    chart.appendChild(root);
  }

  function totalsChart(s) {
    // each total of the scenario as a percentage of the base's: the change at a glance, one scale for all
    const chart = $("#compare-change");
    chart.replaceChildren();
    // per TEU carried, apart from how many TEU are carried: a network that carries more can cost more in all
    const each = (totals, f) => (totals.carried_teu > 0 ? totals[f] / totals.carried_teu : 0);
    const rows = [["compare.cost_short", "cost"], ["compare.co2e_short", "co2e_kg"], ["compare.hours_short", "teu_hours"],
      ["compare.carried_short", null]];
    const w = 420, bar = 16, gap = 10, left = 150, top = 26, mid = left + (w - left - 50) / 2, half = (w - left - 50) / 2;
    const h = top + rows.length * (bar + gap) + 4;
    const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": t("compare.change_chart") });
    root.appendChild(svg("text", { x: 0, y: 14, class: "chart-title" }, t("compare.change_chart")));
    const ratio = (a, b) => (a ? b / a - 1 : 0);
    const ratios = rows.map(([, f]) => (f === null
      ? ratio(result.base.totals.carried_teu, s.totals.carried_teu)
      : ratio(each(result.base.totals, f), each(s.totals, f))));
    const max = Math.max(0.01, ...ratios.map(Math.abs));
    rows.forEach(([key], i) => {
      const y = top + i * (bar + gap);
      const r = ratios[i];
      const len = (Math.abs(r) / max) * half;
      root.appendChild(svg("text", { x: 0, y: y + bar - 4, class: "axis" }, t(key)));
      root.appendChild(svg("rect", { x: r < 0 ? mid - len : mid, y, width: Math.max(1, len), height: bar,
        class: r < 0 ? "bar-less" : "bar-more" }));
      root.appendChild(svg("text", { x: r < 0 ? mid + 4 : mid - 4, y: y + bar - 4, class: "axis",
        "text-anchor": r < 0 ? "start" : "end" }, `${signed(100 * r, 1)} %`));
    });
    root.appendChild(svg("line", { x1: mid, x2: mid, y1: top - 4, y2: h, class: "axis-line" }));
    chart.appendChild(root);
  }

  function pairsTable(s) {
    const table = $("#compare-pairs");
    table.replaceChildren();
    const head = table.insertRow();
    for (const h of [t("compare.pair"), t("compare.hours_per_teu"), t("compare.cost_per_teu", { currency: result.currency }),
      t("compare.co2e_per_teu")]) head.appendChild(Object.assign(document.createElement("th"), { textContent: h }));
    const zone = Object.fromEntries(result.zones.map((z) => [z.id, z]));
    const fmt = (v, d) => (v === null ? "–" : num(v, d));
    for (const p of s.pairs) {
      const row = table.insertRow();
      if (p.changed) row.className = "changed";
      const cargo = t(`cargo.${p.cargo.replace(/[:.]/g, "")}`);
      const cells = [
        `${zoneName(zone[p.origin])} → ${zoneName(zone[p.destination])} · ${cargo}`,
        `${fmt(p.time_h.base, 0)} → ${fmt(p.time_h.scenario, 0)}`,
        `${fmt(p.cost.base, 0)} → ${fmt(p.cost.scenario, 0)}`,
        `${fmt(p.co2e_kg.base, 0)} → ${fmt(p.co2e_kg.scenario, 0)}`,
      ];
      cells.forEach((c) => (row.insertCell().textContent = c));
    }
  }

  function render() {
    const note = $("#compare-note");
    for (const id of ["#compare-totals", "#compare-pairs", "#compare-shares", "#compare-change"]) $(id).replaceChildren();
    if (problem) {
      const words = window.intermodalProblem;
      note.textContent = [words.title(problem), ...words.lines(problem)].join(" — ");
      drawMaps();
      return;
    }
    if (!result) return;
    const s = result.scenarios[0];
    note.textContent = t("compare.summary", {
      scenario: patchName($("#compare-patch").value),
      changed: s.pairs_changed, pairs: s.pairs.length, days: num(result.window_days, 0),
      start: new Date(result.start).toLocaleDateString(lang() === "zh" ? "zh-CN" : "en-GB"),
    });
    $("#compare-title-base").textContent = t("compare.map_base");
    $("#compare-title-scenario").textContent = t("compare.map_scenario", { scenario: patchName($("#compare-patch").value) });
    totalsTable(s);
    shareChart(s);
    totalsChart(s);
    pairsTable(s);
    drawMaps();
  }

  async function loadNames(scenario) {
    const get = async (url) => {
      const r = await fetch(url);
      return r.ok ? r.json() : [];
    };
    const [terms, services] = await Promise.all([
      get(`../api/scenarios/${scenario}/terminals`), get(`../api/scenarios/${scenario}/services`),
    ]);
    names = {};
    for (const x of [...terms, ...services]) names[x.id] = { en: x.name_en, zh: x.name_zh || x.name_en };
  }

  let asked = 0;

  async function run(e) {
    if (e) e.preventDefault();
    const patch = $("#compare-patch").value;
    const body = { scenario: "chongqing", patches: [patch], window_days: Number($("#compare-window").value) };
    const mine = ++asked;
    const button = $("#compare-run");
    button.disabled = true;
    $("#compare-note").textContent = t("compare.working");
    try {
      const response = await fetch("../api/compare", {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (mine !== asked) return;
      if (response.ok) await loadNames(`chongqing+${patch}`);
      result = response.ok ? answer : null;
      problem = response.ok ? null : answer;
    } catch (err) {
      if (mine !== asked) return;
      result = null;
      problem = { status: 0 };
    } finally {
      if (mine === asked) button.disabled = false;
    }
    render();
  }

  function route() {
    // app.js shows the page (#compare); its maps are made the first time it shows, sized once it is laid out
    const on = location.hash === "#compare";
    if (on) {
      ensureMaps();
      setTimeout(() => Object.values(maps).forEach((m) => m.map.invalidateSize()), 0);
    }
  }

  $("#compare-form").addEventListener("submit", run);
  window.addEventListener("hashchange", route);
  // re-draw in the other language after app.js has switched it
  $("#lang").addEventListener("click", () => setTimeout(render, 0));
  route();
})();
