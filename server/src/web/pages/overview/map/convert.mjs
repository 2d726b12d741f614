// Converts Natural Earth 1:110m admin-0 countries into `countries.tsv`, the
// overview map's shapes: one line per country, alpha-3 code, English and
// French names, SVG path data.
//
// Sources (npm packages, unpacked with `npm pack NAME@VERSION` and `tar xzf`):
//   world-atlas 2.0.2         Natural Earth 4.1.0 admin-0 countries, 1:110m,
//                             as TopoJSON with ISO 3166-1 numeric ids
//                             (countries-110m.json). Natural Earth is in the
//                             public domain; the packaging is ISC-licensed.
//   i18n-iso-countries 7.14.0 ISO 3166-1 numeric → alpha-3 (codes.json) and
//                             the English and French names (langs/*.json),
//                             MIT-licensed.
//
// Projection: equirectangular, x = longitude + 180, y = 90 - latitude, in
// degrees rounded to one decimal; consecutive repeated points and rings of
// fewer than three points are dropped. Antarctica (010) is left out. The three
// Natural Earth shapes without an ISO code are attached as ISO 3166-1 sees
// them: N. Cyprus to Cyprus, Somaliland to Somalia, Kosovo as XKX.
//
// Usage, from this directory:
//   node convert.mjs path/to/world-atlas/package \
//     path/to/i18n-iso-countries/package > countries.tsv

import { readFileSync } from "node:fs";
import { join } from "node:path";

const [atlasDir, isoDir] = process.argv.slice(2);
if (!atlasDir || !isoDir) {
  console.error("usage: node convert.mjs WORLD_ATLAS_DIR I18N_ISO_COUNTRIES_DIR");
  process.exit(2);
}
const readJson = (...parts) => JSON.parse(readFileSync(join(...parts), "utf8"));
const topology = readJson(atlasDir, "countries-110m.json");
const codes = readJson(isoDir, "codes.json");
const names = {
  en: readJson(isoDir, "langs", "en.json").countries,
  fr: readJson(isoDir, "langs", "fr.json").countries,
};

const ANTARCTICA = "010";
const UNCODED = { "N. Cyprus": "CYP", Somaliland: "SOM", Kosovo: "XKX" };
const KOSOVO = { alpha2: "XK", alpha3: "XKX" };

const byNumeric = new Map(codes.map(([alpha2, alpha3, numeric]) => [numeric, { alpha2, alpha3 }]));

/// The arcs in degrees: TopoJSON stores them quantized and delta-encoded.
function decodeArcs({ arcs, transform }) {
  const [sx, sy] = transform.scale;
  const [tx, ty] = transform.translate;
  return arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([dx, dy]) => {
      x += dx;
      y += dy;
      return [x * sx + tx, y * sy + ty];
    });
  });
}

/// Tenths of a degree in the projection.
const project = ([lon, lat]) => [Math.round((lon + 180) * 10), Math.round((90 - lat) * 10)];

function ringPoints(ring, arcs) {
  const points = [];
  for (const index of ring) {
    const arc = index < 0 ? [...arcs[~index]].reverse() : arcs[index];
    points.push(...(points.length ? arc.slice(1) : arc));
  }
  const projected = [];
  for (const point of points.map(project)) {
    const last = projected[projected.length - 1];
    if (!last || last[0] !== point[0] || last[1] !== point[1]) projected.push(point);
  }
  const [first, last] = [projected[0], projected[projected.length - 1]];
  if (projected.length > 1 && first[0] === last[0] && first[1] === last[1]) projected.pop();
  return projected;
}

const tenths = (n) => (n / 10).toFixed(1).replace(/\.0$/, "");

function ringPath(points) {
  return "M" + points.map(([x, y]) => `${tenths(x)} ${tenths(y)}`).join("L") + "Z";
}

/// Rings crossing the antimeridian (Fiji, Chukotka) made continuous, then
/// drawn twice, once a full turn over, so that each side of the map has its
/// part (the map's view box cuts what lies outside).
function unwrapped(points) {
  const out = [points[0]];
  for (const [x, y] of points.slice(1)) {
    const previous = out[out.length - 1][0];
    const turns = Math.round((previous - x) / 3600);
    out.push([x + turns * 3600, y]);
  }
  const xs = out.map(([x]) => x);
  if (Math.min(...xs) < 0) return [out, out.map(([x, y]) => [x + 3600, y])];
  if (Math.max(...xs) > 3600) return [out, out.map(([x, y]) => [x - 3600, y])];
  return [out];
}

function geometryPath(geometry, arcs) {
  const polygons = geometry.type === "Polygon" ? [geometry.arcs] : geometry.arcs;
  return polygons
    .flat()
    .map((ring) => ringPoints(ring, arcs))
    .filter((points) => points.length >= 3)
    .flatMap(unwrapped)
    .map(ringPath)
    .join("");
}

/// The ISO codes of a Natural Earth shape.
function code(geometry) {
  if (geometry.id === undefined) {
    const alpha3 = UNCODED[geometry.properties.name];
    if (!alpha3) throw new Error(`no code for ${geometry.properties.name}`);
    if (alpha3 === KOSOVO.alpha3) return KOSOVO;
    return { alpha2: codes.find((c) => c[1] === alpha3)[0], alpha3 };
  }
  const found = byNumeric.get(geometry.id);
  if (!found) throw new Error(`unknown numeric code ${geometry.id}`);
  return found;
}

const nameIn = (lang, alpha2) => {
  const name = names[lang][alpha2];
  return Array.isArray(name) ? name[0] : name;
};

const arcs = decodeArcs(topology);
const countries = new Map();
for (const geometry of topology.objects.countries.geometries) {
  if (geometry.id === ANTARCTICA) continue;
  const { alpha2, alpha3 } = code(geometry);
  const path = geometryPath(geometry, arcs);
  const known = countries.get(alpha3);
  if (known) {
    known.path += path;
  } else {
    countries.set(alpha3, { alpha3, en: nameIn("en", alpha2), fr: nameIn("fr", alpha2), path });
  }
}

const lines = [
  "# Country shapes for the overview map, generated by convert.mjs (sources,",
  "# projection and licences in its header): Natural Earth 4.1.0 admin-0",
  "# countries 1:110m (public domain) via world-atlas 2.0.2; names from",
  "# i18n-iso-countries 7.14.0. Do not edit by hand: regenerate.",
  "#",
  "# Columns (tab-separated): alpha3, name_en, name_fr, path (SVG path data,",
  "# equirectangular: x = longitude + 180, y = 90 - latitude).",
  "alpha3\tname_en\tname_fr\tpath",
];
for (const c of [...countries.values()].sort((a, b) => a.alpha3.localeCompare(b.alpha3))) {
  lines.push([c.alpha3, c.en, c.fr, c.path].join("\t"));
}
process.stdout.write(lines.join("\n") + "\n");
