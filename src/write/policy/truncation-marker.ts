/**
 * The marker that ends what a cap cut, and its length, which the caps plan with before
 * writing it.
 */

/** The marker that ends a string (or stands for a value) cut by a cap: it names the bytes left out. */
export function truncationMarker(bytesCut: number): string {
  return `[TRUNCATED:${bytesCut} bytes]`;
}

/** `truncationMarker(bytesCut).length`, without making the string (`bytesCut` a non-negative integer). */
export function truncationMarkerLength(bytesCut: number): number {
  let digits = 1;
  for (let n = bytesCut; n >= 10; n = Math.floor(n / 10)) digits++;
  return 18 + digits;
}
