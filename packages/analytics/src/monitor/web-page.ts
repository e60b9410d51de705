// The monitor's page: one self-contained HTML document that subscribes to /events (Server-Sent
// Events) and redraws on every update. No library, nothing fetched but its own endpoint.

const SCRIPT = `
(function(){
var updates=0;
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return '&#'+c.charCodeAt(0)+';';});}
function num(s){return Number(s);}
function cls(s){return String(s).charAt(0)==='-'?'neg':(String(s)==='0'?'':'pos');}
function spark(h){
  if(!h||h.length<2)return '';
  var w=220,ht=40,xs=h.map(function(p){return p[0];}),ys=h.map(function(p){return p[1];});
  var x0=Math.min.apply(null,xs),x1=Math.max.apply(null,xs),y0=Math.min.apply(null,ys),y1=Math.max.apply(null,ys);
  if(x1===x0)x1=x0+1;if(y1===y0){y1=y0+1;}
  var d=h.map(function(p,i){return (i?'L':'M')+((p[0]-x0)/(x1-x0)*w).toFixed(1)+','+(ht-(p[1]-y0)/(y1-y0)*ht).toFixed(1);}).join(' ');
  return '<svg class="spark" viewBox="0 0 '+w+' '+ht+'" width="'+w+'" height="'+ht+'"><path d="'+d+'" fill="none" stroke="#2563eb" stroke-width="1.5"/></svg>';
}
function table(head,rows){
  return '<table><thead><tr>'+head.map(function(h){return '<th>'+esc(h)+'</th>';}).join('')+'</tr></thead><tbody>'+
    rows.map(function(r){return '<tr>'+r.map(function(c){return '<td>'+c+'</td>';}).join('')+'</tr>';}).join('')+'</tbody></table>';
}
function render(s){
  updates++;
  document.body.setAttribute('data-updates',String(updates));
  document.getElementById('meta').textContent=new Date(s.updatedMs||Date.now()).toISOString()+' · '+s.records+' records';
  document.getElementById('alerts').innerHTML=s.alerts.length===0?'<p class="ok">No alerts (near = '+Math.round(s.nearFraction*100)+'% of a limit).</p>':
    s.alerts.map(function(a){return '<div class="alert '+a.level+'"><b>'+esc(a.level)+'</b> '+esc(a.message)+'</div>';}).join('');
  document.getElementById('strategies').innerHTML=s.strategies.map(function(x){
    return '<div class="card"><h3>'+esc(x.strategy)+'</h3><div class="big '+cls(x.totalPnl)+'">'+esc(x.totalPnl)+' '+esc(x.currency)+'</div>'+spark(x.history)+
      '<dl><dt>realized</dt><dd>'+esc(x.realizedPnl)+'</dd><dt>unrealized</dt><dd>'+esc(x.unrealizedPnl)+'</dd><dt>drawdown</dt><dd>'+esc(x.drawdown)+
      '</dd><dt>exposure</dt><dd>'+esc(x.grossExposure)+'</dd><dt>fees</dt><dd>'+esc(x.fees)+'</dd><dt>orders/s</dt><dd>'+x.ordersPerSecond.toFixed(1)+
      '</dd><dt>orders · fills</dt><dd>'+x.orders+' · '+x.fills+'</dd></dl></div>';
  }).join('')||'<p>No performance records yet.</p>';
  document.getElementById('risk').innerHTML=table(['account','state','gross exposure','net exposure','daily PnL','reason'],
    s.risk.map(function(r){return [esc(r.account||'(global)'),esc(r.tradingState),esc(r.grossExposure),esc(r.netExposure),'<span class="'+cls(r.dailyPnl)+'">'+esc(r.dailyPnl)+'</span>',esc(r.reason)];}));
  document.getElementById('positions').innerHTML=table(['strategy','account','instrument','position','mark','unrealized'],
    s.positions.map(function(p){return [esc(p.strategy),esc(p.account),esc(p.instrument),esc(p.quantity),esc(p.mark),'<span class="'+cls(p.unrealizedPnl)+'">'+esc(p.unrealizedPnl)+'</span>'];}));
}
var es=new EventSource('events');
es.addEventListener('state',function(e){render(JSON.parse(e.data));document.getElementById('conn').textContent='live';});
es.onerror=function(){document.getElementById('conn').textContent='reconnecting…';};
})();
`;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f9fafb;color:#111827}main{max-width:1100px;margin:0 auto;padding:20px}
h1{font-size:20px;margin:0}h2{font-size:15px;margin:20px 0 6px}.sub{color:#6b7280}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:10px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 12px}.card h3{margin:0 0 4px;font-size:14px}
.big{font-size:22px;font-weight:600}.pos{color:#15803d}.neg{color:#b91c1c}
dl{display:grid;grid-template-columns:auto 1fr;gap:0 10px;margin:6px 0 0;font-size:12px}dt{color:#6b7280}dd{margin:0;text-align:right}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e5e7eb;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
.alert{padding:6px 10px;border-radius:6px;margin:4px 0}.alert.near{background:#fef3c7}.alert.breach{background:#fee2e2}.ok{color:#15803d}
`;

export function monitorPage(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title.replace(/[<>&]/g, "")}</title><style>${STYLE}</style></head>
<body data-updates="0"><main>
<h1>${title.replace(/[<>&]/g, "")}</h1><p class="sub"><span id="conn">connecting…</span> · <span id="meta"></span></p>
<h2>Alerts</h2><div id="alerts"></div>
<h2>Strategies</h2><div class="cards" id="strategies"></div>
<h2>Risk</h2><div id="risk"></div>
<h2>Positions</h2><div id="positions"></div>
</main><script>${SCRIPT}</script></body></html>
`;
}
