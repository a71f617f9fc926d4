/**
 * The thread explorer's entry point: the API-key box, and a hash router between the threads page (`#/`) and a
 * thread's page (`#/threads/{id}`). Served by Loom at `/ui/`; talks to the REST API of the same origin.
 */
import "./main.css";
import { apiKey, setApiKey } from "./api.js";
import { renderThread } from "./thread-view.js";
import { renderThreads } from "./threads-view.js";

const app = document.getElementById("app") as HTMLElement;
const keyBox = document.getElementById("api-key") as HTMLInputElement;
keyBox.value = apiKey();
keyBox.addEventListener("change", () => {
  setApiKey(keyBox.value.trim());
  void route();
});

let dispose: (() => void) | undefined;
/** Bumped by every navigation: a page that finishes loading after the user left it is stopped at once. */
let generation = 0;

async function route(): Promise<void> {
  dispose?.();
  dispose = undefined;
  const mine = ++generation;
  const match = /^#\/threads\/([^/]+)$/.exec(location.hash);
  if (match?.[1]) {
    const stop = await renderThread(app, decodeURIComponent(match[1]));
    if (mine === generation) dispose = stop;
    else stop();
  } else {
    await renderThreads(app, (threadId) => {
      location.hash = `#/threads/${threadId}`;
    });
  }
}

window.addEventListener("hashchange", () => void route());
void route();
