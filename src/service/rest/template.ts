/**
 * google.api.http path templates (http.proto "Path template syntax") compiled to matchers.
 *
 * Covered: literal segments, `{field}` and `{a.b}` (one segment), `{field=pat/*}` / `{field=**}` (several
 * segments), bare `*` and `**`, and a trailing `:verb`. Variables are percent-decoded.
 */

/** A compiled template. */
export interface PathTemplate {
  /** The template as written, e.g. `/threads/{thread_id}/runs/wait`. */
  readonly source: string;
  /** Number of literal segments; a route with more literals wins over a more generic one. */
  readonly literalCount: number;
  /** Matches a request path (no query string); `undefined` when it does not match. */
  match(path: string): Record<string, string> | undefined;
}

/** Thrown for a template the grammar does not cover; raised at start-up, never per request. */
export class PathTemplateError extends Error {
  override readonly name = "PathTemplateError";
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function patternToRe(pattern: string): string {
  return pattern
    .split("/")
    .map((seg) => (seg === "**" ? ".+" : seg === "*" ? "[^/]+" : escapeRe(seg)))
    .join("/");
}

/**
 * Compiles `template`.
 * @throws PathTemplateError when the template does not start with "/" or has an unbalanced brace.
 */
export function compilePathTemplate(template: string): PathTemplate {
  if (!template.startsWith("/"))
    throw new PathTemplateError(`path template must start with "/": ${template}`);
  let rest = template;
  let verb = "";
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("}") && colon > rest.lastIndexOf("/")) {
    verb = rest.slice(colon);
    rest = rest.slice(0, colon);
  }
  const names: string[] = [];
  let re = "";
  let literalCount = 0;
  // Split on "/" outside braces.
  const segments: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of rest.slice(1)) {
    if (ch === "{") depth++;
    if (ch === "}") depth--;
    if (depth < 0) throw new PathTemplateError(`unbalanced "}" in ${template}`);
    if (ch === "/" && depth === 0) {
      segments.push(current);
      current = "";
    } else current += ch;
  }
  if (depth !== 0) throw new PathTemplateError(`unbalanced "{" in ${template}`);
  segments.push(current);
  for (const seg of segments) {
    re += "/";
    const variable = /^\{([A-Za-z_][\w.]*)(?:=(.+))?\}$/.exec(seg);
    if (variable) {
      names.push(variable[1] as string);
      re += `(${variable[2] ? patternToRe(variable[2]) : "[^/]+"})`;
    } else if (seg === "*" || seg === "**") {
      re += seg === "*" ? "[^/]+" : ".+";
    } else {
      if (seg.includes("{") || seg.includes("}"))
        throw new PathTemplateError(`bad segment "${seg}" in ${template}`);
      literalCount++;
      re += escapeRe(seg);
    }
  }
  const regex = new RegExp(`^${re}${escapeRe(verb)}/?$`);
  return {
    source: template,
    literalCount,
    match(path) {
      const m = regex.exec(path);
      if (!m) return undefined;
      const vars: Record<string, string> = {};
      names.forEach((name, i) => {
        vars[name] = safeDecode(m[i + 1] as string);
      });
      return vars;
    },
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
