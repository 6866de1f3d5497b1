// Built from js/entries/plotly_loader.js by tools/build_js.py: edit the source, not this file.
function r(){let t=globalThis.__xpPlotlyReady;return t||(t={started:!1},t.promise=new Promise((l,e)=>Object.assign(t,{resolve:l,reject:e})),globalThis.__xpPlotlyReady=t),t}var s=`const __xpPrev = globalThis.Plotly;
`,i=`
;globalThis.__xpPlotly = globalThis.Plotly;
if (__xpPrev) globalThis.Plotly = __xpPrev;
`,y={initialize({model:t}){let l=r();if(l.started)return;l.started=!0,performance.mark("xp-plotly-start");let e=[s,t.get("source"),i],o=URL.createObjectURL(new Blob(e,{type:"text/javascript"}));import(o).then(()=>{if(performance.mark("xp-plotly-ready"),!globalThis.__xpPlotly)throw new Error("plotly.js did not define Plotly");l.resolve(globalThis.__xpPlotly)}).catch(a=>{globalThis.__xpPlotlyReady=void 0,l.reject(a)}).finally(()=>URL.revokeObjectURL(o))}};export{y as default};
