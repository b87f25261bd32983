// The Plan page: a book of orders planned within the room of the departures (POST /api/plans), each order's
// choice against first come, first served, the load of every departure over the days, and a Book button that
// books the whole plan in one transaction. Every number comes from the API.
"use strict";
(function () {
  const $ = (q) => document.querySelector(q);
  const lang = () => (document.documentElement.lang.startsWith("zh") ? "zh" : "en");
  const t = (key, vars) => {
    let text = (window.I18N[lang()] && window.I18N[lang()][key]) || window.I18N.en[key] || key;
    for (const [k, v] of Object.entries(vars || {})) text = text.replace(`{${k}}`, v);
    return text;
  };
  const locale = () => (lang() === "zh" ? "zh-CN" : "en-GB");
  const num = (x, digits = 0) => Number(x).toLocaleString(locale(), { maximumFractionDigits: digits });
  const when = (iso) => {
    // the time as written at its place ("2020-05-04T10:00+08:00"), worded in the page's language
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(iso || "");
    if (!m) return "";
    return lang() === "zh" ? `${+m[2]}月${+m[3]}日 ${m[4]}:${m[5]}` : `${+m[3]} ${MONTHS[+m[2] - 1]} ${m[4]}:${m[5]}`;
  };
  const dayLabel = (ms) => {
    const d = new Date(ms); // already shifted to the hub's zone: read it as UTC
    return lang() === "zh" ? `${d.getUTCMonth() + 1}月${d.getUTCDate()}日` : `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  };
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const MEDIA = { csv: "text/csv", json: "application/json", parquet: "application/vnd.apache.parquet" };
  const names = { services: {}, places: {} };
  let book = null; // { body, type, name }: the orders as sent
  let plan = null;
  let problem = null;
  let booked = null;

  function el(tag, attrs, text) {
    const node = Object.assign(document.createElement(tag), attrs || {});
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function serviceName(id) {
    const s = names.services[id];
    if (!s) return id;
    // "ASEAN shuttle East double line (Chongqing-Dongxing-Hanoi)" -> "East double line"
    return (lang() === "zh" ? s.zh : s.en).replace(/^ASEAN shuttle |^东盟公路班车/, "").replace(/\s*[（(].*$/, "");
  }

  function placeName(id) {
    const p = names.places[id];
    return p ? (lang() === "zh" ? p.zh : p.en) : id;
  }

  function choiceText(option) {
    if (!option || !option.departures || !option.departures.length) return t("plan.truck_only");
    return option.departures.map((d) => serviceName(d.split("@")[0])).join(" → ");
  }

  function statusText(doc) {
    const known = ["optimal", "gap open", "time limit"].find((s) => doc.status.startsWith(s));
    return known ? t(`plan.st.${known.replace(" ", "_")}`) : doc.status;
  }

  function render() {
    const out = $("#plan-out");
    out.replaceChildren();
    if (problem) {
      const words = window.intermodalProblem;
      out.appendChild(el("div", { className: "problems", role: "alert" }, [words.title(problem), ...words.lines(problem)].join(" — ")));
      return;
    }
    if (!plan) return;
    const cur = plan.currency;
    const gap = plan.gap === null ? "–" : `${num(100 * plan.gap, 2)} %`;
    out.appendChild(el("p", { className: "plan-status" }, t("plan.status", {
      objective: num(plan.objective), bound: plan.bound === null ? "–" : num(plan.bound), gap, status: statusText(plan), currency: cur,
    })));
    out.appendChild(el("p", { className: "plan-saving" }, t("plan.saving", { saving: num(plan.saving), currency: cur })));
    out.appendChild(versus(plan, cur));
    out.appendChild(el("h3", {}, t("plan.chart.title")));
    out.appendChild(loadChart(plan));
    out.appendChild(el("h3", {}, t("plan.orders.title")));
    out.appendChild(ordersTable(plan));
    $("#plan-book").disabled = !plan.orders.some((o) => o.carried > 0);
    const done = $("#plan-booked");
    done.textContent = booked === null ? "" : t("plan.booked", { n: num(booked.booked), again: num((booked.already_booked || []).length) });
  }

  function versus(doc, cur) {
    const table = el("table", { className: "emissions plan-versus" });
    const head = table.createTHead().insertRow();
    for (const h of ["", t("plan.col.plan"), t("plan.col.first_come"), t("plan.col.difference")]) head.appendChild(el("th", {}, h));
    const body = table.createTBody();
    const a = doc.totals, b = doc.first_come;
    const rows = [
      ["plan.row.objective", a.objective, b.objective, 0, { currency: cur }],
      ["plan.row.cost", a.cost, b.cost, 0, { currency: cur }],
      ["plan.row.co2e", a.co2e_kg / 1000, b.co2e_kg / 1000, 1, {}],
      ["plan.row.late", a.late_h, b.late_h, 1, {}],
      ["plan.row.carried", a.carried, b.carried, 0, {}],
      ["plan.row.trips", a.trips, b.trips, 0, {}],
    ];
    for (const [key, mine, theirs, digits, vars] of rows) {
      const row = body.insertRow();
      row.insertCell().textContent = t(key, vars);
      for (const v of [mine, theirs]) Object.assign(row.insertCell(), { className: "num", textContent: num(v, digits) });
      const diff = mine - theirs;
      Object.assign(row.insertCell(), { className: "num", textContent: `${diff > 0 ? "+" : ""}${num(diff, digits)}` });
    }
    return table;
  }

  function loadChart(doc) {
    // one row per service; each departure a bar as tall as the row, filled as far as the plan loads it, with a
    // tick where first come loaded it
    const deps = doc.departures.filter((d) => d.departs);
    const figure = el("figure", { className: "chart plan-chart" });
    if (!deps.length) return figure;
    const time = (d) => Date.parse(d.departs.replace(/([+-]\d\d:\d\d)$/, ":00$1"));
    const services = [...new Set(deps.map((d) => d.service))].sort();
    const t0 = Math.min(...deps.map(time)), t1 = Math.max(...deps.map(time));
    const day0 = t0 - ((t0 + 8 * 3600e3) % 86400e3); // midnight in China (UTC+8), where the hub is
    const days = Math.max(1, Math.ceil((t1 - day0) / 86400e3) + 1);
    const w = 760, left = 200, right = 10, top = 30, rowH = 26, bar = 5;
    const every = Math.ceil(days / 10); // a date label every few days, so that they never overlap
    const h = top + services.length * rowH + 24;
    const x = (ms) => left + ((ms - day0) / (days * 86400e3)) * (w - left - right);
    const root = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-label": t("plan.chart.title") });
    root.appendChild(svg("text", { x: 0, y: 12, class: "axis" }, t("plan.chart.legend")));
    for (let d = 0; d <= days; d++) {
      const at = day0 + d * 86400e3;
      root.appendChild(svg("line", { x1: x(at), x2: x(at), y1: top - 6, y2: h - 20, class: "grid" }));
      if (d < days && d % every === 0) root.appendChild(svg("text", { x: x(at) + 3, y: h - 6, class: "axis" }, dayLabel(at + 8 * 3600e3)));
    }
    services.forEach((id, i) => {
      const y = top + i * rowH;
      const label = serviceName(id);
      root.appendChild(svg("text", { x: 0, y: y + rowH / 2 + 4, class: "axis" }, label.length > 30 ? `${label.slice(0, 29)}…` : label));
      for (const d of deps.filter((d) => d.service === id)) {
        const full = rowH - 6;
        const share = d.room_teu > 0 ? Math.min(1, d.load_teu / d.room_teu) : 0;
        const first = d.room_teu > 0 ? Math.min(1, d.first_come_teu / d.room_teu) : 0;
        const bx = x(time(d)) - bar / 2;
        const g = svg("g", { class: "departure" });
        g.appendChild(svg("title", {}, t("plan.chart.tip", { service: serviceName(id), when: when(d.departs), load: num(d.load_teu, 2), room: num(d.room_teu, 2), first: num(d.first_come_teu, 2) })));
        g.appendChild(svg("rect", { x: bx, y, width: bar, height: full, class: "room" }));
        // "filled", not "load" (the ops meters' class): a page rule for that once sized these rects too
        if (share > 0) g.appendChild(svg("rect", { x: bx, y: y + full * (1 - share), width: bar, height: full * share, class: share >= 0.999 ? "filled full" : "filled" }));
        if (first > 0) g.appendChild(svg("line", { x1: bx - 2, x2: bx + bar + 2, y1: y + full * (1 - first), y2: y + full * (1 - first), class: "first-come" }));
        root.appendChild(g);
      }
    });
    figure.appendChild(root);
    return figure;
  }

  function ordersTable(doc) {
    const wrap = el("div", { className: "plan-orders" });
    const table = el("table", { className: "emissions" });
    const head = table.createTHead().insertRow();
    for (const h of ["plan.col.order", "plan.col.to", "plan.col.teu", "plan.col.choice", "plan.col.departs", "plan.col.arrives", "plan.col.late", "plan.col.first_choice"]) {
      head.appendChild(el("th", {}, t(h)));
    }
    const body = table.createTBody();
    for (const o of doc.orders) {
      const row = body.insertRow();
      const opt = o.options[0];
      const changed = (o.first_come.summary || "") !== (opt ? opt.summary : "");
      row.className = changed ? "changed" : "";
      row.insertCell().textContent = o.order;
      row.insertCell().textContent = placeName(o.to);
      Object.assign(row.insertCell(), { className: "num", textContent: num(o.teu, 2) });
      const choice = row.insertCell();
      if (!opt) {
        choice.appendChild(el("span", { className: "bad" }, t("plan.not_carried")));
        if (lang() === "en" && o.reason) choice.title = o.reason;
      } else {
        const parts = o.options.map((p) => (p.share < 0.999 ? `${choiceText(p)} (${num(100 * p.share)} %)` : choiceText(p)));
        choice.textContent = parts.join("; ");
      }
      row.insertCell().textContent = opt ? when(opt.departures.length ? opt.departures[0].split("@")[1] : opt.depart) : "";
      row.insertCell().textContent = opt ? when(opt.arrive) : "";
      Object.assign(row.insertCell(), { className: "num", textContent: o.late_h ? num(o.late_h, 1) : "" });
      const fc = o.first_come;
      row.insertCell().textContent = fc.summary === null ? t("plan.not_carried") : firstChoice(o);
    }
    wrap.appendChild(table);
    return wrap;
  }

  function firstChoice(o) {
    // first come's itinerary as its services: the summary names services and "truck" for road legs
    return o.first_come.summary.split(" → ").filter((s) => s !== "truck").map(serviceName).join(" → ") || t("plan.truck_only");
  }

  async function send(extra, headers) {
    if (!book) return;
    const query = new URLSearchParams();
    let body = book.body;
    const price = Number($("#plan-carbon").value || 0);
    if (book.type === "application/json") {
      let doc;
      try {
        doc = JSON.parse(new TextDecoder().decode(book.body));
      } catch (err) {
        problem = { status: 422, code: "malformed_json" };
        plan = null;
        render();
        return null;
      }
      const orders = Array.isArray(doc) ? doc : doc.orders;
      body = JSON.stringify({ orders, carbon_price: price, ...extra });
    } else {
      query.set("carbon_price", String(price));
      for (const [k, v] of Object.entries(extra)) query.set(k, String(v));
    }
    $("#plan-note").textContent = t("plan.working", { n: book.name });
    $("#plan-run").disabled = $("#plan-demo").disabled = $("#plan-book").disabled = true;
    try {
      const response = await fetch(`../api/plans?${query}`, {
        method: "POST", body, headers: { "Content-Type": book.type, ...(headers || {}) },
      });
      const answer = await response.json();
      if (!response.ok) {
        problem = answer;
        return null;
      }
      problem = null;
      return answer;
    } catch (err) {
      problem = { status: 0 };
      return null;
    } finally {
      $("#plan-note").textContent = "";
      $("#plan-run").disabled = $("#plan-demo").disabled = false;
    }
  }

  async function run() {
    booked = null;
    const answer = await send({});
    plan = answer || null;
    render();
  }

  async function bookIt() {
    const token = $("#plan-token").value.trim();
    const answer = await send({ book: true, customs: $("#plan-customs").value }, token ? { Authorization: `Bearer ${token}` } : {});
    if (answer) {
      plan = answer;
      booked = answer;
    }
    render();
  }

  async function useFile() {
    const file = $("#plan-file").files[0];
    if (!file) return;
    const ext = file.name.split(".").pop().toLowerCase();
    book = { body: new Uint8Array(await file.arrayBuffer()), type: MEDIA[ext] || file.type || "text/plain", name: file.name };
    await run();
  }

  async function useDemo() {
    const response = await fetch("demo-orders.csv");
    book = { body: new Uint8Array(await response.arrayBuffer()), type: "text/csv", name: "demo-orders.csv" };
    await run();
  }

  async function loadNames() {
    const settings = await (await fetch("../api/settings")).json().catch(() => ({}));
    const scenario = encodeURIComponent(settings.scenario || "chongqing");
    try {
      const [services, terminals] = await Promise.all([
        fetch(`../api/scenarios/${scenario}/services`).then((r) => r.json()),
        fetch(`../api/scenarios/${scenario}/terminals`).then((r) => r.json()),
      ]);
      for (const s of services) names.services[s.id] = { en: s.name_en, zh: s.name_zh };
      for (const p of terminals) names.places[p.id] = { en: p.name_en, zh: p.name_zh };
    } catch (err) {
      // without names the ids stand in; the plan itself does not need them
    }
  }

  $("#plan-run").addEventListener("click", useFile);
  $("#plan-file").addEventListener("change", () => {
    const file = $("#plan-file").files[0];
    $("#plan-run").disabled = !file;
    $("#plan-file-name").textContent = file ? file.name : "";
  });
  $("#plan-demo").addEventListener("click", useDemo);
  $("#plan-book").addEventListener("click", bookIt);
  $("#lang").addEventListener("click", () => setTimeout(render, 0));
  loadNames().then(render);
})();
