/**
 * The REST route table, built at start-up from the `google.api.http` annotations of the served services
 * (stack-notes.md Q6). Each binding (the rule and its `additional_bindings`) becomes one route.
 */
import { type DescMethod, type DescService, getOption, hasOption } from "@bufbuild/protobuf";
import { http } from "../../../gen/ts/google/api/annotations_pb.js";
import type { HttpRule } from "../../../gen/ts/google/api/http_pb.js";
import { compilePathTemplate, type PathTemplate } from "./template.js";

/** One REST binding of an RPC. */
export interface RestRoute {
  /** Upper-case HTTP verb ("GET", "POST", ...). */
  readonly verb: string;
  readonly template: PathTemplate;
  readonly service: DescService;
  readonly method: DescMethod;
  /** `"*"`: the body is the request message; a field name: the body fills that field; `""`: no body. */
  readonly body: string;
  /** Field of the response sent as the body (a bare array / integer / object); `""`: the whole response. */
  readonly responseBody: string;
}

/** Result of {@link RouteTable.find}. */
export type RouteMatch =
  | { kind: "found"; route: RestRoute; vars: Record<string, string> }
  | { kind: "wrong-verb"; allowed: string[] }
  | { kind: "none" };

/** Routes sorted so that literal segments win over variables (`/threads/search` before `/threads/{id}`). */
export interface RouteTable {
  readonly routes: readonly RestRoute[];
  /** Finds the route for `verb` and `path` (no query string). */
  find(verb: string, path: string): RouteMatch;
}

function bindingsOf(rule: HttpRule): HttpRule[] {
  return [rule, ...rule.additionalBindings];
}

function verbAndPath(rule: HttpRule): [string, string] | undefined {
  const p = rule.pattern;
  if (p.case === undefined) return undefined;
  if (p.case === "custom") return [p.value.kind.toUpperCase(), p.value.path];
  return [p.case.toUpperCase(), p.value];
}

/**
 * Builds the table from every annotated method of `services`. Client- and bidi-streaming methods are skipped
 * (not transcodable).
 * @throws PathTemplateError for a template outside the supported grammar.
 */
export function buildRouteTable(services: readonly DescService[]): RouteTable {
  const routes: RestRoute[] = [];
  for (const service of services) {
    for (const method of service.methods) {
      if (!hasOption(method, http)) continue;
      if (method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming") continue;
      for (const rule of bindingsOf(getOption(method, http))) {
        const vp = verbAndPath(rule);
        if (!vp) continue;
        routes.push({
          verb: vp[0],
          template: compilePathTemplate(vp[1]),
          service,
          method,
          body: rule.body,
          responseBody: rule.responseBody,
        });
      }
    }
  }
  routes.sort((a, b) => b.template.literalCount - a.template.literalCount);
  return {
    routes,
    find(verb, path) {
      const allowed = new Set<string>();
      for (const route of routes) {
        const vars = route.template.match(path);
        if (!vars) continue;
        if (route.verb === verb) return { kind: "found", route, vars };
        allowed.add(route.verb);
      }
      return allowed.size > 0 ? { kind: "wrong-verb", allowed: [...allowed] } : { kind: "none" };
    },
  };
}
