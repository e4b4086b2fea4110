// Risk map: ECharts choropleth with hover details and drill-down province → city → county.
// Data: the page's JSON (same as /risk/map.json); boundaries: /risk/geo/<layer>.json; words in the
// page's language from #risk-text. A user scoped to a city or county starts on their region.
(function () {
  const source = document.getElementById("risk-data");
  if (!source) return;  // no publication yet
  const view = JSON.parse(source.textContent);
  const words = JSON.parse(document.getElementById("risk-text").textContent);
  const zh = words.lang !== "en";
  const text = words.text;
  const names = words.names || {};  // English names of the graded regions and their cities (empty in Chinese)
  const byCode = new Map(view.grades.map((g) => [g.region_code, g]));
  const levels = new Map(view.levels.map((l) => [l.key, l]));
  const chart = echarts.init(document.getElementById("risk-map"));
  const crumbs = document.getElementById("crumbs");
  const NO_DATA = "#e6e6e6";

  function worst(prefix) {  // a province or city takes its most severe county's colour
    let best = null;
    for (const g of view.grades) {
      if (!g.region_code.startsWith(prefix) || g.severity === null) continue;
      if (!best || g.severity > best.severity) best = g;
    }
    return best;
  }

  async function show(layer, prefix, trail) {
    const url = "/risk/geo/" + layer + ".json" + (prefix ? "?prefix=" + prefix : "");
    const geo = await (await fetch(url)).json();
    const name = layer + ":" + prefix;
    echarts.registerMap(name, geo);
    const data = geo.features.map((f) => {
      const code = String(f.properties.adcode);
      const g = byCode.get(code) || (layer === "cn-provinces" ? worst(code.slice(0, 2)) : null);
      return { name: f.properties.name, label: names[code] || f.properties.name, code: code, grade: g,
               itemStyle: { areaColor: g ? g.colour : NO_DATA } };
    });
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          const g = p.data && p.data.grade;
          const shown = (p.data && p.data.label) || p.name;
          if (!g) return shown + "<br>" + text.no_data;
          const lv = levels.get(g.level);
          const label = lv ? (zh ? lv.zh : lv.en) : g.level;
          const score = g.score !== null && g.score !== undefined ? " · " + text.score + " " + g.score : "";
          const index = g.index !== undefined && g.index !== null ? " · " + text.index + " " + Number(g.index).toFixed(2) : "";
          const reasons = (zh ? g.reasons_zh : g.reasons_en).map((r) => "· " + r).join("<br>");
          return "<b>" + shown + "</b> " + label + score + index + "<br>" + reasons;
        },
      },
      series: [{ type: "map", map: name, roam: true, data: data, nameProperty: "name",
                 emphasis: { label: { show: true } }, select: { disabled: true },
                 itemStyle: { borderColor: "#fff", borderWidth: 0.8 } }],
    }, true);
    chart.off("click");
    chart.on("click", (p) => {
      const code = p.data && p.data.code;
      if (!code) return;
      if (layer === "cn-provinces") {
        if (code.startsWith("33")) show("zj-counties-2020", "", [...trail, [p.name, "zj-counties-2020", ""]]);
      } else if (!prefix) {
        const city = code.slice(0, 4);
        const cityName = names[city + "00"] || (view.city_names || {})[city + "00"] || (byCode.get(city + "00") || {}).name || city + "00";
        show("zj-counties-2020", city, [...trail, [cityName, "zj-counties-2020", city]]);
      } else {
        window.location = "/risk/regions/" + code + "?rules=" + encodeURIComponent(view.rule_set);
      }
    });
    crumbs.innerHTML = "";
    trail.forEach(([label, l, pre], i) => {
      const el = document.createElement(i === trail.length - 1 ? "span" : "a");
      el.textContent = label + (i < trail.length - 1 ? " ›" : "");
      if (i < trail.length - 1) {
        el.href = "#";
        el.addEventListener("click", (e) => { e.preventDefault(); show(l, pre, trail.slice(0, i + 1)); });
      }
      crumbs.appendChild(el);
    });
    document.getElementById("risk-map").dataset.layer = name;
  }

  const country = [text.country, "cn-provinces", ""];
  const province = [text.zhejiang, "zj-counties-2020", ""];
  // Open on the user's own region: a city (4 digits) or the city of a county (6 digits).
  const scope = (view.scope_prefix || "").slice(0, 4);
  if (scope.length === 4 && scope.startsWith("33")) {
    const cityName = names[scope + "00"] || (view.city_names || {})[scope + "00"] || scope + "00";
    show("zj-counties-2020", scope, [country, province, [cityName, "zj-counties-2020", scope]]);
  } else {
    show("zj-counties-2020", "", [country, province]);
  }
  window.addEventListener("resize", () => chart.resize());
  window.addEventListener("beforeprint", () => chart.resize());
})();
