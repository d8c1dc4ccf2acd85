// What a page is to the router: a function that renders into a box from the URL's parameters
// and may hand back a way to refresh itself when the server's index changes.

/**
 * @typedef {object} PageHandle
 * @property {() => Promise<unknown>} [refresh] called when the index's generation changes
 */

/** @typedef {(root: HTMLElement, params: URLSearchParams) => Promise<PageHandle | void>} Page */

export {};
