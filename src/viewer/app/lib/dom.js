// Building the page. Log content is untrusted (model output can hold <script>): every piece
// of it goes into the page as a text node or an attribute value, never as HTML.

const SAFE_HREF = /^(#\/|\/api\/)/;

/**
 * Makes an element. `attrs` keys: class, text, href (only "#/..." and "/api/..." links),
 * title, on<Event> handlers, data-*, aria-*, and a few plain attributes. Children are nodes
 * or strings (added as text), null/false are skipped, arrays are flattened.
 * @param {string} tag
 * @param {Record<string, unknown> | null} [attrs]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else if (key === "href") {
      const href = String(value);
      if (SAFE_HREF.test(href)) el.setAttribute("href", href);
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else if (key === "style" && typeof value === "object") {
      Object.assign(el.style, value);
    } else if (/^(data-|aria-)|^(title|type|value|name|id|role|placeholder|min|max|step|colspan|tabindex|target|rel|download|for|selected|checked|disabled|open|spellcheck|hidden)$/.test(key)) {
      if (value === true) el.setAttribute(key, "");
      else el.setAttribute(key, String(value));
    } else {
      throw new Error(`h(): attribute ${key} is not allowed`);
    }
  }
  append(el, children);
  return el;
}

/**
 * Appends nodes and strings (as text) to an element.
 * @param {HTMLElement} el
 * @param {unknown[]} children
 * @returns {HTMLElement}
 */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/**
 * Replaces every child of an element with `children` (nodes, strings as text, arrays flattened).
 * @param {HTMLElement} el
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/**
 * Sets the page title.
 * @param {string} [text]
 */
export function setTitle(text) {
  document.title = text ? `${text} · trajlog` : "trajlog";
}
