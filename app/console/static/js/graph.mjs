// The merge graph drawn with cytoscape.js: identifiers as nodes by kind, links by state.

import cytoscape from "../vendor/cytoscape.esm.min.mjs";

export const KIND_COLOURS = {
  email: "#1f6fb2", phone: "#2e7d32", crm_id: "#6a3d9a", user_id: "#8c564b",
  loyalty_id: "#c2185b", line_id: "#00838f", whatsapp_id: "#388e3c",
  messenger_id: "#1565c0", wechat_id: "#558b2f", anonymous_id: "#616161",
};
export const STATE_STYLES = {
  active: { colour: "#2e7d32", line: "solid", label: "active" },
  matched: { colour: "#7b1fa2", line: "solid", label: "matched (person evidence)" },
  manual: { colour: "#1565c0", line: "solid", label: "manual (steward)" },
  rejected: { colour: "#c62828", line: "dashed", label: "rejected (policy)" },
  suppressed: { colour: "#757575", line: "dotted", label: "suppressed (cut)" },
};

const SHAPES = { email: "round-rectangle", phone: "ellipse", crm_id: "diamond", user_id: "hexagon", loyalty_id: "star", anonymous_id: "triangle" };

function shortLabel(key) {
  const [kind, ...rest] = key.split(":");
  const value = rest.join(":");
  return `${kind}\n${value.length > 22 ? `${value.slice(0, 20)}…` : value}`;
}

export function elementsOf(graph) {
  const bridges = new Set(graph.bridges.map(([a, b]) => `${a}|${b}`));
  const nodes = [...graph.identifiers.map((n) => ({ ...n, member: true })), ...graph.neighbours.map((n) => ({ ...n, member: false }))];
  // Start from a circle in key order, so that the layout (and a screenshot) is the same every time.
  const radius = 60 + 18 * nodes.length;
  return [
    ...nodes.map((n, i) => ({
      group: "nodes",
      position: { x: radius * Math.cos((2 * Math.PI * i) / nodes.length), y: radius * Math.sin((2 * Math.PI * i) / nodes.length) },
      data: {
        id: n.key, label: shortLabel(n.key), kind: n.kind,
        colour: KIND_COLOURS[n.kind] || "#455a64", shape: SHAPES[n.kind] || "ellipse", node: n,
      },
      classes: [n.member ? "member" : "outside", n.status !== "active" ? "inactive" : "", n.key === graph.anchor ? "anchor" : ""].join(" "),
    })),
    ...graph.links.map((link) => {
      const style = STATE_STYLES[link.state] || STATE_STYLES.active;
      const bridge = bridges.has(`${link.a}|${link.b}`);
      return {
        group: "edges",
        data: { id: `${link.a}|${link.b}`, source: link.a, target: link.b, colour: style.colour, line: style.line, link, bridge },
        classes: `${link.state}${bridge ? " bridge" : ""}`,
      };
    }),
  ];
}

export function drawGraph(container, graph, { onSelect }) {
  const cy = cytoscape({
    container,
    elements: elementsOf(graph),
    minZoom: 0.3,
    maxZoom: 2.5,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", shape: "data(shape)", width: 34, height: 34,
        label: "data(label)", "text-wrap": "wrap", "font-size": 12, "min-zoomed-font-size": 6, "text-valign": "bottom",
        "text-margin-y": 4, color: "#1b2430", "text-background-color": "#ffffff",
        "text-background-opacity": 0.85, "text-background-padding": 2, "border-width": 2, "border-color": "#ffffff",
      } },
      { selector: "node.anchor", style: { "border-width": 4, "border-color": "#f2a900" } },
      { selector: "node.outside", style: { opacity: 0.55, "border-style": "dashed", "border-color": "#455a64" } },
      { selector: "node.inactive", style: { "background-color": "#b0bec5" } },
      { selector: "edge", style: {
        width: 3, "line-color": "data(colour)", "line-style": "data(line)", "curve-style": "bezier",
      } },
      { selector: "edge.manual", style: { width: 4 } },
      { selector: "edge.bridge", style: { "underlay-color": "#f2a900", "underlay-opacity": 0.45, "underlay-padding": 5 } },
      { selector: "edge.path", style: { width: 7, "line-color": "#e65100", "z-index": 10 } },
      { selector: "node.path-end", style: { "border-width": 5, "border-color": "#e65100" } },
      { selector: ":selected", style: { "overlay-color": "#0d47a1", "overlay-opacity": 0.18, "overlay-padding": 6 } },
    ],
    layout: {
      name: "cose", animate: false, randomize: false, padding: 40, nodeDimensionsIncludeLabels: true,
      nodeRepulsion: () => 12000, idealEdgeLength: () => 80, edgeElasticity: () => 80, numIter: 2000,
    },
  });
  // a small customer drawn to fit would be drawn huge: keep it at a readable scale
  if (cy.zoom() > 1.3) {
    cy.zoom(1.3);
    cy.center();
  }
  cy.on("tap", "node", (event) => onSelect({ type: "identifier", value: event.target.data("node") }));
  cy.on("tap", "edge", (event) => onSelect({ type: "link", value: event.target.data("link"), bridge: event.target.data("bridge") }));
  cy.on("tap", (event) => { if (event.target === cy) onSelect(null); });
  return cy;
}

export function showPath(cy, steps, a, b) {
  cy.elements().removeClass("path path-end");
  for (const step of steps) cy.getElementById(`${step.a}|${step.b}`).addClass("path");
  cy.getElementById(a).addClass("path-end");
  cy.getElementById(b).addClass("path-end");
}
