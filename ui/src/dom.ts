/**
 * A small element builder for the explorer's views (no framework: the page is a few lists and panels).
 * `h("button", {class: "x", onclick}, "Run")` creates the element, sets attributes (functions become event
 * listeners, `false`/`undefined` are skipped) and appends the children (strings become text nodes).
 */
type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** Creates an HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** Creates an SVG element with attributes (functions become event listeners). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.replace(/^on/, ""), value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/** Pretty JSON for display (2-space indent). */
export function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "undefined";
}

/** Shows an error (an ApiError's detail, or any message) in the banner under the header until dismissed. */
export function showError(error: unknown): void {
  const banner = document.getElementById("error");
  if (!banner) return;
  const message = error instanceof Error ? error.message : String(error);
  banner.replaceChildren(
    h("span", { "data-testid": "error-message" }, message),
    h("button", { class: "link", onclick: () => (banner.hidden = true) }, "dismiss"),
  );
  banner.hidden = false;
}

/** Hides the error banner. */
export function clearError(): void {
  const banner = document.getElementById("error");
  if (banner) banner.hidden = true;
}
