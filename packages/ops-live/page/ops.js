// The live operations page's client: fetches a live token, opens the WebSocket, keeps the points it
// receives and redraws the figures, tables and sparklines. Plain browser JavaScript, no build step.
//
// Charts are hand-drawn SVG polylines: every chart here is a sparkline of at most a few hundred
// points, which needs twenty lines of code, not a charting library to vendor and serve offline.
/* global document, location, WebSocket, fetch, setTimeout, setInterval */

const base = document.body.dataset.base ?? '/ops';
const MAX_POINTS = 300;
/** @type {any[]} */
let points = [];
let intervalMs = 1000;
let lastPointAt = 0;
let retries = 0;

const $ = (testid, root = document) => root.querySelector(`[data-testid="${testid}"]`);

function setText(testid, text, root = document) {
  const el = $(testid, root);
  if (el && el.textContent !== text) el.textContent = text;
}

function setStatus(state) {
  const el = $('ops-status');
  el.dataset.state = state;
  el.textContent = state;
}

const fmt = {
  seconds(v) {
    if (v === null || v === undefined) return '—';
    if (v < 1) return `${(v * 1000).toFixed(v < 0.01 ? 1 : 0)} ms`;
    return `${v.toFixed(v < 10 ? 2 : 1)} s`;
  },
  rate(v) {
    if (v === null || v === undefined) return '—';
    return v.toFixed(v < 10 ? 2 : 1);
  },
  ratio(v) {
    if (v === null || v === undefined) return '—';
    return `${(v * 100).toFixed(1)} %`;
  },
  span(s) {
    return s >= 1 ? `${Math.round(s)} s` : '—';
  },
};

const SVG = 'http://www.w3.org/2000/svg';

/** Redraws a sparkline: one polyline per run of non-null values, scaled to the largest value. */
function spark(svg, values) {
  while (svg.firstChild) svg.firstChild.remove();
  const max = Math.max(0, ...values.filter((v) => v !== null));
  const n = values.length;
  if (n < 2) return;
  const x = (i) => ((i / (n - 1)) * 300).toFixed(1);
  const y = (v) => (max > 0 ? 38 - (v / max) * 36 : 38).toFixed(1);
  let run = [];
  const flush = () => {
    if (run.length > 1) {
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', run.join(' '));
      svg.appendChild(line);
    }
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null || v === undefined) flush();
    else run.push(`${x(i)},${y(v)}`);
  });
  flush();
  const title = document.createElementNS(SVG, 'title');
  title.textContent = `max ${max.toPrecision(3)}`;
  svg.appendChild(title);
}

function cell(row, testid, text, cls) {
  let td = $(testid, row);
  if (!td) {
    td = document.createElement('td');
    td.dataset.testid = testid;
    if (cls) td.className = cls;
    row.appendChild(td);
  }
  if (td.textContent !== text) td.textContent = text;
  return td;
}

function sparkCell(row, testid, values) {
  let td = $(testid, row);
  if (!td) {
    td = document.createElement('td');
    td.dataset.testid = testid;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('viewBox', '0 0 300 40');
    svg.setAttribute('preserveAspectRatio', 'none');
    td.appendChild(svg);
    row.appendChild(td);
  }
  spark(td.firstChild, values);
}

/** Keeps one row per key in a table body, in the given order, removing rows whose key is gone. */
function rows(tbody, items, key, draw) {
  const existing = new Map([...tbody.children].map((tr) => [tr.dataset.key, tr]));
  for (const item of items) {
    let tr = existing.get(key(item));
    existing.delete(key(item));
    if (!tr) {
      tr = document.createElement('tr');
      tr.dataset.key = key(item);
    }
    draw(tr, item);
    tbody.appendChild(tr); // appending an attached row moves it: the order follows `items`
  }
  for (const tr of existing.values()) tr.remove();
}

