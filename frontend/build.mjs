// Bundle the admin modeler (frontend/modeler-entry.js) into app/static/vendor/onewindow-modeler/
// with esbuild: `node frontend/build.mjs <outdir>` (run by `make frontend`).
//
// The pages' Content-Security-Policy refuses inline style attributes (style-src 'self').
// bpmn-js-properties-panel creates its containers from HTML strings with style="...", which
// Chromium refuses (and reports) on every load; the build drops those attributes (app.css
// gives the containers the same style) and stops if the library no longer holds them, so an
// upgrade cannot bring the violation back unnoticed.
import { readFile } from "node:fs/promises";
import * as esbuild from "esbuild";

const outdir = process.argv[2];
if (!outdir) throw new Error("usage: node frontend/build.mjs <outdir>");

const INLINE_STYLES = [
  ['<div style="height: 100%" tabindex="-1" class="bio-properties-panel-container">',
    '<div tabindex="-1" class="bio-properties-panel-container">'],
  ['<div style="flex: none; height: auto" class="bio-properties-panel bio-theme-parent bio-properties-panel-header-container">',
    '<div class="bio-properties-panel bio-theme-parent bio-properties-panel-header-container">'],
];

const noInlineStyle = {
  name: "no-inline-style",
  setup(build) {
    build.onLoad({ filter: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/ }, async (args) => {
      let source = await readFile(args.path, "utf8");
      for (const [styled, plain] of INLINE_STYLES) {
        if (!source.includes(styled)) {
          throw new Error(`${args.path}: ${styled} is gone; check the CSP fix in build.mjs`);
        }
        source = source.replace(styled, plain);
      }
      return { contents: source, loader: "js" };
    });
  },
};

await esbuild.build({
  entryPoints: ["frontend/modeler-entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "OneWindowModeler",
  target: "es2019",
  legalComments: "linked",
  logLevel: "warning",
  outfile: `${outdir}/onewindow-modeler.js`,
  plugins: [noInlineStyle],
});
