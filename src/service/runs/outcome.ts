/** What a finished run means for its thread and its wait body: see `src/runtime/outcome.ts`. */
export {
  errorJson,
  interruptsByTask,
  runStatusFor,
  threadFieldsFromHead,
  threadUpdateFor,
  waitBodyFor,
  waitBodyFromThread,
} from "../../runtime/outcome.js";