function render() {
  const p = points.at(-1);
  if (!p) return;
  setText('ops-updated', new Date(p.t).toLocaleTimeString());
  setText('rate-window', fmt.span(p.rateWindowSeconds));
  setText('percentile-window', fmt.span(p.percentileWindowSeconds));
  const byComponent = {};
  for (const proc of p.processes) byComponent[proc.component] = (byComponent[proc.component] ?? 0) + 1;
  setText(
    'ops-processes',
    Object.entries(byComponent)
      .map(([c, n]) => `${n} × ${c}`)
      .join(' · ') || 'no process reporting',
  );

  setText('runs-per-second', fmt.rate(p.runs.perSecond));
  setText('runs-cancelled', fmt.rate(p.runs.cancelledPerSecond));
  setText('run-error-rate', fmt.ratio(p.runs.errorRate));
  setText('ttfe-p50', fmt.seconds(p.ttfe.p50));
  setText('ttfe-p95', fmt.seconds(p.ttfe.p95));
  setText('ttfe-p99', fmt.seconds(p.ttfe.p99));
  setText('ingest-p50', fmt.seconds(p.ingest.latency.p50));
  setText('ingest-p95', fmt.seconds(p.ingest.latency.p95));
  setText('ingest-per-second', fmt.rate(p.ingest.perSecond));
  setText('ingest-error-rate', fmt.ratio(p.ingest.errorRate));
  setText('ingest-rejects', fmt.rate(p.ingest.rejectsPerSecond));

  spark(
    $('runs-chart'),
    points.map((q) => q.runs.perSecond),
  );
  spark(
    $('errors-chart'),
    points.map((q) => q.runs.errorRate),
  );
  spark(
    $('ttfe-chart'),
    points.map((q) => q.ttfe.p95),
  );
  spark(
    $('ingest-chart'),
    points.map((q) => q.ingest.latency.p95),
  );

  const queueSeries = (name, f) =>
    points.map((q) => {
      const found = q.queues.find((x) => x.name === name);
      return found ? f(found) : null;
    });
  rows(
    $('queues').tBodies[0],
    p.queues,
    (q) => q.name,
    (tr, q) => {
      const id = `queue-${q.name}`;
      tr.dataset.testid = id;
      cell(tr, `${id}-name`, q.name, 'text');
      for (const state of ['waiting', 'prioritized', 'delayed', 'active', 'failed']) cell(tr, `${id}-${state}`, String(q.jobs[state]));
      cell(tr, `${id}-workers`, String(q.workers));
      cell(tr, `${id}-finished`, fmt.rate(q.finishedPerSecond));
      cell(tr, `${id}-wait-p50`, fmt.seconds(q.wait.p50));
      cell(tr, `${id}-wait-p95`, fmt.seconds(q.wait.p95));
      cell(tr, `${id}-wait-p99`, fmt.seconds(q.wait.p99));
      sparkCell(
        tr,
        `${id}-depth-chart`,
        queueSeries(q.name, (x) => x.jobs.waiting + x.jobs.prioritized + x.jobs.active),
      );
      sparkCell(
        tr,
        `${id}-wait-chart`,
        queueSeries(q.name, (x) => x.wait.p95),
      );
    },
  );

  rows(
    $('processes').tBodies[0],
    p.processes,
    (x) => x.id,
    (tr, x) => {
      tr.dataset.testid = 'process';
      tr.dataset.component = x.component;
      tr.dataset.processId = x.id;
      cell(tr, 'process-id', x.id, 'text');
      cell(tr, 'process-component', x.component, 'text');
      cell(tr, 'process-queue', x.queue ?? '—', 'text');
      const worker = x.active !== undefined;
      const td = cell(tr, 'process-active', worker ? `${x.active} / ${x.concurrency}` : '—');
      td.dataset.active = worker ? String(x.active) : '';
      let bar = $('process-load', tr);
      if (!bar) {
        bar = document.createElement('td');
        bar.dataset.testid = 'process-load';
        bar.innerHTML = '<div class="bar"><span></span></div>';
        tr.appendChild(bar);
      }
      bar.querySelector('span').style.width = worker && x.concurrency > 0 ? `${Math.min(100, (100 * x.active) / x.concurrency)}%` : '0';
    },
  );
}

async function connect() {
  let token;
  try {
    const res = await fetch(`${base}/live-token`, { credentials: 'same-origin', cache: 'no-store' });
    if (res.status === 401 || res.status === 403) {
      setStatus('unauthorized');
      return;
    }
    if (!res.ok) throw new Error(`live token: ${res.status}`);
    token = (await res.json()).token;
  } catch {
    return reconnectLater();
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}${base}/live?token=${encodeURIComponent(token)}`);
  ws.onopen = () => {
    retries = 0;
  };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === 'history') {
      intervalMs = msg.intervalMs;
      points = msg.points.slice(-MAX_POINTS);
    } else if (msg.type === 'point') {
      points.push(msg.point);
      if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
    }
    lastPointAt = Date.now();
    setStatus('live');
    render();
  };
  ws.onclose = () => reconnectLater();
}

function reconnectLater() {
  setStatus('reconnecting');
  const delay = Math.min(5000, 500 * 2 ** retries++);
  setTimeout(connect, delay);
}

// A socket can stay open while its gateway's hub cannot read Redis: say so instead of showing old numbers as live.
setInterval(() => {
  const state = $('ops-status').dataset.state;
  if (state === 'live' && Date.now() - lastPointAt > 3 * intervalMs) setStatus('stale');
}, 1000);

connect();
