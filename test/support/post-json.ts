/**
 * `POST` of a JSON body to a Loom REST route, answering the parsed JSON body.
 * @throws Error naming the URL, the status and (the first 200 characters of) the body when the status is not 200.
 */
export async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
  return json;
}
