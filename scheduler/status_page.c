/* status_page.c - GET /: the operator's page. One self-contained HTML
 * document (inline style and script, charts as inline SVG, no external
 * asset: the Content-Security-Policy forbids any), which polls the JSON
 * routes every 2 s and redraws in place. The token, for the retry and
 * discard buttons, lives only in a variable of the page: never in a
 * cookie or in storage. */
#define _POSIX_C_SOURCE 200809L
#include "status_priv.h"

#include <stdlib.h>
#include <string.h>

static const char PAGE[] =
"<!doctype html><html lang=en><head><meta charset=utf-8><title>stratfarm</title>\n"
"<meta name=viewport content='width=device-width,initial-scale=1'>\n"
"<style>\n"
"body{font:14px system-ui,sans-serif;margin:1em 2em;color:#222;background:#fafafa}\n"
"h1{font-size:20px;margin:0 0 .3em}h2{font-size:16px;margin:1.2em 0 .4em}\n"
"table{border-collapse:collapse;background:#fff}td,th{padding:3px 8px;border-bottom:1px solid #ddd;text-align:left}\n"
"th{background:#eee}.num{text-align:right;font-variant-numeric:tabular-nums}\n"
".bar{width:160px;height:12px;background:#ddd;border-radius:3px;overflow:hidden;display:inline-block}\n"
".bar>i{display:block;height:100%;background:#2a7;transition:width .5s}\n"
".err{color:#b22}.muted{color:#777}.charts{display:flex;gap:2em;flex-wrap:wrap}\n"
"svg{background:#fff;border:1px solid #ddd}button{margin:0 2px}#tok{width:18em}\n"
"</style></head><body>\n"
"<h1>stratfarm <span id=upd class=muted></span></h1>\n"
"<div>token (for actions, kept in this page only): <input id=tok type=password autocomplete=off>\n"
" <span id=msg class=muted></span></div>\n"
"<h2>Queues</h2><table id=queues><thead><tr><th>kind</th><th>lane</th><th class=num>depth</th>"
"<th class=num>running</th><th class=num>oldest s</th><th class=num>done/min (5m)</th>"
"<th class=num>failed/min (5m)</th></tr></thead><tbody></tbody></table>\n"
"<p id=counts></p>\n"
"<h2>Throughput and failures</h2><div class=charts><div>last hour (per minute)<br><svg id=chour width=480 height=140></svg></div>\n"
"<div>last day (per hour)<br><svg id=cday width=480 height=140></svg></div></div>\n"
"<div class=muted>green: succeeded, red: failed or dead</div>\n"
"<h2>Workers</h2><table id=workers><thead><tr><th>worker</th><th class=num>slots</th><th class=num>busy</th>"
"<th>running jobs</th><th class=num>heartbeat s ago</th></tr></thead><tbody></tbody></table>\n"
"<h2>Schedules</h2><p id=leader></p><table id=scheds><thead><tr><th>name</th><th>cron</th><th>zone</th>"
"<th>last fire</th><th>next fire</th><th>last decision</th></tr></thead><tbody></tbody></table>\n"
"<h2>Recent failures</h2><table id=fails><thead><tr><th>job</th><th>kind</th><th>status</th><th>error</th>"
"</tr></thead><tbody></tbody></table>\n"
"<h2>Dead letters <button id=retryall>retry all</button></h2><table id=dead><thead><tr><th>job</th><th>kind</th>"
"<th>reason</th><th>failed at</th><th></th></tr></thead><tbody></tbody></table>\n"
"<script>\n"
"'use strict';\n"
"const $=id=>document.getElementById(id);\n"
"function esc(s){return String(s==null?'':s).replace(/[&<>\"']/g,c=>'&#'+c.charCodeAt(0)+';')}\n"
"function t(ms){return ms?new Date(+ms).toISOString().replace('T',' ').slice(0,19)+'Z':'-'}\n"
"function rows(id,html){$(id).tBodies[0].innerHTML=html.join('')||'<tr><td colspan=9 class=muted>none</td></tr>'}\n"
"async function get(p){const r=await fetch(p,{cache:'no-store'});if(!r.ok)throw new Error(p+': '+r.status);return r.json()}\n"
"function sumSeries(h,outs){const n=(h.series&&Object.values(h.series)[0]||[]).length,a=new Array(n).fill(0);\n"
" for(const[f,v]of Object.entries(h.series||{})){if(outs.includes(f.split('|')[2]))v.forEach((x,i)=>a[i]+=x)}return a}\n"
"function chart(id,h,n){const ok=sumSeries(h,['succeeded']),bad=sumSeries(h,['failed','dead']);\n"
" const W=480,H=140,m=Math.max(1,...ok,...bad),w=W/n;let s='';\n"
" for(let i=0;i<n;i++){const a=(ok[i]||0)/m*(H-20),b=(bad[i]||0)/m*(H-20);\n"
"  s+=`<rect class=ok x=${i*w} y=${H-a} width=${Math.max(1,w-1)} height=${a} fill='#2a7'/>`;\n"
"  if(b)s+=`<rect class=bad x=${i*w} y=${H-b} width=${Math.max(1,w/2)} height=${b} fill='#c33'/>`}\n"
" s+=`<text x=4 y=12 font-size=11 fill='#555'>max ${m}</text>`;$(id).innerHTML=s}\n"
"function queues(st){const per=r=>r&&r['5m']!=null?(r['5m']*60).toFixed(1):'0';\n"
" rows('queues',st.streams.map(s=>`<tr><td>${esc(s.kind)}</td><td>${esc(s.lane)}</td><td class=num>${s.length}</td>`+\n"
"  `<td class=num>${s.pending}</td><td class=num>${(s.oldest_age_ms/1000).toFixed(1)}</td>`+\n"
"  `<td class=num>${per(s.processed_per_s)}</td><td class=num>${per(s.failed_per_s)}</td></tr>`));\n"
" $('counts').textContent=`delayed ${st.delayed} · dead ${st.dead} · workers ${st.workers.length}`}\n"
"function workers(st){rows('workers',st.workers.map(w=>{const jobs=(w.jobs||[]).map(j=>`<div class=job data-id='${esc(j.job)}'>`+\n"
"  `${esc(j.kind)} ${esc((j.job||'').slice(0,13))}… <span class=bar><i style='width:${+j.progress||0}%'></i></span> `+\n"
"  `${+j.progress||0}% ${j.eta_ms!=null?'eta '+Math.round(j.eta_ms/1000)+' s':''} <span class=muted>${esc(j.message)}</span></div>`).join('');\n"
"  return `<tr><td>${esc(w.id)}</td><td class=num>${esc(w.slots)}</td><td class=num>${w.busy||0}</td><td>${jobs}</td>`+\n"
"  `<td class=num>${((st.generated_at-(+w.heartbeat_at))/1000).toFixed(1)}</td></tr>`}))}\n"
"function scheds(st){const l=st.leader;$('leader').textContent=l&&l.holder?'leader: '+l.holder:'no leader';\n"
" rows('scheds',(st.schedules||[]).map(s=>`<tr><td>${esc(s.name)}</td><td>${esc(s.cron)}</td><td>${esc(s.timezone)}</td>`+\n"
"  `<td>${t(s.last_fire)}</td><td>${t(s.next_fire)}</td><td>${esc(s.last_decision)} ${esc(s.last_reason)}</td></tr>`))}\n"
"async function post(path,body){const tok=$('tok').value;if(!tok){$('msg').textContent='enter the token first';return}\n"
" const r=await fetch(path,{method:'POST',headers:{'Authorization':'Bearer '+tok,'Content-Type':'application/json'},body:JSON.stringify(body)});\n"
" const j=await r.json().catch(()=>({}));$('msg').textContent=r.ok?JSON.stringify(j):('error '+r.status+': '+(j.error||''));refresh()}\n"
"function dead(d){rows('dead',d.dead.map(e=>`<tr><td>${esc(e.id)}</td><td>${esc(e.kind)}</td><td>${esc(e.reason)}</td>`+\n"
"  `<td>${t(e.failed_at)}</td><td><button class=retry data-id='${esc(e.id)}'>retry</button>`+\n"
"  `<button class=discard data-id='${esc(e.id)}'>discard</button></td></tr>`))}\n"
"document.addEventListener('click',ev=>{const b=ev.target;if(b.tagName!=='BUTTON')return;\n"
" if(b.id==='retryall')post('/v1/dead/retry',{all:true});\n"
" else if(b.classList.contains('retry'))post('/v1/dead/retry',{id:b.dataset.id});\n"
" else if(b.classList.contains('discard'))post('/v1/dead/discard',{id:b.dataset.id})});\n"
"async function refresh(){try{const[st,h,f,d]=await Promise.all([get('/v1/status'),get('/v1/history'),\n"
"  get('/v1/jobs?status=dead&limit=10'),get('/v1/dead?limit=50')]);\n"
"  queues(st);workers(st);scheds(st);chart('chour',h.hour,60);chart('cday',h.day,24);\n"
"  rows('fails',f.jobs.map(j=>`<tr><td>${esc(j.id)}</td><td>${esc(j.kind)}</td><td>${esc(j.status)}</td><td>${esc(j.error)}</td></tr>`));\n"
"  dead(d);$('upd').textContent='updated '+t(st.generated_at);document.body.dataset.ready='1'}\n"
" catch(e){$('upd').innerHTML='<span class=err>'+esc(e.message)+'</span>'}}\n"
"refresh();setInterval(refresh,2000);\n"
"</script></body></html>\n";

void status_h_page(void *app, const HttpReq *req, HttpResp *resp)
{
    (void)app;
    char *copy = malloc(sizeof PAGE);
    if (!copy) { http_resp_error(resp, 500, "out of memory"); return; }
    memcpy(copy, PAGE, sizeof PAGE);
    http_resp_take(resp, 200, "text/html; charset=utf-8", copy, sizeof PAGE - 1);
    resp->csp_page = 1;
}
