// The dashboard's own script: filters, KPI cards, charts (Plotly) and the heat table, from DATA (see dashboard.py).
(function () {
  "use strict";
  const R = DATA.records, G = DATA.guards, ALL = "全部", NONE = "未识别";
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})[c]);
  const pct = (v) => (v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%");
  const num = (v) => (v === null || v === undefined ? "—" : String(v).replace(/\B(?=(\d{3})+(?!\d))/g, ","));
  const config = {displaylogo: false, responsive: true};
  $("min-cases").textContent = G.min_cases;

  function fill(select, values) {
    select.innerHTML = [ALL, ...values].map((v) => `<option value="${esc(v)}">${esc(v)}</option>`).join("");
  }
  const uniq = (xs) => [...new Set(xs)].sort();
  fill($("f-year"), uniq(R.filter((r) => r.year !== null).map((r) => String(r.year))));
  fill($("f-level"), uniq(R.map((r) => r.level)));
  fill($("f-kind"), uniq(R.map((r) => r.kind)));
  const measures = [["new", "本年新收申请", "count"], ...DATA.ratios.map((q) => [q.id, q.name, "ratio"])];
  $("series-measure").innerHTML = measures.map((m) => `<option value="${m[0]}">${esc(m[1])}</option>`).join("");
  $("dist-measure").innerHTML = DATA.ratios.map((q) => `<option value="${q.id}">${esc(q.name)}</option>`).join("");
  $("dist-measure").value = "disclosure_rate";

  function chosen(withYear) {
    const y = $("f-year").value, l = $("f-level").value, k = $("f-kind").value;
    return R.filter((r) => (!withYear || y === ALL || String(r.year) === y) && (l === ALL || r.level === l) &&
      (k === ALL || r.kind === k));
  }
  // a count or ratio of one report: its value, whether it rests on a doubted cell, its cases
  function figure(r, id) {
    const q = DATA.ratios.find((x) => x.id === id);
    if (!q) return {v: r.counts[id], doubted: !!r.doubt[id], cases: null};
    const n = r.counts[q.num], d = r.counts[q.den];
    const v = n === null || d === null || d === 0 ? null : n / d;
    return {v: v, doubted: !!(r.doubt[q.num] || r.doubt[q.den]), cases: d, n: n};
  }
  const checked = (r, names) => names.every((n) => r.counts[n] !== null && r.counts[n] !== undefined && !r.doubt[n]);

  function kpis(rs) {
    const out = [];
    const card = (id, name, value, text, left) => out.push(
      `<div class="kpi" data-kpi="${id}" data-value="${value === null ? "" : value}"><div class="name">${name}</div>` +
      `<div class="value">${text}</div>` + (left ? `<div class="note">⚑ ${left} 份待核对或缺数，未计入</div>` : "") + "</div>");
    card("reports", "报告数", rs.length, num(rs.length), 0);
    const bodies = new Set(rs.filter((r) => r.key !== NONE).map((r) => r.key)).size;
    card("bodies", "机关数", bodies, num(bodies), 0);
    const withNew = rs.filter((r) => checked(r, ["new"]));
    const apps = withNew.reduce((s, r) => s + r.counts.new, 0);
    card("applications", "本年新收申请", apps, num(apps), rs.length - withNew.length);
    for (const [id, name, a, b] of [["disclosure_rate", "公开率", "disclosed", "handled"],
      ["review_correction_rate", "行政复议纠错率", "review_corrected", "review_total"],
      ["suit_correction_rate", "行政诉讼纠错率", "suit_corrected", "suit_total"]]) {
      const ok = rs.filter((r) => checked(r, [a, b]));
      const den = ok.reduce((s, r) => s + r.counts[b], 0), nu = ok.reduce((s, r) => s + r.counts[a], 0);
      const v = den > 0 ? nu / den : null;
      card(id, name + (den > 0 ? `<small>（${num(nu)}/${num(den)}）</small>` : ""), v, pct(v), rs.length - ok.length);
    }
    const late = rs.filter((r) => r.late || r.missing_parts.length).length;
    card("late_or_missing", "逾期公布或缺少部分的报告", late, num(late), 0);
    $("kpis").innerHTML = out.join("");
  }

  function point(r, f, extra) {
    return `${r.body} ${r.year === null ? "年度不详" : r.year}<br>${extra}` + (f.doubted ? "<br>⚑ 所依单元格待核对" : "");
  }
  function clickable(div) {
    div.removeAllListeners && div.removeAllListeners("plotly_click");
    div.on("plotly_click", (e) => { const to = e.points[0].customdata; if (to) window.location.href = to; });
  }
  function drawn(div, n) { div.dataset.points = n; }

  function series(rs) {
    const id = $("series-measure").value, ratio = DATA.ratios.some((q) => q.id === id);
    const by = new Map();
    for (const r of rs) if (r.key !== NONE && r.year !== null) (by.get(r.key) || by.set(r.key, []).get(r.key)).push(r);
    const traces = [];
    let n = 0;
    for (const [, list] of [...by.entries()].sort()) {
      list.sort((a, b) => a.year - b.year);
      const fs = list.map((r) => figure(r, id));
      const keep = fs.map((f) => f.v !== null && f.v !== undefined);
      const pick = (xs) => xs.filter((_, i) => keep[i]);
      n += keep.filter(Boolean).length;
      traces.push({type: "scatter", mode: "lines+markers", name: list[0].body, x: pick(list.map((r) => r.year)),
        y: pick(fs.map((f) => f.v)), customdata: pick(list.map((r) => r.review)),
        text: pick(list.map((r, i) => point(r, fs[i], ratio ? `${pct(fs[i].v)}（${fs[i].n}/${fs[i].cases}）` : num(fs[i].v)))),
        hoverinfo: "text", marker: {size: 9, symbol: pick(fs.map((f) => (f.doubted ? "circle-open" : "circle")))}});
    }
    const div = $("chart-series");
    Plotly.react(div, traces, {margin: {t: 20}, xaxis: {title: "年度", dtick: 1},
      yaxis: {title: measures.find((m) => m[0] === id)[1], tickformat: ratio ? ".0%" : ","}}, config)
      .then(() => { clickable(div); drawn(div, n); });
  }

  function quantile(xs, q) {
    const pos = (xs.length - 1) * q, lo = Math.floor(pos), hi = Math.min(lo + 1, xs.length - 1);
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
  }
  // outliers among the comparable figures (checked, enough cases): beyond the quartiles by G.iqr IQRs and G.gap
  // from the median, among at least G.min_peers figures
  function outliers(items) {
    const vs = items.map((it) => it.f.v).sort((a, b) => a - b);
    if (vs.length < G.min_peers) return {enough: false, list: []};
    const q1 = quantile(vs, 0.25), med = quantile(vs, 0.5), q3 = quantile(vs, 0.75), iqr = q3 - q1;
    const list = items.filter((it) => (it.f.v > q3 + G.iqr * iqr || it.f.v < q1 - G.iqr * iqr) &&
      Math.abs(it.f.v - med) >= G.gap);
    return {enough: true, list: list, med: med, q1: q1, q3: q3};
  }

  function distribution(rs) {
    const id = $("dist-measure").value, q = DATA.ratios.find((x) => x.id === id);
    const items = rs.map((r) => ({r: r, f: figure(r, id)})).filter((it) => it.f.v !== null);
    const ok = items.filter((it) => !it.f.doubted && it.f.cases >= G.min_cases);
    const few = items.filter((it) => !it.f.doubted && it.f.cases < G.min_cases);
    const doubted = items.filter((it) => it.f.doubted);
    const res = outliers(ok), out = new Set(res.list);
    const scatter = (list, name, marker) => ({type: "scatter", mode: "markers", name: name,
      x: list.map(() => name), y: list.map((it) => it.f.v), customdata: list.map((it) => it.r.review),
      text: list.map((it) => point(it.r, it.f, `${q.name} ${pct(it.f.v)}（${it.f.n}/${it.f.cases}）`)),
      hoverinfo: "text", marker: marker});
    const traces = [
      {type: "box", name: "可比", x: ok.map(() => "可比"), y: ok.map((it) => it.f.v), boxpoints: false,
        hoverinfo: "y", marker: {color: "#7f8c8d"}},
      scatter(ok.filter((it) => !out.has(it)), "可比", {color: "#2c7fb8", size: 8}),
      scatter(res.list, "离群", {color: "#c0392b", size: 12}),
      scatter(few, `案件不足${G.min_cases}件`, {color: "#bbbbbb", size: 8}),
      scatter(doubted, "待核对", {color: "#e67e22", size: 8, symbol: "circle-open"})];
    const div = $("chart-dist");
    Plotly.react(div, traces, {margin: {t: 20}, showlegend: false, yaxis: {title: q.name, tickformat: ".0%"}}, config)
      .then(() => { clickable(div); drawn(div, items.length); });
    const note = res.enough ? (res.list.length ? "" : "<p>无离群值。</p>") :
      `<p>可比数字 ${ok.length} 个，不足 ${G.min_peers} 个，不判断离群。</p>`;
    $("outliers").innerHTML = note + (res.list.length ? `<p>离群值（中位数 ${pct(res.med)}，四分位 ${pct(res.q1)}–${pct(res.q3)}）：</p><ul>` +
      res.list.map((it) => `<li data-outlier="${esc(it.r.id)}">${esc(it.r.body)} ${it.r.year}：${q.name} ` +
        `${pct(it.f.v)}（${it.f.n}/${it.f.cases}）</li>`).join("") + "</ul>" : "");
  }

  function scatterPlot(rs) {
    const items = rs.map((r) => ({r: r, x: figure(r, "new"), f: figure(r, "correction_rate")}))
      .filter((it) => it.x.v !== null && it.x.v !== undefined && it.f.v !== null);
    const groups = [["可比", (it) => !it.x.doubted && !it.f.doubted && it.f.cases >= G.min_cases, {color: "#2c7fb8", size: 9}],
      [`案件不足${G.min_cases}件`, (it) => !it.x.doubted && !it.f.doubted && it.f.cases < G.min_cases, {color: "#bbbbbb", size: 9}],
      ["待核对", (it) => it.x.doubted || it.f.doubted, {color: "#e67e22", size: 9, symbol: "circle-open"}]];
    const traces = groups.map(([name, test, marker]) => {
      const list = items.filter(test);
      return {type: "scatter", mode: "markers", name: name, x: list.map((it) => it.x.v), y: list.map((it) => it.f.v),
        customdata: list.map((it) => it.r.review), hoverinfo: "text", marker: marker,
        text: list.map((it) => point(it.r, {doubted: it.x.doubted || it.f.doubted},
          `新收 ${num(it.x.v)}，纠错率 ${pct(it.f.v)}（${it.f.n}/${it.f.cases}）`))};
    });
    const div = $("chart-scatter");
    Plotly.react(div, traces, {margin: {t: 20}, xaxis: {title: "本年新收申请（件）"},
      yaxis: {title: "纠错率（复议＋诉讼）", tickformat: ".0%"}}, config)
      .then(() => { clickable(div); drawn(div, items.length); });
  }

  function heat(rs) {
    const by = new Map();
    for (const r of rs) if (r.key !== NONE) (by.get(r.key) || by.set(r.key, []).get(r.key)).push(r);
    const cols = DATA.classes;
    const rows = [...by.values()].map((list) => {
      const sums = Object.fromEntries(cols.map(([c]) => [c, list.reduce((s, r) => s + r.checks[c], 0)]));
      const last = list.slice().sort((a, b) => (b.year || 0) - (a.year || 0))[0];
      return {body: list[0].body, key: list[0].key, sums: sums, toCheck: list.reduce((s, r) => s + r.to_check, 0),
        total: Object.values(sums).reduce((a, b) => a + b, 0), review: last.review};
    }).sort((a, b) => b.total - a.total || a.body.localeCompare(b.body, "zh"));
    const max = Math.max(1, ...rows.flatMap((r) => Object.values(r.sums)));
    const cell = (n, c) => `<td data-class="${c}" data-count="${n}" style="background: rgba(192,57,43,${(n / max * 0.85).toFixed(2)})">${n}</td>`;
    $("heat").innerHTML = `<table class="heat"><thead><tr><th>机关</th>${cols.map(([, name]) => `<th>${name}</th>`).join("")}` +
      `<th>待核对</th></tr></thead><tbody>` + rows.map((r) => `<tr data-body="${esc(r.key)}"><td class="body">` +
      (r.review ? `<a href="${esc(r.review)}">${esc(r.body)}</a>` : esc(r.body)) + "</td>" +
      cols.map(([c]) => cell(r.sums[c], c)).join("") + `<td data-class="to_check">${r.toCheck}</td></tr>`).join("") + "</tbody></table>";
  }

  function notes() {
    const parts = [];
    if (DATA.merges.length) parts.push("<h2>同一机关的不同名称（已合并）</h2><ul>" +
      DATA.merges.map(([b, v]) => `<li>${esc(b)}：${v.map(esc).join("、")}</li>`).join("") + "</ul>");
    if (DATA.unidentified.length) parts.push("<h2>未识别机关的报告</h2><ul>" +
      DATA.unidentified.map((u) => `<li data-unidentified="${esc(u.id)}">${esc(u.source)}</li>`).join("") + "</ul>");
    $("bodies-note").innerHTML = parts.join("");
  }

  function render() {
    const rs = chosen(true);
    kpis(rs);
    series(chosen(false));
    distribution(rs);
    scatterPlot(rs);
    heat(rs);
  }
  for (const id of ["f-year", "f-level", "f-kind"]) $(id).addEventListener("change", render);
  $("series-measure").addEventListener("change", () => series(chosen(false)));
  $("dist-measure").addEventListener("change", () => distribution(chosen(true)));
  notes();
  render();
})();
