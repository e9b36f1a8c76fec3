// Bundle the admin modeler (frontend/modeler-entry.js) into app/static/vendor/onewindow-modeler/
// with esbuild: `node frontend/build.mjs <outdir>` (run by `make frontend`).
//
// Two kinds of changes to bpmn-js-properties-panel, each an exact string so that the build
// stops if an upgrade moves it (instead of bringing the problem back unnoticed):
// - The pages' Content-Security-Policy refuses inline style attributes (style-src 'self');
//   the panel creates its containers from HTML strings with style="...", which Chromium
//   refuses (and reports) on every load. The attributes go; app.css gives the same style.
// - The name and documentation fields do not hand the diagram's translate function to their text
//   areas, so the pop-up button's title stayed English on Chinese pages.
import { readFile } from "node:fs/promises";
import * as esbuild from "esbuild";

const outdir = process.argv[2];
if (!outdir) throw new Error("usage: node frontend/build.mjs <outdir>");

const PATCHES = [
  ['<div style="height: 100%" tabindex="-1" class="bio-properties-panel-container">',
    '<div tabindex="-1" class="bio-properties-panel-container">'],
  ['<div style="flex: none; height: auto" class="bio-properties-panel bio-theme-parent bio-properties-panel-header-container">',
    '<div class="bio-properties-panel bio-theme-parent bio-properties-panel-header-container">'],
  ["label: translate('Element documentation'),",
    "label: translate('Element documentation'), translate,"],
  ["label: translate('Process documentation'),",
    "label: translate('Process documentation'), translate,"],
  ["    id: 'name',\n    label: translate('Name'),\n    debounce,\n",
    "    id: 'name',\n    label: translate('Name'),\n    debounce,\n    translate,\n"],
];

const patchPanel = {
  name: "patch-properties-panel",
  setup(build) {
    build.onLoad({ filter: /bpmn-js-properties-panel[\\/]dist[\\/]index\.esm\.js$/ }, async (args) => {
      let source = await readFile(args.path, "utf8");
      for (const [before, after] of PATCHES) {
        if (source.split(before).length !== 2) {
          throw new Error(`${args.path}: ${before} is not there once; check build.mjs`);
        }
        source = source.replace(before, after);
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
  plugins: [patchPanel],
});
