// The Operations page: today's and tomorrow's departures with their loads, bookings in transit on a map with
// their ETA and delay, and open disruptions with the bookings they break, each with its rebooking options and
// a Rebook button. It polls GET /api/operations every few seconds with the ETag it last got, so that an
// unchanged board costs a 304 and no drawing (docs/api.md). Every number comes from the API.
"use strict";
(function () {
  //: how often the board is asked for while the page is shown
  const POLL_MS = 5000;
  const $ = (q) => document.querySelector(q);
  const lang = () => (document.documentElement.lang.startsWith("zh") ? "zh" : "en");
  const t = (key, vars) => {
    let text = (window.I18N[lang()] && window.I18N[lang()][key]) || window.I18N.en[key] || key;
    for (const [k, v] of Object.entries(vars || {})) text = text.replace(`{${k}}`, v);
    return text;
  };
  const locale = () => (lang() === "zh" ? "zh-CN" : "en-GB");
  const num = (x, digits = 0) => Number(x).toLocaleString(locale(), { maximumFractionDigits: digits });
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function when(iso) {
    // the time as written at its place ("2020-04-03T09:00:00+08:00"), in the page's language, with its offset
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::\d\d(?:\.\d+)?)?([+-]\d\d:\d\d|Z)?/.exec(iso || "");
    if (!m) return iso || "";
    const offset = !m[6] || m[6] === "Z" || /^[+-]00:00$/.test(m[6]) ? "UTC" : `UTC${m[6][0]}${+m[6].slice(1, 3)}${m[6].slice(4) === "00" ? "" : ":" + m[6].slice(4)}`;
    const day = lang() === "zh" ? `${+m[2]}月${+m[3]}日` : `${+m[3]} ${MONTHS[+m[2] - 1]}`;
    return `${day} ${m[4]}:${m[5]} (${offset})`;
  }

  function inZone(iso, zone) {
    // an instant (the API's UTC time of a disruption's window) as the wall time of the hub's zone
    const instant = Date.parse(iso);
    if (Number.isNaN(instant) || !zone) return iso;
    const parts = {};
    for (const p of new Intl.DateTimeFormat("en-US", {
      timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    }).formatToParts(new Date(instant))) parts[p.type] = p.value;
    const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute);
    const minutes = Math.round((wall - Math.floor(instant / 60000) * 60000) / 60000);
    const a = Math.abs(minutes);
    const offset = `${minutes < 0 ? "-" : "+"}${String(Math.floor(a / 60)).padStart(2, "0")}:${String(a % 60).padStart(2, "0")}`;
    return when(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}${offset}`);
  }

  function offsetOf(iso) {
    // "2020-04-06T08:00:00+08:00" -> "UTC+8"
    return (/\((UTC[^)]*)\)$/.exec(when(iso)) || [, "UTC"])[1];
  }

  function dayText(iso) {
    const [, mo, d] = /^\d{4}-(\d\d)-(\d\d)/.exec(iso) || [];
    return lang() === "zh" ? `${+mo}月${+d}日` : `${+d} ${MONTHS[+mo - 1]}`;
  }

  const names = { services: {}, places: {} };
  const serviceName = (id, full) => {
    // "ASEAN shuttle East line (Chongqing-Dongxing-Hanoi)" -> "East line", or with its way when ``full``
    const s = names.services[id];
    if (!s) return id;
    const name = (lang() === "zh" ? s.zh || s.en : s.en).replace(/^ASEAN shuttle |^东盟公路班车/, "");
    return full ? name : name.replace(/\s*[（(].*$/, "");
  };
  const placeName = (id) => {
    const p = names.places[id];
    return p ? (lang() === "zh" ? p.zh || p.en : p.en) : id || "";
  };
  const legName = (leg) => (leg.service ? serviceName(leg.service) : window.I18N[lang()]["truck"] || "Truck");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v);
    }
    for (const c of children) if (c != null) node.append(c);
    return node;
  }

  const state = {
    board: null,
    etag: null,
    updated: null,
    failed: false,
    problem: null,
    // per booking key: {as_of, answer} once asked, so that a poll redraws without searching again
    options: {},
    open: new Set(),
    rebooked: {},
    timer: null,
  };

  // ---------------------------------------------------------------- map

  let map = null;
  let transitLayer = null;

  function ensureMap() {
    if (map || !window.L) return;
    map = L.map("ops-map", { zoomControl: true, worldCopyJump: true }).setView([22, 104], 5);
    map.attributionControl.setPrefix(false);
    transitLayer = L.layerGroup().addTo(map);
    fetch("vendor/world-atlas/countries-50m.json")
      .then((r) => r.json())
      .then((topo) => {
        L.geoJSON(topojson.feature(topo, topo.objects.countries), {
          interactive: false,
          style: { color: "#c9c2b2", weight: 0.5, fillColor: "#f3efe6", fillOpacity: 1 },
          attribution: "Natural Earth",
        }).addTo(map);
        transitLayer.eachLayer((l) => l.bringToFront && l.bringToFront());
        drawMap();
      })
      .catch(() => {});
  }

  function coords(id) {
    const p = names.places[id];
    return p ? [p.lat, p.lon] : null;
  }

  function drawMap() {
    if (!map || !state.board) return;
    transitLayer.clearLayers();
    const points = [];
    for (const item of state.board.in_transit) {
      if (!item.eta || !item.position) continue;
      const pos = item.position;
      const a = coords(pos.from), b = coords(pos.to);
      if (!a || !b) continue;
      const here = [a[0] + (b[0] - a[0]) * pos.fraction, a[1] + (b[1] - a[1]) * pos.fraction];
      // the rest of its way: from where it is through the stops still ahead
      const ahead = item.eta.stops.filter((s) => !s.actual && Date.parse(s.estimated) > Date.parse(state.board.at));
      const path = [here, ...ahead.map((s) => coords(s.place)).filter(Boolean)];
      L.polyline(path, { color: "#0b6e99", weight: 2, opacity: 0.6, dashArray: "4 5", interactive: false }).addTo(transitLayer);
      const late = item.eta.delay_h > 0;
      L.circleMarker(here, { radius: 7, color: "#fff", weight: 2, fillColor: late ? "#b42318" : "#1e7b34", fillOpacity: 1, className: "ops-box" })
        .bindTooltip(`${item.booking.idempotency_key} · ${t("ops.col.eta")} ${when(item.eta.eta)} · ${delayText(item.eta.delay_h)}`)
        .addTo(transitLayer);
      points.push(here, ...path);
    }
    if (points.length && !state.fitted) {
      map.fitBounds(L.latLngBounds(points), { padding: [30, 30], maxZoom: 7 });
      state.fitted = true;
    }
  }

  // ---------------------------------------------------------------- drawing

  const delayText = (h) => (h > 0 ? t("ops.late", { h: num(h, 1) }) : t("ops.on_time"));

  function table(heads, rows) {
    const head = el("tr", {}, ...heads.map(([key, cls]) => el("th", { class: cls || "", text: t(key) })));
    return el("table", { class: "ops-table" }, el("thead", {}, head), el("tbody", {}, ...rows));
  }

  function drawDepartures(board) {
    const box = $("#ops-departures");
    box.replaceChildren(el("p", { class: "muted", text: t("ops.days", { today: dayText(board.days[0]), tomorrow: dayText(board.days[1]), zone: offsetOf(board.at) }) }));
    if (!board.departures.length) {
      box.append(el("p", { class: "muted", text: t("ops.none_departures") }));
      return;
    }
    const rows = board.departures.map((d) => {
      const cap = d.capacity_teu || 1;
      const bar = el("div", { class: "load", role: "img", "aria-label": t("ops.load", { booked: num(d.booked_teu, 2), capacity: num(d.capacity_teu, 2) }) },
        el("span", { class: "booked", style: `width:${(100 * d.booked_teu) / cap}%` }),
        el("span", { class: "held", style: `width:${(100 * d.held_teu) / cap}%` }));
      return el("tr", { class: d.status, "data-ref": d.ref },
        el("td", { class: "num", text: when(d.departs) }),
        el("td", { text: serviceName(d.line, true) }),
        el("td", {},
          el("div", { class: "load-text", text: t("ops.load", { booked: num(d.booked_teu, 2), capacity: num(d.capacity_teu, 2) }) }),
          bar,
          el("div", { class: "muted small", text: t("ops.load_rest", { held: num(d.held_teu, 2), free: num(d.free_teu, 2) }) })),
        el("td", { class: "status", text: t("ops.status." + d.status) }));
    });
    box.append(table([["ops.col.departs"], ["ops.col.line"], ["ops.col.load"], ["ops.col.status"]], rows));
    if (board.more_departures) box.append(el("p", { class: "muted", text: t("ops.more", { n: board.more_departures }) }));
  }

  function drawTransit(board) {
    const box = $("#ops-transit");
    box.replaceChildren();
    if (!board.in_transit.length) {
      box.append(el("p", { class: "muted", text: t("ops.none_transit") }));
      return;
    }
    const rows = board.in_transit.map((item) => {
      const b = item.booking;
      const lines = [...new Set(b.departures.map((ref) => serviceName(ref.split("@")[0])))].join(" → ");
      if (!item.eta) {
        return el("tr", { "data-key": b.idempotency_key }, el("td", { text: b.idempotency_key }), el("td", { text: lines }), el("td", { colspan: "2", text: t("ops.no_plan") }));
      }
      const pos = item.position;
      const where = pos.moving ? t("ops.to_place", { from: placeName(pos.from), to: placeName(pos.to) }) : t("ops.at_place", { place: placeName(pos.from) });
      return el("tr", { "data-key": b.idempotency_key },
        el("td", {}, el("div", { text: b.idempotency_key }), el("div", { class: "muted", text: `${lines} · ${num(b.teu, 2)} ${t("unit.teu")}` })),
        el("td", { text: where }),
        el("td", {}, el("div", { class: "eta", text: when(item.eta.eta) }), el("div", { class: "muted", text: `→ ${placeName(item.eta.destination)}` })),
        el("td", { class: "num delay " + (item.eta.delay_h > 0 ? "late" : "on-time"), text: delayText(item.eta.delay_h) }));
    });
    box.append(table([["ops.col.booking"], ["ops.col.where"], ["ops.col.eta"], ["ops.col.delay", "num"]], rows));
    if (board.more_in_transit) box.append(el("p", { class: "muted", text: t("ops.more", { n: board.more_in_transit }) }));
  }

  function targetName(d) {
    if (d.kind === "delay") return serviceName(d.target);
    if (d.kind === "departure") return `${serviceName(d.target.split("@")[0])} ${when(d.target.split("@")[1])}`;
    return placeName(d.target);
  }

  function optionRoute(option) {
    return option.legs.filter((g) => g.service).map(legName).join(" → ") || legName({});
  }

  function optionText(option) {
    const last = option.legs[option.legs.length - 1];
    const h = option.total.duration_h;
    const duration = h >= 24 ? t("days_hours", { d: Math.floor(h / 24), h: Math.round(h % 24) }) : t("hours", { h: num(h, 1) });
    return t("ops.option", { route: optionRoute(option), arrive: when(last.arrive), duration, cost: `${num(option.total.cost)} ${option.total.currency}` });
  }

  function reasonText(r) {
    const key = "ops.reason." + r.code;
    return window.I18N.en[key] ? t(key) : t("ops.reason.unknown");
  }

  function drawOptions(key, holder) {
    holder.replaceChildren();
    const got = state.options[key];
    if (!got) {
      holder.append(el("p", { class: "muted", text: t("ops.searching") }));
      return;
    }
    if (got.problem) {
      holder.append(problemBox(got.problem));
      return;
    }
    const answer = got.answer;
    if (!answer.broken) return;
    if (!answer.options.length) {
      holder.append(el("p", { class: "muted", text: `${t("ops.no_options")} ${answer.reasons.map(reasonText).join("; ")}` }));
      return;
    }
    const list = el("ol", { class: "rebook-options" });
    for (const option of answer.options) {
      list.append(el("li", { "data-rank": String(option.rank) },
        el("span", { text: optionText(option) }),
        el("button", { type: "button", class: "rebook", text: t("ops.rebook"), onclick: (e) => rebook(key, option, got.as_of, e.target) })));
    }
    holder.append(el("p", { class: "muted", text: t("ops.options") }), list);
  }

  function problemBox(problem) {
    const words = window.intermodalProblem;
    return el("div", { class: "problems", role: "alert" }, [words.title(problem), ...words.lines(problem)].join(" — "));
  }

  function drawDisruptions(board) {
    const box = $("#ops-disruptions");
    box.replaceChildren();
    // what this page rebooked: kept above the cards, as the rebooked booking leaves its disruption's list
    for (const [key, note] of Object.entries(state.rebooked)) box.append(el("p", { class: "rebooked", role: "status", "data-key": key, text: note() }));
    if (!board.disruptions.length) {
      box.append(el("p", { class: "muted", text: t("ops.none_disruptions") }));
      return;
    }
    for (const d of board.disruptions) {
      const card = el("section", { class: "disruption", "data-id": String(d.id) },
        el("h4", { text: t("ops.kind." + d.kind, { target: targetName(d), hours: num(d.delay_hours || 0, 1) }) }),
        d.kind === "departure" ? null : el("p", { class: "muted", text: t("ops.window", { start: inZone(d.starts, board.zone), end: inZone(d.ends, board.zone) }) }),
        el("p", { text: d.broken.length ? t("ops.broken", { n: d.broken.length }) : t("ops.broken_none") }));
      for (const b of d.broken) {
        const key = b.idempotency_key;
        const holder = el("div", { class: "options" });
        const item = el("details", { class: "broken", "data-key": key },
          el("summary", { text: t("ops.broken_booking", {
            key,
            line: serviceName(b.departure.split("@")[0]),
            time: when(b.departure.split("@")[1]),
            position: placeName(b.position),
            destination: placeName(b.destination),
          }) }),
          holder);
        if (state.open.has(key)) {
          item.open = true;
          drawOptions(key, holder);
        }
        item.addEventListener("toggle", () => {
          if (item.open) {
            state.open.add(key);
            drawOptions(key, holder);
            if (!state.options[key]) loadOptions(key);
          } else state.open.delete(key);
        });
        card.append(item);
      }
      box.append(card);
    }
  }

  function render() {
    const live = $("#ops-live");
    const time = state.updated ? state.updated.toLocaleTimeString(locale(), { hour12: false }) : "";
    live.textContent = state.updated ? t(state.failed ? "ops.stale" : "ops.live", { time }) : "";
    live.classList.toggle("late", state.failed);
    const problem = $("#ops-problem");
    problem.hidden = !state.problem;
    problem.replaceChildren(...(state.problem ? [problemBox(state.problem)] : []));
    const board = state.board;
    if (!board) return;
    drawDepartures(board);
    drawTransit(board);
    drawDisruptions(board);
    drawMap();
  }

  // ---------------------------------------------------------------- talking to the API

  function broken(key) {
    // the booking as the board's disruptions list it, or null once none breaks it
    for (const d of state.board ? state.board.disruptions : []) for (const b of d.broken) if (b.idempotency_key === key) return b;
    return null;
  }

  async function loadOptions(key) {
    const asOf = state.board.at;
    try {
      const response = await fetch(`../api/ledger/bookings/${encodeURIComponent(key)}/rebooking?as_of=${encodeURIComponent(asOf)}`);
      const body = await response.json();
      state.options[key] = response.ok ? { as_of: asOf, answer: body } : { as_of: asOf, problem: body };
    } catch (err) {
      state.options[key] = { as_of: asOf, problem: { status: 0 } };
    }
    render();
  }

  async function rebook(key, option, asOf, button) {
    const token = $("#ops-token").value.trim();
    if (!token) {
      state.options[key] = { ...state.options[key], problem: { status: 401, code: "unauthorized" } };
      render();
      return;
    }
    sessionStorage.setItem("intermodal.token", token);
    button.disabled = true;
    try {
      const response = await fetch(`../api/ledger/bookings/${encodeURIComponent(key)}/rebook`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify({ option: option.rank, as_of: asOf }),
      });
      const body = await response.json();
      if (!response.ok) {
        state.options[key] = { as_of: asOf, problem: body };
      } else {
        // worded when drawn, so that it follows the language
        state.rebooked[key] = () => t("ops.rebooked", { key, n: option.rank, route: optionRoute(option) });
        state.options[key] = { as_of: asOf, answer: { broken: false } };
      }
    } catch (err) {
      state.options[key] = { as_of: asOf, problem: { status: 0 } };
    }
    render();
    poll();
  }

  let asked = 0;

  async function poll() {
    clearTimeout(state.timer);
    if ($("#ops").hidden || document.hidden) return;
    // only the latest request schedules the next one, so that a poll asked for meanwhile (after a Rebook)
    // never leaves two timers running
    const mine = ++asked;
    try {
      const response = await fetch("../api/operations", { headers: state.etag ? { "If-None-Match": state.etag } : {} });
      if (mine !== asked) return; // a newer request is on its way: its answer is the one to draw
      state.updated = new Date();
      state.failed = false;
      if (response.status === 304) {
        render();
      } else if (response.ok) {
        state.board = await response.json();
        state.etag = response.headers.get("ETag");
        state.problem = null;
        // a booking the board no longer lists as broken keeps its rebooked note until the next change
        for (const key of Object.keys(state.options)) if (!broken(key) && !state.rebooked[key]) delete state.options[key];
        render();
      } else {
        state.problem = await response.json();
        render();
      }
    } catch (err) {
      state.failed = true;
      render();
    }
    if (mine === asked) state.timer = setTimeout(poll, POLL_MS);
  }

  async function loadNames() {
    try {
      const settings = await (await fetch("../api/settings")).json();
      const base = `../api/scenarios/${encodeURIComponent(settings.scenario)}`;
      const [services, terminals] = await Promise.all([
        fetch(`${base}/services`).then((r) => r.json()),
        fetch(`${base}/terminals`).then((r) => r.json()),
      ]);
      for (const s of services) names.services[s.id] = { en: s.name_en, zh: s.name_zh };
      for (const p of terminals) names.places[p.id] = { en: p.name_en, zh: p.name_zh, lat: p.lat, lon: p.lon };
    } catch (err) {
      // without names the ids stand in
    }
  }

  function shown() {
    if ($("#ops").hidden) {
      clearTimeout(state.timer);
      return;
    }
    ensureMap();
    if (map) map.invalidateSize();
    poll();
  }

  $("#ops-token").value = sessionStorage.getItem("intermodal.token") || "";
  window.addEventListener("hashchange", () => setTimeout(shown, 0));
  document.addEventListener("visibilitychange", () => { if (!document.hidden) shown(); });
  $("#lang").addEventListener("click", () => setTimeout(render, 0));
  loadNames().then(() => { render(); shown(); });
})();
