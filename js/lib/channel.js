// Requests a view sends the kernel over the widget's custom messages, each answered by one
// message carrying the request's id (the lazy-tree and comparison protocols).

/**
 * A channel for one view.
 * @param {(content: object) => void} send sends a custom message (the model's `send`)
 * @param {(message: string) => void} onError shows an error reply of a request sent
 *   without its own `fail`
 * @returns {{ask: Function, answer: Function}}
 */
export function createChannel(send, onError) {
  const waiting = new Map(); // request id -> {then, fail}
  const view = Math.random().toString(36).slice(2); // several views may share one model
  let seq = 0;

  /**
   * Send `req` with a fresh id; `then(reply)` gets the answer, `fail(message)` an error reply.
   * @returns {string} the id
   */
  function ask(req, then, fail) {
    const id = `${view}:${++seq}`;
    waiting.set(id, { then, fail });
    send({ ...req, id });
    return id;
  }

  /**
   * Hand a message to the request it answers.
   * @returns {boolean} false when it answers none of this view's requests (another view's
   *   reply, or a message Python sent on its own)
   */
  function answer(msg) {
    const w = msg && waiting.get(msg.id);
    if (!w) return false;
    waiting.delete(msg.id);
    if (msg.op === "error") (w.fail || onError)(msg.message);
    else if (w.then) w.then(msg);
    return true;
  }

  return { ask, answer };
}
