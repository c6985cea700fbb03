'use strict';
// tests/bench/bullmq/bench.js - the BullMQ baseline of `make bench`
// (tests/bench/bench_queue.c runs it; prep-bullmq.sh installs bullmq into
// build/bullmq). One Node process is the worker, as one stratfarm-worker
// process is ours; a producer, when there is one, is a second process.
//
//   node bench.js drain N CONCURRENCY       addBulk N jobs, then one Worker drains them
//   node bench.js concurrent N CONCURRENCY  Worker running, producer process adds N meanwhile
//   node bench.js latency N RATE CONCURRENCY  producer paced at RATE jobs/s (queue.add each)
//   node bench.js idle CONCURRENCY          RSS of an idle Worker
//   node bench.js produce N [RATE]          (internal) the producer process
//
// Redis: 127.0.0.1:$SF_TEST_REDIS_PORT (loopback only). Prints one line
// "RESULT {json}" on stdout. Settings chosen for throughput, as BullMQ's
// documentation recommends for many short jobs: addBulk in chunks of 1000,
// removeOnComplete/removeOnFail (no completed-set upkeep), a high worker
// concurrency (given by the caller, who tries several).
const { Queue, Worker } = require('bullmq');
const { fork } = require('child_process');
const fs = require('fs');

const port = Number(process.env.SF_TEST_REDIS_PORT);
if (!port) { console.error('SF_TEST_REDIS_PORT is not set'); process.exit(2); }
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
const QNAME = 'sfbench';
const CHUNK = 1000;
const jobOpts = { removeOnComplete: true, removeOnFail: true };
// The same payload stratfarm's noop jobs carry.
const data = (i) => ({ seq: i });

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const result = (o) => process.stdout.write('RESULT ' + JSON.stringify(o) + '\n');

function rssBytes() {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.memoryUsage().rss;
}

async function freshQueue() {
  const q = new Queue(QNAME, { connection });
  await q.waitUntilReady();
  await q.obliterate({ force: true });
  return q;
}

async function addAll(q, n) {
  for (let i = 0; i < n; i += CHUNK) {
    const jobs = [];
    for (let j = i; j < Math.min(n, i + CHUNK); j++) jobs.push({ name: 'noop', data: data(j), opts: jobOpts });
    await q.addBulk(jobs);
  }
}

// A worker that counts completions and resolves when `n` are done.
function countingWorker(n, concurrency, onStart) {
  let done = 0, first = 0, last = 0, resolve;
  const finished = new Promise((r) => { resolve = r; });
  const w = new Worker(QNAME, async (job) => { if (!first) first = now(); if (onStart) onStart(job); },
    { connection, concurrency, autorun: false, removeOnComplete: { count: 0 }, removeOnFail: { count: 0 } });
  w.on('completed', () => { if (++done === n) { last = now(); resolve(); } });
  w.on('error', (e) => console.error('worker error:', e.message));
  return { w, finished, times: () => ({ first, last }) };
}

async function drain(n, concurrency) {
  const q = await freshQueue();
  const t0 = now();
  await addAll(q, n);
  const enqueueMs = now() - t0;
  const cw = countingWorker(n, concurrency);
  const tw = now();
  cw.w.run();
  await cw.finished;
  const { first, last } = cw.times();
  result({ mode: 'drain', n, concurrency, enqueue_s: enqueueMs / 1000, wall_s: (last - tw) / 1000,
           first_to_last_s: (last - first) / 1000 });
  await cw.w.close(); await q.close();
}

function producer(n, rate) {
  const child = fork(__filename, ['produce', String(n), String(rate || 0)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let startedAt = 0;
    child.on('message', (m) => { if (m.start) startedAt = Date.now(); });
    child.on('exit', (code) => (code === 0 ? resolve(startedAt) : reject(new Error('producer exit ' + code))));
  });
}

async function concurrent(n, concurrency) {
  const q = await freshQueue();
  const cw = countingWorker(n, concurrency);
  cw.w.run();
  await cw.w.waitUntilReady();
  await sleep(200);
  let startWall = 0;
  const prod = producer(n, 0).then((t) => { startWall = t; });
  await cw.finished;
  const endWall = Date.now();
  await prod;
  result({ mode: 'concurrent', n, concurrency, wall_s: (endWall - startWall) / 1000 });
  await cw.w.close(); await q.close();
}

async function latency(n, rate, concurrency) {
  const q = await freshQueue();
  const lat = [];
  // job.timestamp is Date.now() when the producer created the job.
  const cw = countingWorker(n, concurrency, (job) => { lat.push(Date.now() - job.timestamp); });
  cw.w.run();
  await cw.w.waitUntilReady();
  await sleep(200);
  await producer(n, rate);
  await cw.finished;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  const mean = lat.reduce((a, b) => a + b, 0) / lat.length;
  result({ mode: 'latency', n, rate, concurrency, mean_ms: mean, p50_ms: pct(0.5), p99_ms: pct(0.99),
           max_ms: lat[lat.length - 1] });
  await cw.w.close(); await q.close();
}

async function idle(concurrency) {
  const q = await freshQueue();
  const w = new Worker(QNAME, async () => {}, { connection, concurrency });
  await w.waitUntilReady();
  await sleep(1000);
  result({ mode: 'idle', concurrency, rss_bytes: rssBytes() });
  await w.close(); await q.close();
}

async function produce(n, rate) {
  const q = new Queue(QNAME, { connection });
  await q.waitUntilReady();
  process.send({ start: true });
  if (!rate) {
    await addAll(q, n);
  } else {
    // Paced: job i is added at t0 + i/rate, one queue.add each.
    const t0 = now();
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / rate;
      let wait = due - now();
      if (wait > 1) await sleep(wait - 1);
      while (now() < due) { /* the last millisecond, spun */ }
      await q.add('noop', data(i), jobOpts);
    }
  }
  await q.close();
}

async function main() {
  const [mode, a, b, c] = process.argv.slice(2);
  if (mode === 'drain') await drain(Number(a), Number(b));
  else if (mode === 'concurrent') await concurrent(Number(a), Number(b));
  else if (mode === 'latency') await latency(Number(a), Number(b), Number(c));
  else if (mode === 'idle') await idle(Number(a));
  else if (mode === 'produce') await produce(Number(a), Number(b));
  else { console.error('usage: see the header of bench.js'); process.exit(2); }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
