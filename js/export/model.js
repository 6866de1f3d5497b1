// A stand-in for the anywidget model on a page with no kernel: Backbone-like get/set/on/off over
// plain state, and custom messages answered by a function (the exported tree's TreePages).

/**
 * The model a widget's render() gets.
 * @param {object} state the synced fields
 * @param {(content: object) => Promise<object>|object} answer the reply to a message the view
 *   sends; it arrives later, as a kernel's does (a thrown error becomes an "error" reply)
 */
export function makeModel(state, answer) {
  const handlers = new Map();
  const emit = (event, ...args) => {
    for (const cb of [...(handlers.get(event) || [])]) cb(...args);
  };
  const model = {
    get: (key) => state[key],
    set(key, value) {
      if (state[key] === value) return;
      state[key] = value;
      emit(`change:${key}`, model, value);
      emit("change", model);
    },
    save_changes() {},
    on(event, cb) {
      if (!handlers.has(event)) handlers.set(event, new Set());
      handlers.get(event).add(cb);
    },
    off(event, cb) {
      if (!event) handlers.clear();
      else if (!cb) handlers.delete(event);
      else handlers.get(event)?.delete(cb);
    },
    send(content) { // replies arrive later, as they do from a kernel
      Promise.resolve().then(() => answer(content)).then(
        (reply) => emit("msg:custom", reply, []),
        (err) => emit("msg:custom", { op: "error", id: content?.id ?? null,
          message: `Error: ${err && err.message}` }, []),
      );
    },
  };
  return model;
}
