/** The console's styles: system fonts only (nothing to fetch), light and dark, readable at 1280 px and phone width. */
export const CONSOLE_STYLESHEET = `
:root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.45; --accent: #1f5fbf; --muted: light-dark(#595959, #b3b3b3); }
* { box-sizing: border-box; }
.skip { position: absolute; left: .5rem; top: -3rem; padding: .4rem .75rem; background: Canvas; z-index: 10; }
.skip:focus { top: .5rem; }
body { margin: 0; background: Canvas; color: CanvasText; }
.bar { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .6rem 1.25rem; border-bottom: 1px solid color-mix(in srgb, CanvasText 15%, Canvas); }
.brand { font-weight: 700; text-decoration: none; color: inherit; }
.sections { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin-right: auto; }
#account { display: flex; gap: .5rem; align-items: center; }
#account form { margin: 0; }
.once { border-left: 4px solid #9a6700; padding: .5rem .75rem; overflow-wrap: anywhere; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.25rem 3rem; }
main:focus { outline: none; }
/* While a page loads: a moving line, only after 300 ms so quick pages do not flash it. */
main[aria-busy="true"] { cursor: progress; }
main[aria-busy="true"]::before { content: ""; display: block; height: 3px; margin-bottom: .5rem; visibility: hidden; background: linear-gradient(90deg, transparent 30%, var(--accent) 50%, transparent 70%); background-size: 300% 100%; animation: busy 1.2s linear .3s infinite; }
@keyframes busy { from { visibility: visible; background-position: 100% 0; } to { visibility: visible; background-position: 0 0; } }
@media (prefers-reduced-motion: reduce) { main[aria-busy="true"]::before { animation: none; visibility: visible; background: var(--accent); opacity: .4; } }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
a { color: var(--accent); }
.muted { color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; }
.filters label { display: grid; gap: .2rem; font-size: .9rem; font-weight: 600; }
.filters .field { display: grid; gap: .2rem; }
input, select, button { font: inherit; padding: .4rem .55rem; border: 1px solid GrayText; border-radius: .25rem; background: Field; color: FieldText; }
button { white-space: nowrap; background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
table { width: 100%; border-collapse: collapse; }
th, td { overflow-wrap: break-word; text-align: left; padding: .45rem .5rem; border-bottom: 1px solid color-mix(in srgb, CanvasText 12%, Canvas); vertical-align: top; }
th { font-size: .85rem; color: var(--muted); }
.group { margin-top: 1.25rem; }
.tabs { display: flex; gap: 1rem; margin-bottom: 1rem; border-bottom: 1px solid color-mix(in srgb, CanvasText 15%, Canvas); }
.tabs a { padding: .4rem 0; text-decoration: none; }
.tabs a[aria-current="page"] { border-bottom: 3px solid var(--accent); font-weight: 600; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 1rem; font-size: .85rem; border: 1px solid currentColor; }
.badge.succeeded { color: #1a7f37; } .badge.failed { color: #b00020; } .badge.running, .badge.in-progress { color: #9a6700; }
.secret { font-style: italic; color: var(--muted); }
pre.log { background: color-mix(in srgb, CanvasText 6%, Canvas); padding: .75rem; border-radius: .25rem; overflow-x: auto; max-height: 60vh; white-space: pre-wrap; font-size: .85rem; }
.log .error { color: #b00020; } .log .warning { color: #9a6700; }
ol.timeline { list-style: none; padding: 0; display: grid; gap: .25rem; }
ol.timeline li { display: grid; grid-template-columns: minmax(8rem, 14rem) 6rem 1fr 6rem; align-items: center; gap: .5rem; }
.timeline-track { display: block; background: color-mix(in srgb, CanvasText 6%, Canvas); height: .8rem; border-radius: .2rem; }
.timeline-bar { display: block; height: 100%; border-radius: .2rem; background: var(--accent); }
.timeline-bar.delete, .timeline-bar.failed { background: #b00020; } .timeline-bar.same { background: var(--muted); }
figure.chart-figure { margin: 1rem 0; } svg.chart { width: 100%; max-width: 40rem; height: auto; display: block; }
svg.chart rect { fill: var(--accent); } svg.chart .series-failed { fill: #b00020; } svg.chart .series-cancelled, svg.chart .series-not-started { fill: var(--muted); } svg.chart .series-in-progress { fill: #9a6700; } svg.chart .series-succeeded { fill: #1a7f37; }
svg.chart .axis { stroke: currentColor; } svg.chart .axis-label { fill: currentColor; font-size: 11px; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .3rem 1rem; }
dl.facts dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
dl.facts dt { font-weight: 600; }
.alert { border-left: 4px solid #b00020; padding: .5rem .75rem; }
.notice { border-left: 4px solid #1a7f37; padding: .5rem .75rem; }
button[aria-label^="Remove"], button[aria-label^="Delete the role"] { background: transparent; color: #b00020; border-color: currentColor; }
ul.tree { list-style: none; padding-left: 1.25rem; margin: .25rem 0; border-left: 1px solid color-mix(in srgb, CanvasText 15%, Canvas); }
ul.tree.root { padding-left: 0; border-left: 0; }
ul.tree summary { cursor: pointer; padding: .2rem 0; overflow-wrap: anywhere; }
.resource-name { font-weight: 600; }
pre.props { background: color-mix(in srgb, CanvasText 6%, Canvas); padding: .5rem; border-radius: .25rem; overflow-x: auto; font-size: .85rem; white-space: pre-wrap; overflow-wrap: anywhere; }
h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
tr.refused td { color: #b00020; }
.confirm { border-left: 4px solid #b00020; padding: .5rem .75rem; margin: .5rem 0; }
button.danger { background: #b00020; color: #fff; border-color: #b00020; }
ul.scopes { margin: 0; padding-left: 1rem; font-size: .9rem; }
fieldset.scope-group { border: 1px solid color-mix(in srgb, CanvasText 15%, Canvas); margin: .5rem 0; }
.check { padding: .1rem 0; overflow-wrap: anywhere; }
textarea#idp-metadata-xml { width: 100%; font-family: monospace; font-size: .85rem; box-sizing: border-box; }
.phone-only { display: none; }
@media (max-width: 40rem) {
  main { padding: .75rem; }
  .bar { flex-wrap: wrap; padding: .5rem .75rem; }
  table.stacks thead { display: none; }
  table.stacks tr { display: grid; padding: .4rem 0; border-bottom: 1px solid color-mix(in srgb, CanvasText 12%, Canvas); }
  table.stacks td { border: 0; padding: .1rem 0; }
  .phone-only { display: inline; }
  /* Wide tables scroll inside themselves, never the page (the stacks list turns into cards above). */
  main table:not(.stacks) { display: block; overflow-x: auto; }
  .filters .field, .filters label { width: 100%; }
  .filters select, .filters input { max-width: 100%; }
  dl.facts { grid-template-columns: minmax(0, 1fr); }
  main input, main select, main textarea { max-width: 100%; }
}
`;
