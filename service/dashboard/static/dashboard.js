// Readiness dashboard: the little the pages need beyond HTML. Every page works without it; with it,
// a running assessment updates live, an oversized upload is refused before it is sent, and a form that
// came back with errors puts the keyboard focus on their summary.
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg"; // the SVG namespace's name, not a URL that is fetched
  const COLOURS = { train: "#0072B2", validation: "#D55E00" }; // as workers/report/charts.py draws them

  // ---------------------------------------------------------------- live progress of an assessment

  function niceStep(range) {
    const raw = range / 5;
    const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    const factor = [1, 2, 5, 10].find((m) => raw / magnitude <= m * 1.5) || 10;
    return factor * magnitude;
  }

  function el(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // The deep model's loss per epoch, redrawn from the epochs seen so far (a poll may miss some).
  function drawLossChart(box, epochs) {
    const width = 640, height = 300, left = 64, right = width - 20, top = 40, bottom = height - 70;
    const points = [...epochs.values()].sort((a, b) => a.epoch - b.epoch);
    const svg = el("svg", {
      class: "chart", role: "img", viewBox: `0 0 ${width} ${height}`, width, height,
      "font-family": "system-ui, sans-serif", "font-size": 13, "data-chart": "live-loss",
    });
    svg.appendChild(el("rect", { width, height, fill: "#ffffff" }));
    svg.appendChild(el("text", { x: width / 2, y: 22, "text-anchor": "middle", "font-weight": 600, "font-size": 15 },
      "Loss per epoch (live)"));
    const series = [["train", "train_loss", "training loss"], ["validation", "val_loss", "validation loss"]];
    const values = points.flatMap((p) => series.map(([, key]) => p[key])).filter((v) => Number.isFinite(v));
    if (!values.length) {
      svg.appendChild(el("text", { x: width / 2, y: (top + bottom) / 2, "text-anchor": "middle", fill: "#444", "font-style": "italic" },
        "The loss curve appears when the deep model starts training."));
      svg.setAttribute("aria-label", "Loss per epoch: no epoch finished yet.");
      box.replaceChildren(svg);
      return;
    }
    const lastEpoch = Math.max(2, ...points.map((p) => p.epoch));
    const step = niceStep(Math.max(...values) || 1);
    const yMax = Math.ceil(Math.max(...values) / step) * step || 1;
    const px = (epoch) => left + ((epoch - 1) / (lastEpoch - 1)) * (right - left);
    const py = (loss) => bottom - (Math.min(Math.max(loss, 0), yMax) / yMax) * (bottom - top);

    const axes = el("g", { class: "axes" });
    for (let tick = 0; tick <= yMax + step / 2; tick += step) {
      axes.appendChild(el("line", { x1: left, x2: right, y1: py(tick), y2: py(tick), stroke: "#e6e6e6" }));
      axes.appendChild(el("text", { x: left - 6, y: py(tick) + 4, "text-anchor": "end", fill: "#444" }, +tick.toPrecision(3)));
    }
    const xStep = Math.max(1, Math.round(niceStep(lastEpoch - 1)));
    for (let epoch = 1; epoch <= lastEpoch; epoch += xStep) {
      axes.appendChild(el("text", { x: px(epoch), y: bottom + 17, "text-anchor": "middle", fill: "#444" }, epoch));
    }
    axes.appendChild(el("path", { d: `M${left},${top} V${bottom} H${right}`, fill: "none", stroke: "#444" }));
    axes.appendChild(el("text", { x: (left + right) / 2, y: bottom + 36, "text-anchor": "middle" }, "epoch"));
    axes.appendChild(el("text", { x: 16, y: (top + bottom) / 2, "text-anchor": "middle", transform: `rotate(-90 16 ${(top + bottom) / 2})` }, "loss"));
    svg.appendChild(axes);

    const words = [];
    series.forEach(([name, key, label], i) => {
      const drawn = points.filter((p) => Number.isFinite(p[key]));
      const d = drawn.map((p, j) => `${j ? "L" : "M"}${px(p.epoch).toFixed(1)},${py(p[key]).toFixed(1)}`).join(" ");
      svg.appendChild(el("path", {
        class: "series", "data-series": name, d, fill: "none", stroke: COLOURS[name],
        "stroke-width": 2, "stroke-linejoin": "round", "stroke-linecap": "round",
      }));
      const dots = el("g", { class: "points", "data-series": name, fill: COLOURS[name] });
      for (const p of drawn) dots.appendChild(el("circle", { cx: px(p.epoch).toFixed(1), cy: py(p[key]).toFixed(1), r: 2.5 }));
      svg.appendChild(dots);
      const x = left + i * 170, y = height - 14;
      svg.appendChild(el("line", { x1: x, x2: x + 24, y1: y - 4, y2: y - 4, stroke: COLOURS[name], "stroke-width": 3 }));
      svg.appendChild(el("text", { x: x + 30, y }, label));
      if (drawn.length) words.push(`${label} ${(+drawn[drawn.length - 1][key]).toPrecision(3)}`);
    });
    svg.setAttribute("aria-label", `Loss per epoch, ${points.length} epochs so far, latest epoch ${points[points.length - 1].epoch}: ${words.join(", ")}.`);
    box.replaceChildren(svg);
  }

  function startLiveProgress(section) {
    const every = Number(section.dataset.pollMs) || 1000;
    const box = section.querySelector("[data-live-chart]");
    const epochs = new Map();
    let model = null;  // the deep models train one after the other, each from epoch 1: one curve at a time
    const remember = (epoch) => {
      if (!epoch || !Number.isInteger(epoch.epoch)) return;
      if (epoch.model && epoch.model !== model) { epochs.clear(); model = epoch.model; }
      epochs.set(epoch.epoch, epoch);
    };
    remember(JSON.parse(box.dataset.epoch || "null"));
    drawLossChart(box, epochs);

    const text = (selector, value) => {
      const node = section.querySelector(selector);
      if (node && node.textContent !== value) node.textContent = value; // unchanged text: no announcement
    };

    function show(state) {
      const badge = document.querySelector("[data-live-status] .badge");
      if (badge) {
        badge.className = `badge status-${state.status}`;
        badge.textContent = state.cancel_requested ? `${state.status}, cancelling` : state.status;
      }
      text("[data-live-stage]", state.stage_title);
      text("[data-live-cancel]", state.cancel_requested ? " — cancel requested; it stops at the next batch" : "");
      text("[data-live-detail]", state.text || "\u00a0");
      text("[data-live-time]", state.time_text || "\u00a0"); // elapsed and ETA, outside the aria-live status
      text("[data-live-percent]", state.overall_text);
      const bar = section.querySelector("[data-live-bar]");
      if (bar) bar.value = state.overall;
      for (const stage of state.stages) {
        const item = section.querySelector(`[data-stage="${stage.key}"]`);
        if (!item) continue;
        item.className = `stage state-${stage.state}`;
        const hidden = item.querySelector("[data-stage-state]");
        if (hidden) hidden.textContent = `: ${stage.state}`;
      }
      if (state.cancel_requested) section.querySelectorAll(".cancel-form button").forEach((b) => { b.disabled = true; });
      const before = epochs.size;
      remember(state.epoch);
      if (epochs.size !== before || state.epoch) drawLossChart(box, epochs);
    }

    async function poll() {
      try {
        const answer = await fetch(section.dataset.url, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" });
        if (answer.redirected || answer.status === 401) { window.location.reload(); return; } // signed out
        if (answer.ok) {
          const state = await answer.json();
          if (state.finished) { window.location.reload(); return; } // the server renders the results
          show(state);
        }
      } catch (error) {
        // A dropped connection or a restarting server: try again at the next tick.
      }
      window.setTimeout(poll, every);
    }
    window.setTimeout(poll, every);
  }

  // ---------------------------------------------------------------- forms

  function guardUploadSize(form) {
    form.addEventListener("submit", (event) => {
      const input = form.querySelector('input[type="file"]');
      const message = form.querySelector("[data-client-error]");
      const limit = Number(form.dataset.maxBytes);
      const file = input && input.files && input.files[0];
      if (file && limit && file.size > limit) {
        event.preventDefault();
        message.textContent = `${file.name} is ${(file.size / 1048576).toFixed(1)} MB, larger than the upload limit of ` +
          `${form.dataset.maxMb} MB (READINESS_MAX_UPLOAD_MB). Upload a sample of the rows, or raise the limit.`;
        message.hidden = false;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", `${input.getAttribute("aria-describedby") || ""} ${message.id}`.trim());
        input.focus();
        return;
      }
      message.hidden = true;
      const button = form.querySelector('button[type="submit"]');
      if (button) { button.textContent = "Uploading and checking…"; button.setAttribute("aria-disabled", "true"); }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-live-progress]").forEach(startLiveProgress);
    document.querySelectorAll("form[data-upload-form]").forEach(guardUploadSize);
    const summary = document.getElementById("form-errors");
    if (summary) summary.focus();
  });
})();
